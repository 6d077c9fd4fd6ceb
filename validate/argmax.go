package validate

import (
	"fmt"

	"github.com/segtrt/segtrt/validate/internal/argmax"
)

// Logits is one image's class scores, CHW float32 (batch 1).
type Logits struct {
	C, H, W int
	Data    []float32
}

// Predict writes the argmax class of every pixel of an outH x outW label
// into dst (len outH*outW). When the logits are smaller than the label they
// are resized bilinearly with half-pixel centres (PyTorch's
// align_corners=False) first, as DESIGN.md asks; the resize is fused into
// the argmax so no resized copy of the logits is made. Ties go to the lower
// class, as torch.argmax does.
func Predict(l Logits, outH, outW int, dst []uint8) error {
	if len(l.Data) != l.C*l.H*l.W {
		return fmt.Errorf("logits: %d values for %dx%dx%d", len(l.Data), l.C, l.H, l.W)
	}
	if len(dst) != outH*outW {
		return fmt.Errorf("prediction buffer has %d pixels, want %d", len(dst), outH*outW)
	}
	if l.C > 255 {
		return fmt.Errorf("%d classes do not fit 8-bit labels", l.C)
	}
	plane := l.H * l.W
	if l.H == outH && l.W == outW {
		argmax.Planes(l.Data, l.C, plane, dst)
		return nil
	}
	ys := bilinearTaps(l.H, outH)
	xs := bilinearTaps(l.W, outW)
	for oy, ty := range ys {
		r0, r1 := ty.i0*l.W, ty.i1*l.W
		for ox, tx := range xs {
			w00 := (1 - ty.f) * (1 - tx.f)
			w01 := (1 - ty.f) * tx.f
			w10 := ty.f * (1 - tx.f)
			w11 := ty.f * tx.f
			best, bestV := 0, float32(0)
			for c := 0; c < l.C; c++ {
				ch := l.Data[c*plane:]
				v := w00*ch[r0+tx.i0] + w01*ch[r0+tx.i1] + w10*ch[r1+tx.i0] + w11*ch[r1+tx.i1]
				if c == 0 || v > bestV {
					best, bestV = c, v
				}
			}
			dst[oy*outW+ox] = uint8(best)
		}
	}
	return nil
}

// tap is one output coordinate's two source indexes and the weight of the
// second.
type tap struct {
	i0, i1 int
	f      float32
}

// bilinearTaps maps out output coordinates onto in input ones with
// half-pixel centres: src = (dst + 0.5) * in/out - 0.5, clamped at 0.
func bilinearTaps(in, out int) []tap {
	taps := make([]tap, out)
	scale := float32(in) / float32(out)
	for o := range taps {
		src := (float32(o)+0.5)*scale - 0.5
		if src < 0 {
			src = 0
		}
		i0 := int(src)
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 := i0 + 1
		if i1 > in-1 {
			i1 = in - 1
		}
		taps[o] = tap{i0, i1, src - float32(i0)}
	}
	return taps
}
