package dataset

import (
	"image"
	"testing"
)

// FuzzDecodeLabelPNG feeds arbitrary bytes to the label decoder: it must
// never panic, and whatever it accepts must be a well-formed trainId map.
func FuzzDecodeLabelPNG(f *testing.F) {
	f.Add(grayPNG(f, 3, 2, 7, 26, 1, 33, 0, 23), uint8(0))
	f.Add(grayPNG(f, 2, 1, 0, 255), uint8(1))
	f.Add(encodePNG(f, image.NewGray16(image.Rect(0, 0, 2, 2))), uint8(0))
	f.Add(rgbPNG(f, 2, 2), uint8(0))
	f.Add([]byte("\x89PNG\r\n\x1a\n"), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, kind uint8) {
		k := LabelKind(kind % 2)
		m, err := decodeLabelPNG(b, k, nil)
		if err != nil {
			return
		}
		if m.Width <= 0 || m.Height <= 0 || len(m.Pix) != m.Width*m.Height {
			t.Fatalf("accepted a malformed map %dx%d with %d pixels", m.Width, m.Height, len(m.Pix))
		}
		for _, v := range m.Pix {
			if v >= NumClasses && v != Ignore {
				t.Fatalf("accepted trainId %d", v)
			}
		}
	})
}
