// Package bilinear computes the taps of a bilinear resize with half-pixel
// centres and no antialiasing, in float32, as PyTorch's
// F.interpolate(mode="bilinear", align_corners=False) does: dataset
// resizes images with them and score resizes logits, so both follow the
// arithmetic a PyTorch reference evaluation uses.
package bilinear

// Taps maps output coordinates onto input ones: output o blends inputs
// I0[o] and I1[o] with weights 1-W1[o] and W1[o].
type Taps struct {
	I0, I1 []int32
	W1     []float32
}

// New returns the taps for resizing in samples to out: the source
// coordinate is (o + 0.5) * in/out - 0.5, clamped at 0 (PyTorch's
// area_pixel_compute_source_index); its floor, kept within the input,
// is I0, the next sample (the last one at the far edge) I1, and the
// fraction, kept within [0, 1], W1 (PyTorch's guard_index_and_lambda).
func New(in, out int) Taps {
	t := Taps{I0: make([]int32, out), I1: make([]int32, out), W1: make([]float32, out)}
	scale := float32(in) / float32(out)
	for o := range out {
		src := scale*(float32(o)+0.5) - 0.5
		if src < 0 {
			src = 0
		}
		i0 := min(int32(src), int32(in-1)) // src >= 0: truncation is floor
		t.I0[o], t.I1[o] = i0, min(i0+1, int32(in-1))
		t.W1[o] = min(src-float32(i0), 1)
	}
	return t
}
