package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"
)

// LabelMap is a label image of trainIds (0..18, Ignore) at ground-truth
// size, row-major.
type LabelMap struct {
	Width, Height int
	Pix           []uint8 // len Width*Height; Pix[y*Width+x]
}

// At returns the trainId at (x, y).
func (m *LabelMap) At(x, y int) uint8 { return m.Pix[y*m.Width+x] }

// pngHeader is what a PNG's IHDR chunk says.
type pngHeader struct {
	Width, Height int
	Depth         uint8 // bits per sample
	ColorType     uint8 // 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// readPNGHeader reads the IHDR chunk that every PNG starts with, so label
// formats can be refused by name before decoding anything.
func readPNGHeader(b []byte) (pngHeader, error) {
	if len(b) < 33 || !bytes.Equal(b[:8], pngSignature) || string(b[12:16]) != "IHDR" {
		return pngHeader{}, fmt.Errorf("%w (no PNG signature and header)", ErrCorruptPNG)
	}
	h := pngHeader{
		Width:     int(binary.BigEndian.Uint32(b[16:20])),
		Height:    int(binary.BigEndian.Uint32(b[20:24])),
		Depth:     b[24],
		ColorType: b[25],
	}
	if h.Width <= 0 || h.Height <= 0 || h.Width > 1<<16 || h.Height > 1<<16 {
		return h, fmt.Errorf("%w (bad size %dx%d)", ErrCorruptPNG, h.Width, h.Height)
	}
	return h, nil
}

func (h pngHeader) describe() string {
	kind := map[uint8]string{0: "grayscale", 2: "RGB", 3: "palette", 4: "grayscale+alpha", 6: "RGBA"}[h.ColorType]
	if kind == "" {
		kind = fmt.Sprintf("colour type %d", h.ColorType)
	}
	return fmt.Sprintf("%d-bit %s", h.Depth, kind)
}

// readFileInto reads a whole file into buf (grown as needed) so that a
// worker reuses one buffer for every file it reads.
func readFileInto(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return buf[:0], err
	}
	n := int(st.Size())
	if cap(buf) < n+1 {
		buf = make([]byte, n+1, n+n/4+1)
	}
	buf = buf[:n+1]
	m, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:m], err
}

// decodeImagePNG decodes an image PNG held in memory.
func decodeImagePNG(b []byte) (image.Image, error) {
	if _, err := readPNGHeader(b); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrCorruptPNG, err)
	}
	return img, nil
}

// DecodeImageFile reads and decodes an image PNG; errors are *FileError.
func DecodeImageFile(path string) (image.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	img, err := decodeImagePNG(b)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return img, nil
}

// DecodeLabelFile reads a label PNG of the given kind and returns its
// trainIds; errors are *FileError.
func DecodeLabelFile(path string, kind LabelKind) (LabelMap, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return LabelMap{}, &FileError{Path: path, Err: err}
	}
	m, err := decodeLabelPNG(b, kind, nil)
	if err != nil {
		return LabelMap{}, &FileError{Path: path, Err: err}
	}
	return m, nil
}

// decodeLabelPNG decodes an 8-bit grayscale label PNG and maps its values
// to trainIds in dst (grown as needed). Other PNG formats are refused:
// 16-bit or colour labels are almost always a mistake in a conversion
// step, and guessing would corrupt the evaluation silently.
func decodeLabelPNG(b []byte, kind LabelKind, dst []uint8) (LabelMap, error) {
	h, err := readPNGHeader(b)
	if err != nil {
		return LabelMap{}, err
	}
	if h.ColorType != 0 || h.Depth != 8 {
		return LabelMap{}, fmt.Errorf("%w (this one is %s)", ErrLabelFormat, h.describe())
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return LabelMap{}, fmt.Errorf("%w (%v)", ErrCorruptPNG, err)
	}
	g, ok := img.(*image.Gray)
	if !ok { // cannot happen for 8-bit grayscale, but never index blindly
		return LabelMap{}, fmt.Errorf("%w (decoded as %T)", ErrLabelFormat, img)
	}
	m := LabelMap{Width: h.Width, Height: h.Height}
	n := m.Width * m.Height
	if cap(dst) < n {
		dst = make([]uint8, n)
	}
	m.Pix = dst[:n]
	table, invalid := &idToTrainID, &invalidID
	if kind == LabelTrainIDs {
		table, invalid = &trainIDIdentity, &invalidTrainID
	}
	var bad uint8
	for y := 0; y < m.Height; y++ {
		src := g.Pix[y*g.Stride : y*g.Stride+m.Width]
		out := m.Pix[y*m.Width : (y+1)*m.Width]
		out = out[:len(src)]
		for x, v := range src {
			out[x] = table[v]
			bad |= invalid[v]
		}
	}
	if bad != 0 {
		return LabelMap{}, unknownValues(g, invalid)
	}
	return m, nil
}

// Lookup tables for label values: trainIds of label ids, and which bytes
// are not valid values of each label kind.
var trainIDIdentity, invalidID, invalidTrainID = func() (ident, badID, badTrain [256]uint8) {
	for v := range 256 {
		ident[v] = uint8(v)
		if v > MaxLabelID {
			badID[v] = 1
		}
		if v >= NumClasses && v != int(Ignore) {
			badTrain[v] = 1
		}
	}
	return
}()

// unknownValues describes the invalid values of a label: which, how many
// pixels, and where the first one is, so the file can be fixed.
func unknownValues(g *image.Gray, invalid *[256]uint8) error {
	var counts [256]int
	firstX, firstY := -1, -1
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := 0; y < h; y++ {
		for x, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			if invalid[v] != 0 {
				if counts[v] == 0 && firstX < 0 {
					firstX, firstY = x, y
				}
				counts[v]++
			}
		}
	}
	var vals []string
	total := 0
	for v, c := range counts {
		if c > 0 {
			vals = append(vals, strconv.Itoa(v))
			total += c
		}
	}
	if len(vals) > 8 {
		vals = append(vals[:8], "...")
	}
	return fmt.Errorf("%w: %s in %d pixels, first at x=%d y=%d", ErrUnknownID, strings.Join(vals, ", "), total, firstX, firstY)
}
