package dataset

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Tiny data sets built file by file, so each test states exactly what is
// on disk.

func writeFile(t testing.TB, root, rel string, b []byte) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rgbPNG is a w x h RGB image whose pixel (x, y) is (x, y, x+y).
func rgbPNG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return encodePNG(t, img)
}

// grayPNG is an 8-bit grayscale PNG with the given values, row-major.
func grayPNG(t testing.TB, w, h int, vals ...uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = vals[i%len(vals)]
	}
	return encodePNG(t, img)
}

// addSample writes an image and a labelIds PNG for stem in split/city.
func addSample(t testing.TB, root, split, city, stem string, w, h int, ids ...uint8) {
	writeFile(t, root, "leftImg8bit/"+split+"/"+city+"/"+stem+"_leftImg8bit.png", rgbPNG(t, w, h))
	writeFile(t, root, "gtFine/"+split+"/"+city+"/"+stem+"_gtFine_labelIds.png", grayPNG(t, w, h, ids...))
}

// decodeLabelPNG is decodeLabel with buffers of its own.
func decodeLabelPNG(b []byte, kind LabelKind, dst []uint8) (LabelMap, error) {
	var d pngDecoder
	return d.decodeLabel(b, kind, dst)
}
