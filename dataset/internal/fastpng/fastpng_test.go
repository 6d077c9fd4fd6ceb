package fastpng_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/dataset/internal/fastpng"
	"github.com/segtrt/segtrt/dataset/synth"
)

var signature = []byte("\x89PNG\r\n\x1a\n")

// chunk appends one PNG chunk with its length and CRC.
func chunk(dst []byte, typ string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	start := len(dst)
	dst = append(dst, typ...)
	dst = append(dst, data...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// filterRow applies PNG filter f to cur (prev is the row above, raw
// pixels) the forward way, as an encoder does.
func filterRow(f byte, cur, prev []byte, bpp int) []byte {
	out := make([]byte, len(cur))
	for i := range cur {
		var a, b, c int
		if i >= bpp {
			a, c = int(cur[i-bpp]), int(prev[i-bpp])
		}
		b = int(prev[i])
		var pred int
		switch f {
		case 1:
			pred = a
		case 2:
			pred = b
		case 3:
			pred = (a + b) / 2
		case 4:
			p := a + b - c
			pa, pb, pc := iabs(p-a), iabs(p-b), iabs(p-c)
			switch {
			case pa <= pb && pa <= pc:
				pred = a
			case pb <= pc:
				pred = b
			default:
				pred = c
			}
		}
		out[i] = cur[i] - byte(pred)
	}
	return out
}

func iabs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// encode writes pix (h rows of w*bpp bytes) as a PNG of the given colour
// type, each row with the filter filters(y) picks, the stream split over
// several IDAT chunks.
func encode(t testing.TB, pix []byte, w, h int, colour byte, filters func(y int) byte) []byte {
	bpp := map[byte]int{0: 1, 2: 3, 6: 4}[colour]
	var raw bytes.Buffer
	prev := make([]byte, w*bpp)
	for y := range h {
		cur := pix[y*w*bpp : (y+1)*w*bpp]
		f := filters(y)
		raw.WriteByte(f)
		raw.Write(filterRow(f, cur, prev, bpp))
		prev = cur
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	out := append([]byte(nil), signature...)
	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(w))
	binary.BigEndian.PutUint32(hdr[4:], uint32(h))
	hdr[8], hdr[9] = 8, colour
	out = chunk(out, "IHDR", hdr[:])
	out = chunk(out, "tEXt", []byte("Comment\x00made by a test"))
	stream := z.Bytes()
	for len(stream) > 0 {
		n := min(len(stream), 1000)
		out = chunk(out, "IDAT", stream[:n])
		stream = stream[n:]
	}
	return chunk(out, "IEND", nil)
}

// stdPixels decodes with image/png and returns tightly packed pixels with
// the given channel count.
func stdPixels(t testing.TB, b []byte, channels int) []byte {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("image/png: %v", err)
	}
	r := img.Bounds()
	var out []byte
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			switch m := img.(type) {
			case *image.Gray:
				out = append(out, m.GrayAt(x, y).Y)
			case *image.RGBA:
				c := m.RGBAAt(x, y)
				out = append(out, []byte{c.R, c.G, c.B, c.A}[:channels]...)
			case *image.NRGBA:
				c := m.NRGBAAt(x, y)
				out = append(out, c.R, c.G, c.B, c.A)
			default:
				t.Fatalf("image/png gave %T", img)
			}
		}
	}
	return out
}

// TestAgreesWithImagePNG decodes every filter type on every supported
// format, at widths around the bytes-per-pixel edges, and compares with
// image/png.
func TestAgreesWithImagePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var d fastpng.Decoder
	var buf []byte
	for _, colour := range []byte{0, 2, 6} {
		bpp := map[byte]int{0: 1, 2: 3, 6: 4}[colour]
		for _, w := range []int{1, 2, 7, 64} {
			h := 23
			pix := make([]byte, w*h*bpp)
			for i := range pix {
				// Smooth plus noise, so predictions land on all branches;
				// the lower half in flat blocks, as label maps are.
				if y, x := i/bpp/w, i/bpp%w; y < h/2 {
					pix[i] = byte(x*3 + rng.IntN(40))
				} else {
					pix[i] = byte((x/5 + y/4) % 3 * 50)
				}
			}
			if colour == 6 {
				for i := 3; i < len(pix); i += 4 {
					pix[i] = 255 // opaque: image/png then returns *image.NRGBA as is
				}
			}
			b := encode(t, pix, w, h, colour, func(y int) byte { return byte(y % 5) })
			img, err := d.Decode(b, buf)
			if err != nil {
				t.Fatalf("colour %d width %d: %v", colour, w, err)
			}
			buf = img.Pix
			if img.Width != w || img.Height != h || img.Channels != bpp {
				t.Fatalf("colour %d: got %dx%dx%d", colour, img.Width, img.Height, img.Channels)
			}
			if !bytes.Equal(img.Pix, pix) {
				t.Fatalf("colour %d width %d: pixels differ from the encoded ones", colour, w)
			}
			if want := stdPixels(t, b, bpp); !bytes.Equal(img.Pix, want) {
				t.Fatalf("colour %d width %d: pixels differ from image/png", colour, w)
			}
		}
	}
}

// TestSynthScene decodes a rendered scene written by image/png's encoder,
// whose adaptive filtering picks per row.
func TestSynthScene(t *testing.T) {
	f := synth.Render(synth.Params{Seed: 3, Split: "val", Count: 1, Width: 256, Height: 128})
	for _, m := range []image.Image{f.RGBImage(), f.LabelIDs()} {
		var b bytes.Buffer
		if err := png.Encode(&b, m); err != nil {
			t.Fatal(err)
		}
		var d fastpng.Decoder
		img, err := d.Decode(b.Bytes(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := stdPixels(t, b.Bytes(), img.Channels); !bytes.Equal(img.Pix, want) {
			t.Fatalf("%T: pixels differ from image/png", m)
		}
	}
}

func TestRefuses(t *testing.T) {
	pix := make([]byte, 4*4*3)
	good := encode(t, pix, 4, 4, 2, func(int) byte { return 0 })
	withHeader := func(depth, colour, interlace byte) []byte {
		b := append([]byte(nil), good...)
		b[24], b[25], b[28] = depth, colour, interlace
		binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
		return b
	}
	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-20] ^= 1 // inside the last IDAT
	trns := append(append([]byte(nil), good[:33]...), chunk(nil, "tRNS", []byte{0, 1, 0, 2, 0, 3})...)
	trns = append(trns, good[33:]...)
	for _, c := range []struct {
		name        string
		b           []byte
		unsupported bool
	}{
		{"empty", nil, false},
		{"not PNG", []byte("GIF89a........................................"), false},
		{"truncated", good[:len(good)-30], false},
		{"checksum", badCRC, false},
		{"16-bit", withHeader(16, 2, 0), true},
		{"palette", withHeader(8, 3, 0), true},
		{"gray+alpha", withHeader(8, 4, 0), true},
		{"interlaced", withHeader(8, 2, 1), true},
		{"tRNS", trns, true},
	} {
		var d fastpng.Decoder
		_, err := d.Decode(c.b, nil)
		if err == nil {
			t.Errorf("%s: decoded", c.name)
			continue
		}
		if got := errors.Is(err, fastpng.ErrUnsupported); got != c.unsupported {
			t.Errorf("%s: %v; unsupported=%v, want %v", c.name, err, got, c.unsupported)
		}
	}
}

// FuzzDecode: never panics, and whenever both decoders accept an input
// they produce the same pixels.
func FuzzDecode(f *testing.F) {
	f.Add(encode(f, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 2, func(y int) byte { return byte(3 + y) }))
	f.Add(encode(f, []byte{9, 8, 7, 6, 5, 4}, 3, 2, 0, func(y int) byte { return byte(1 + y) }))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d fastpng.Decoder
		img, err := d.Decode(b, nil)
		if err != nil {
			return
		}
		std, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return // image/png is stricter about trailing data; ours is only faster
		}
		if r := std.Bounds(); r.Dx() != img.Width || r.Dy() != img.Height {
			t.Fatalf("size %dx%d, image/png %v", img.Width, img.Height, r)
		}
		if want := stdPixels(t, b, img.Channels); !bytes.Equal(img.Pix, want) {
			t.Fatal("pixels differ from image/png")
		}
	})
}

// BenchmarkDecode compares with image/png on a 256x512 rendered scene
// (the fixture models' input size).
func BenchmarkDecode(b *testing.B) {
	f := synth.Render(synth.Params{Seed: 1, Split: "val", Count: 1, Width: 512, Height: 256})
	var enc bytes.Buffer
	if err := png.Encode(&enc, f.RGBImage()); err != nil {
		b.Fatal(err)
	}
	data := enc.Bytes()
	b.Run("decoder=fastpng", func(b *testing.B) {
		var d fastpng.Decoder
		var pix []byte
		b.SetBytes(256 * 512 * 3)
		for b.Loop() {
			img, err := d.Decode(data, pix)
			if err != nil {
				b.Fatal(err)
			}
			pix = img.Pix
		}
	})
	b.Run("decoder=image-png", func(b *testing.B) {
		b.SetBytes(256 * 512 * 3)
		for b.Loop() {
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHeaderBeyondData: a header asking for far more pixels than the data
// could inflate to is refused before the buffers are allocated, and empty
// image data is refused, not indexed.
func TestHeaderBeyondData(t *testing.T) {
	pix := make([]byte, 4*4)
	small := encode(t, pix, 4, 4, 0, func(int) byte { return 0 })
	huge := append([]byte(nil), small...)
	binary.BigEndian.PutUint32(huge[16:], 8000)
	binary.BigEndian.PutUint32(huge[20:], 8000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	var d fastpng.Decoder
	if _, err := d.Decode(huge, nil); err == nil || !strings.Contains(err.Error(), "cannot hold") {
		t.Fatalf("8000x8000 header on 16 pixels of data: %v", err)
	}
	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:], 1)
	binary.BigEndian.PutUint32(hdr[4:], 1)
	hdr[8] = 8
	empty := chunk(append([]byte(nil), signature...), "IHDR", hdr[:])
	empty = chunk(chunk(empty, "IDAT", nil), "IEND", nil)
	if _, err := d.Decode(empty, nil); err == nil {
		t.Fatal("empty IDAT decoded")
	}
}
