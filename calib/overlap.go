package calib

import (
	"bytes"
	"fmt"
	"os"

	"github.com/segtrt/segtrt/dataset"
)

// ValidationSplit is the split validate scores on by default.
const ValidationSplit = "val"

// overlapWarning says whether images of calib also appear in the split
// validate gates on: calibrating on the images a release is judged by
// flatters the INT8 model. Files are compared by content, so a copy under
// another name counts; only files of equal size are read.
func overlapWarning(calib *dataset.Set, val string) string {
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
	for _, e := range calib.Entries {
		p := calib.Path(e.ImagePath)
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
	if len(shared) == 0 {
		return ""
	}
	return fmt.Sprintf("%d calibration images also appear in split %q, which validate scores on by default: its mIoU will flatter the INT8 model (%s)",
		len(shared), val, list(shared))
}
