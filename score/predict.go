package score

import (
	"fmt"

	"github.com/segtrt/segtrt/score/internal/argmax"
)

// Logits is one image's class scores, CHW float32 (batch 1).
type Logits struct {
	C, H, W int
	Data    []float32
}

// Predict writes the argmax class of every pixel of an outH x outW label
// into dst (len outH*outW). When the logits are smaller than the label they
// are resized bilinearly with half-pixel centres (PyTorch's
// align_corners=False) first, as a PyTorch evaluation does; the resize is
// fused into the argmax so no resized copy of the logits is made. Ties go
// to the lower class, as torch.argmax does.
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
	if l.H == outH && l.W == outW {
		argmax.Planes(l.Data, l.C, l.H*l.W, dst)
		return nil
	}
	argmax.Resized(l.Data, l.C, l.H, l.W, outH, outW, dst)
	return nil
}

// NonFinite counts the NaN and infinite values among logits: argmax would
// silently read them as some class.
func NonFinite(data []float32) int { return argmax.NonFinite(data) }
