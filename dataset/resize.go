package dataset

// Bilinear resizing with half-pixel centres and no antialiasing, as
// PyTorch's F.interpolate(mode="bilinear", align_corners=False) does it.
// Preprocess uses it for images; validation can use ResizeBilinear for
// logits smaller than the label, so both follow the same arithmetic.

// tap is one output coordinate's two source indices and the weight of the
// second.
type tap struct {
	i0, i1 int
	w1     float32
}

// linearTaps computes the source taps for resizing in -> out samples the
// way PyTorch does for align_corners=False (upsample's
// area_pixel_compute_source_index and guard_index_and_lambda, in float32).
func linearTaps(in, out int) []tap {
	taps := make([]tap, out)
	scale := float32(in) / float32(out)
	for d := range taps {
		if in == out {
			taps[d] = tap{i0: d, i1: d}
			continue
		}
		src := scale*(float32(d)+0.5) - 0.5
		if src < 0 {
			src = 0
		}
		i0 := int(src) // src >= 0, so truncation is floor
		if i0 > in-1 {
			i0 = in - 1
		}
		w1 := src - float32(i0)
		if w1 > 1 {
			w1 = 1
		}
		i1 := i0
		if i0 < in-1 {
			i1 = i0 + 1
		}
		taps[d] = tap{i0: i0, i1: i1, w1: w1}
	}
	return taps
}

// ResizeBilinear resizes c float32 planes of inH x inW (NCHW without N)
// to outH x outW into dst, grown if too small, and returns dst[:c*outH*outW].
func ResizeBilinear(dst, src []float32, c, inH, inW, outH, outW int) []float32 {
	n := c * outH * outW
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	if len(src) < c*inH*inW || inH <= 0 || inW <= 0 {
		panic("dataset.ResizeBilinear: source smaller than c*inH*inW")
	}
	xs := linearTaps(inW, outW)
	ys := linearTaps(inH, outH)
	for ch := 0; ch < c; ch++ {
		plane := src[ch*inH*inW : (ch+1)*inH*inW]
		for y := 0; y < outH; y++ {
			ty := ys[y]
			r0 := plane[ty.i0*inW : (ty.i0+1)*inW]
			r1 := plane[ty.i1*inW : (ty.i1+1)*inW]
			h0, h1 := 1-ty.w1, ty.w1
			out := dst[(ch*outH+y)*outW : (ch*outH+y+1)*outW]
			for x := range out {
				tx := xs[x]
				w0, w1 := 1-tx.w1, tx.w1
				out[x] = h0*(w0*r0[tx.i0]+w1*r0[tx.i1]) + h1*(w0*r1[tx.i0]+w1*r1[tx.i1])
			}
		}
	}
	return dst
}
