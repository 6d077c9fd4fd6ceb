package shapes

import (
	"fmt"
	"io"

	"github.com/segtrt/segtrt/internal/opterr"
)

// DynamicInput is the error for a model whose image input has a dynamic
// height or width when no input shape was given. Commands that read a data
// set answer it with the images' own size (AtSize).
type DynamicInput struct{ Model, Input string }

func (e *DynamicInput) Error() string { return e.Model + ": " + e.Unwrap().Error() }

func (e *DynamicInput) Unwrap() error {
	return opterr.Hintf("input %q has a dynamic height or width; give {InputShapes} %s:1x3xHxW", e.Input, e.Input)
}

// AtSize is the input shape for images of h x w from split, said once on
// note.
func (e *DynamicInput) AtSize(h, w int, split string, note io.Writer) map[string][]int64 {
	fmt.Fprintf(note, "note: %s has a dynamic input; using %s:1x3x%dx%d, the size of the %s images\n", e.Model, e.Input, h, w, split)
	return map[string][]int64{e.Input: {1, 3, int64(h), int64(w)}}
}
