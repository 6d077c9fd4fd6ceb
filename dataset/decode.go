package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/segtrt/segtrt/dataset/internal/fastpng"
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

// pngDecoder holds one goroutine's reusable decoding buffers.
type pngDecoder struct {
	fast fastpng.Decoder
	pix  []uint8 // the last image's pixels (the next decode overwrites them)
}

// decode decodes an image PNG held in memory. The 8-bit formats
// Cityscapes uses go through fastpng into d.pix; others through image/png.
func (d *pngDecoder) decode(b []byte) (rgbSource, error) {
	if _, err := readPNGHeader(b); err != nil {
		return rgbSource{}, err
	}
	img, err := d.fast.Decode(b, d.pix)
	if err == nil {
		d.pix = img.Pix
		return rgbSource{pix: img.Pix, stride: img.Width * img.Channels, channels: img.Channels, w: img.Width, h: img.Height}, nil
	}
	if !errors.Is(err, fastpng.ErrUnsupported) {
		return rgbSource{}, fmt.Errorf("%w (%v)", ErrCorruptPNG, err)
	}
	std, err := decodeImagePNG(b)
	if err != nil {
		return rgbSource{}, err
	}
	return rgbView(std), nil
}

// decodeImagePNG decodes an image PNG held in memory with image/png.
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
	var d pngDecoder
	m, err := d.decodeLabel(b, kind, nil)
	if err != nil {
		return LabelMap{}, &FileError{Path: path, Err: err}
	}
	return m, nil
}

// decodeLabel decodes an 8-bit grayscale label PNG and maps its values to
// trainIds in dst (grown as needed). Other PNG formats are refused: 16-bit
// or colour labels are almost always a mistake in a conversion step, and
// guessing would corrupt the evaluation silently.
func (d *pngDecoder) decodeLabel(b []byte, kind LabelKind, dst []uint8) (LabelMap, error) {
	h, err := readPNGHeader(b)
	if err != nil {
		return LabelMap{}, err
	}
	if h.ColorType != 0 || h.Depth != 8 {
		return LabelMap{}, fmt.Errorf("%w (this one is %s)", ErrLabelFormat, h.describe())
	}
	src, err := d.decode(b)
	if err != nil {
		return LabelMap{}, err
	}
	if src.channels != 1 { // cannot happen for 8-bit grayscale, but never index blindly
		return LabelMap{}, fmt.Errorf("%w (decoded with %d channels)", ErrLabelFormat, src.channels)
	}
	m := LabelMap{Width: src.w, Height: src.h}
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
		row := src.pix[y*src.stride : y*src.stride+m.Width]
		out := m.Pix[y*m.Width : (y+1)*m.Width]
		out = out[:len(row)]
		for x, v := range row {
			out[x] = table[v]
			bad |= invalid[v]
		}
	}
	if bad != 0 {
		return LabelMap{}, unknownValues(src, invalid)
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
func unknownValues(g rgbSource, invalid *[256]uint8) error {
	var counts [256]int
	firstX, firstY := -1, -1
	for y := 0; y < g.h; y++ {
		for x, v := range g.pix[y*g.stride : y*g.stride+g.w] {
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
