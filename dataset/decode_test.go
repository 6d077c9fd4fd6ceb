package dataset

import (
	"context"
	"errors"
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeLabelMapsIDs(t *testing.T) {
	b := grayPNG(t, 4, 1, 7, 26, 1, 33) // road, car, ego vehicle, bicycle
	m, err := decodeLabelPNG(b, LabelIDs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Width != 4 || m.Height != 1 || string(m.Pix) != string([]uint8{0, 13, 255, 18}) {
		t.Fatalf("got %+v", m)
	}
	tb := grayPNG(t, 3, 1, 0, 18, 255)
	m, err = decodeLabelPNG(tb, LabelTrainIDs, m.Pix)
	if err != nil || string(m.Pix) != string([]uint8{0, 18, 255}) {
		t.Fatalf("trainIds: %+v %v", m, err)
	}
}

func TestBadLabels(t *testing.T) {
	gray16 := image.NewGray16(image.Rect(0, 0, 2, 2))
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 2))
	rgba.Set(0, 0, color.RGBA{128, 64, 128, 255}) // not opaque everywhere: RGBA PNG
	opaque := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range opaque.Pix {
		opaque.Pix[i] = 255
	}
	good := grayPNG(t, 2, 2, 7)
	cases := []struct {
		name string
		png  []byte
		kind LabelKind
		err  error
		msg  string
	}{
		{"16-bit", encodePNG(t, gray16), LabelIDs, ErrLabelFormat, "16-bit grayscale"},
		{"rgba", encodePNG(t, rgba), LabelIDs, ErrLabelFormat, "8-bit RGBA"},
		{"rgb", encodePNG(t, opaque), LabelIDs, ErrLabelFormat, "8-bit RGB"},
		{"truncated", good[:len(good)-20], LabelIDs, ErrCorruptPNG, "not a readable PNG"},
		{"not png", []byte("hello, this is not a PNG file at all, really not"), LabelIDs, ErrCorruptPNG, "no PNG signature"},
		{"empty", nil, LabelIDs, ErrCorruptPNG, ""},
		{"unknown id", grayPNG(t, 3, 2, 7, 7, 7, 7, 40, 41), LabelIDs, ErrUnknownID, "40, 41 in 2 pixels, first at x=1 y=1"},
		{"unknown trainId", grayPNG(t, 2, 1, 18, 19), LabelTrainIDs, ErrUnknownID, "19 in 1 pixels, first at x=1 y=0"},
	}
	for _, c := range cases {
		_, err := decodeLabelPNG(c.png, c.kind, nil)
		if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v; want %v with %q", c.name, err, c.err, c.msg)
		}
	}
}

func TestDecodeFileErrorsNameTheFile(t *testing.T) {
	root := t.TempDir()
	p := writeFile(t, root, "x_gtFine_labelIds.png", []byte("garbage"))
	_, err := DecodeLabelFile(p, LabelIDs)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != p || !strings.HasPrefix(err.Error(), p+": ") {
		t.Fatalf("err %v; want a *FileError naming %s", err, p)
	}
	if _, err := DecodeImageFile(filepath.Join(root, "missing.png")); !errors.As(err, &fe) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSizeMismatchAndCorruptImageInStream(t *testing.T) {
	root := t.TempDir()
	addSample(t, root, "val", "a", "a_000000_000019", 4, 2, 7)
	writeFile(t, root, "leftImg8bit/val/a/a_000001_000019_leftImg8bit.png", rgbPNG(t, 4, 2))
	writeFile(t, root, "gtFine/val/a/a_000001_000019_gtFine_labelIds.png", grayPNG(t, 2, 2, 7))
	set, err := Open(root, "val")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for s, err := range set.Samples(context.Background(), StreamOptions{}) {
		if err != nil {
			if !errors.Is(err, ErrSizeMismatch) || !strings.Contains(err.Error(), "a_000001_000019_gtFine_labelIds.png") ||
				!strings.Contains(err.Error(), "label 2x2, image 4x2") {
				t.Fatalf("err %v", err)
			}
			break
		}
		n++
		if s.Name != "a_000000_000019" {
			t.Fatalf("sample %s", s.Name)
		}
	}
	if n != 1 {
		t.Fatalf("%d good samples before the error; want 1", n)
	}

	img := rgbPNG(t, 4, 2)
	writeFile(t, root, "leftImg8bit/val/a/a_000001_000019_leftImg8bit.png", img[:len(img)/2])
	for _, err := range set.Samples(context.Background(), StreamOptions{}) {
		if err != nil {
			if !errors.Is(err, ErrCorruptPNG) || !strings.Contains(err.Error(), "a_000001_000019_leftImg8bit.png") {
				t.Fatalf("err %v", err)
			}
			return
		}
	}
	t.Fatal("no error for a truncated image")
}
