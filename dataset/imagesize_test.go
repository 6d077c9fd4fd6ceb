package dataset

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageSizeIsOneSizeOrNamesTwoFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, w, h int) Entry {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, image.NewRGBA(image.Rect(0, 0, w, h)))
		f.Close()
		return Entry{Name: name, ImagePath: name}
	}
	s := &Set{Root: dir, Split: "val", Entries: []Entry{write("a.png", 64, 32), write("b.png", 64, 32)}}
	if h, w, err := s.ImageSize(); err != nil || h != 32 || w != 64 {
		t.Fatalf("%d %d %v", h, w, err)
	}
	s.Entries = append(s.Entries, write("c.png", 80, 32))
	_, _, err := s.ImageSize()
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a.png")+" is 32x64 (HxW), "+filepath.Join(dir, "c.png")+" is 32x80") {
		t.Fatalf("got %v", err)
	}
	os.WriteFile(filepath.Join(dir, "d.png"), []byte("short"), 0o644)
	s.Entries = []Entry{{Name: "d", ImagePath: "d.png"}}
	if _, _, err := s.ImageSize(); err == nil || !strings.Contains(err.Error(), "d.png") {
		t.Fatalf("short file: %v", err)
	}
}
