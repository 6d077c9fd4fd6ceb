package calib

import (
	"bytes"
	"fmt"
	"os"

	"github.com/segtrt/segtrt/dataset"
)

// ValidationSplit is the split validate scores on by default.
const ValidationSplit = "val"

// overlapWarning says whether images of sets (the calibration images and
// auto's held-out ones, all of one split) also appear in the split validate
// gates on: calibrating on the images a release is judged by flatters the
// INT8 model. Files are compared by content, so a copy under another name
// counts; only files of equal size are read.
func overlapWarning(val string, sets ...*dataset.Set) string {
	calib := sets[0]
	if calib.Split == val {
		return fmt.Sprintf("the calibration images come from split %q, which validate scores on by default: its mIoU will flatter the INT8 model", val)
	}
	vset, err := dataset.Open(calib.Root, val)
	if err != nil {
		return "" // no such split: nothing to overlap with
	}
	bySize := map[int64][]string{}
	for _, e := range vset.Entries {
		if fi, err := os.Stat(vset.Path(e.ImagePath)); err == nil {
			bySize[fi.Size()] = append(bySize[fi.Size()], vset.Path(e.ImagePath))
		}
	}
	var shared []string
	for _, set := range sets {
		shared = append(shared, copiesIn(set, bySize)...)
	}
	if len(shared) == 0 {
		return ""
	}
	return fmt.Sprintf("%d calibration images also appear in split %q, which validate scores on by default: its mIoU will flatter the INT8 model (%s)",
		len(shared), val, list(shared))
}

// copiesIn lists the images of set whose bytes equal a file of bySize.
func copiesIn(set *dataset.Set, bySize map[int64][]string) []string {
	var shared []string
	for _, e := range set.Entries {
		p := set.Path(e.ImagePath)
		fi, err := os.Stat(p)
		if err != nil || len(bySize[fi.Size()]) == 0 {
			continue
		}
		a, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, q := range bySize[fi.Size()] {
			if b, err := os.ReadFile(q); err == nil && bytes.Equal(a, b) {
				shared = append(shared, fmt.Sprintf("%s = %s", e.ImagePath, q))
				break
			}
		}
	}
	return shared
}
