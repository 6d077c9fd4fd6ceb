package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanPairsAndSorts(t *testing.T) {
	root := t.TempDir()
	addSample(t, root, "val", "munster", "munster_000001_000019", 4, 2, 7)
	addSample(t, root, "val", "frankfurt", "frankfurt_000000_000294", 4, 2, 7)
	addSample(t, root, "val", "frankfurt", "frankfurt_000000_000019", 4, 2, 7)
	// only a labelTrainIds label: the fallback
	writeFile(t, root, "leftImg8bit/val/lindau/lindau_000000_000019_leftImg8bit.png", rgbPNG(t, 4, 2))
	writeFile(t, root, "gtFine/val/lindau/lindau_000000_000019_gtFine_labelTrainIds.png", grayPNG(t, 4, 2, 0))
	// files the loader ignores
	writeFile(t, root, "gtFine/val/frankfurt/frankfurt_000000_000019_gtFine_color.png", rgbPNG(t, 4, 2))
	writeFile(t, root, "gtFine/val/frankfurt/frankfurt_000000_000019_gtFine_polygons.json", []byte("{}"))
	writeFile(t, root, "leftImg8bit/val/README", []byte("hi"))

	set, err := Open(root, "val")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range set.Entries {
		got = append(got, e.Name+" "+e.LabelKind.String())
	}
	want := []string{
		"frankfurt_000000_000019 labelIds",
		"frankfurt_000000_000294 labelIds",
		"lindau_000000_000019 labelTrainIds",
		"munster_000001_000019 labelIds",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	e := set.Entries[2]
	if e.City != "lindau" || e.ImagePath != "leftImg8bit/val/lindau/lindau_000000_000019_leftImg8bit.png" ||
		e.LabelPath != "gtFine/val/lindau/lindau_000000_000019_gtFine_labelTrainIds.png" {
		t.Errorf("entry %+v", e)
	}
}

func TestLayoutProblems(t *testing.T) {
	root := t.TempDir()
	addSample(t, root, "train", "aachen", "aachen_000000_000019", 4, 2, 7)
	writeFile(t, root, "leftImg8bit/train/aachen/aachen_000001_000019_leftImg8bit.png", rgbPNG(t, 4, 2))    // no label
	writeFile(t, root, "gtFine/train/bochum/bochum_000000_000019_gtFine_labelIds.png", grayPNG(t, 4, 2, 7)) // no image
	if err := os.MkdirAll(filepath.Join(root, "leftImg8bit/train/bremen"), 0o755); err != nil {             // empty city
		t.Fatal(err)
	}
	l, err := ScanLayout(root, "train")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 1 {
		t.Errorf("%d entries; want the one complete pair", len(l.Entries))
	}
	want := []struct {
		path string
		err  error
	}{
		{"leftImg8bit/train/aachen/aachen_000001_000019_leftImg8bit.png", ErrNoLabel},
		{"leftImg8bit/train/bremen", ErrEmptyCity},
		{"gtFine/train/bochum/bochum_000000_000019_gtFine_labelIds.png", ErrNoImage},
	}
	if len(l.Problems) != len(want) {
		t.Fatalf("problems %v; want %d", l.Problems, len(want))
	}
	for _, w := range want {
		found := false
		for _, p := range l.Problems {
			var fe *FileError
			if errors.As(p, &fe) && fe.Path == filepath.Join(root, w.path) && errors.Is(p, w.err) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %v problem for %s in %v", w.err, w.path, l.Problems)
		}
	}
	// Open refuses the split, naming the first file and counting the rest.
	_, err = Open(root, "train")
	if err == nil || !strings.Contains(err.Error(), "and 2 more problems") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open: %v", err)
	}
}

func TestMissingSplit(t *testing.T) {
	root := t.TempDir()
	addSample(t, root, "train", "aachen", "aachen_000000_000019", 4, 2, 7)
	_, err := Open(root, "val")
	var fe *FileError
	if !errors.Is(err, ErrMissingSplit) || !errors.As(err, &fe) || fe.Path != filepath.Join(root, "leftImg8bit", "val") {
		t.Fatalf("Open(val) = %v; want ErrMissingSplit naming leftImg8bit/val", err)
	}
	if err := os.RemoveAll(filepath.Join(root, "gtFine")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root, "train"); !errors.Is(err, ErrMissingSplit) || !strings.Contains(err.Error(), "gtFine") {
		t.Fatalf("Open without gtFine = %v", err)
	}
	if _, err := Open(root, "../x"); err == nil {
		t.Fatal("a split name with a slash should be refused")
	}
	if _, err := Splits(t.TempDir()); !errors.Is(err, ErrMissingSplit) {
		t.Fatalf("Splits of an empty folder = %v", err)
	}
}

func TestSplitsOrder(t *testing.T) {
	root := t.TempDir()
	for _, s := range []string{"val", "extra", "test", "train"} {
		os.MkdirAll(filepath.Join(root, "leftImg8bit", s), 0o755)
	}
	got, err := Splits(root)
	if err != nil || strings.Join(got, ",") != "train,val,test,extra" {
		t.Fatalf("Splits = %v, %v", got, err)
	}
}
