package dataset

import (
	"bytes"
	"context"
	"errors"
	"image"
	"path/filepath"
	"strings"
	"testing"
)

// brokenSet has one problem of every kind the loader knows, in one split.
func brokenSet(t *testing.T) string {
	root := t.TempDir()
	addSample(t, root, "val", "good", "good_000000_000019", 4, 2, 7, 7, 26, 26, 1, 1, 23, 23)
	writeFile(t, root, "leftImg8bit/val/nolabel/nolabel_000000_000019_leftImg8bit.png", rgbPNG(t, 4, 2))
	writeFile(t, root, "leftImg8bit/val/empty/README.txt", []byte("no images here"))
	addSample(t, root, "val", "size", "size_000000_000019", 4, 2, 7)
	writeFile(t, root, "gtFine/val/size/size_000000_000019_gtFine_labelIds.png", grayPNG(t, 3, 2, 7))
	addSample(t, root, "val", "deep", "deep_000000_000019", 2, 2, 7)
	writeFile(t, root, "gtFine/val/deep/deep_000000_000019_gtFine_labelIds.png", encodePNG(t, image.NewGray16(image.Rect(0, 0, 2, 2))))
	addSample(t, root, "val", "colour", "colour_000000_000019", 2, 2, 7)
	writeFile(t, root, "gtFine/val/colour/colour_000000_000019_gtFine_labelIds.png", rgbPNG(t, 2, 2))
	addSample(t, root, "val", "corrupt", "corrupt_000000_000019", 2, 2, 7)
	writeFile(t, root, "leftImg8bit/val/corrupt/corrupt_000000_000019_leftImg8bit.png", []byte("\x89PNG\r\n\x1a\nnot really"))
	addSample(t, root, "val", "unknown", "unknown_000000_000019", 2, 2, 7, 99)
	return root
}

func TestCheckListsEveryProblem(t *testing.T) {
	root := brokenSet(t)
	rep, err := CheckSplit(context.Background(), root, "val", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		rel string
		err error
	}{
		{"leftImg8bit/val/nolabel/nolabel_000000_000019_leftImg8bit.png", ErrNoLabel},
		{"leftImg8bit/val/empty", ErrEmptyCity},
		{"gtFine/val/size/size_000000_000019_gtFine_labelIds.png", ErrSizeMismatch},
		{"gtFine/val/deep/deep_000000_000019_gtFine_labelIds.png", ErrLabelFormat},
		{"gtFine/val/colour/colour_000000_000019_gtFine_labelIds.png", ErrLabelFormat},
		{"leftImg8bit/val/corrupt/corrupt_000000_000019_leftImg8bit.png", ErrCorruptPNG},
		{"gtFine/val/unknown/unknown_000000_000019_gtFine_labelIds.png", ErrUnknownID},
	}
	if len(rep.Problems) != len(want) {
		t.Errorf("%d problems; want %d:\n%v", len(rep.Problems), len(want), rep.Problems)
	}
	for _, w := range want {
		found := false
		for _, p := range rep.Problems {
			var fe *FileError
			if errors.As(p, &fe) && fe.Path == filepath.Join(root, w.rel) && errors.Is(p, w.err) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q problem for %s", w.err, w.rel)
		}
	}
	// Every label that decodes is counted: good has 2 road, 2 car, 2 sky
	// and 2 ego-vehicle pixels; the corrupt image's label 4 road and the
	// mismatched label 6 road.
	if rep.Pixels[0] != 2+4+6 || rep.Pixels[13] != 2 || rep.Pixels[10] != 2 || rep.Ignored != 2 {
		t.Errorf("histogram road %d car %d sky %d ignored %d", rep.Pixels[0], rep.Pixels[13], rep.Pixels[10], rep.Ignored)
	}

	var out bytes.Buffer
	err = RunCheck(context.Background(), CheckOptions{Root: root, Split: "val", Stdout: &out})
	if !errors.Is(err, ErrProblemsFound) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "7 in") {
		t.Errorf("RunCheck error %v", err)
	}
	text := out.String()
	if n := strings.Count(text, "problem: "); n != 7 {
		t.Errorf("%d problems listed; want 7:\n%s", n, text)
	}
	for _, s := range []string{"split val: 6 images in 6 cities, 7 problems", "traffic light", "(ignored)"} {
		if !strings.Contains(text, s) {
			t.Errorf("output lacks %q:\n%s", s, text)
		}
	}
}

func TestCheckMissingSplitIsAProblem(t *testing.T) {
	root := t.TempDir()
	addSample(t, root, "train", "a", "a_000000_000019", 2, 2, 7)
	var out bytes.Buffer
	err := RunCheck(context.Background(), CheckOptions{Root: root, Split: "val", Stdout: &out})
	if !errors.Is(err, ErrProblemsFound) || !errors.Is(err, ErrMissingSplit) {
		t.Fatalf("err %v", err)
	}
	err = RunCheck(context.Background(), CheckOptions{Root: root, Stdout: &out})
	if err != nil {
		t.Fatalf("all splits of a good set: %v", err)
	}
}

func TestCheckCommittedMiniSet(t *testing.T) {
	// testdata/cityscapes-mini is made by `segtrt dataset synth`; every
	// class must be in every split.
	var out bytes.Buffer
	root := filepath.Join("..", "testdata", "cityscapes-mini")
	if err := RunCheck(context.Background(), CheckOptions{Root: root, Stdout: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, split := range []string{"train", "val", "test"} {
		rep, err := CheckSplit(context.Background(), root, split, 0)
		if err != nil {
			t.Fatal(err)
		}
		for c, n := range rep.ImagesWith {
			if n == 0 {
				t.Errorf("%s: no image holds %s", split, Classes[c].Name)
			}
		}
	}
}
