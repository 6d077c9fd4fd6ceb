package bilinear_test

import (
	"encoding/json"
	"math"
	"os/exec"
	"testing"

	"github.com/segtrt/segtrt/internal/bilinear"
	"github.com/segtrt/segtrt/internal/testmodels"
)

// resize applies the taps in PyTorch's order of operations
// (h0*(w0*x00 + w1*x01) + h1*(w0*x10 + w1*x11)) to one plane.
func resize(src []float32, inH, inW, outH, outW int) []float32 {
	xs, ys := bilinear.New(inW, outW), bilinear.New(inH, outH)
	out := make([]float32, outH*outW)
	for y := range outH {
		r0, r1 := src[int(ys.I0[y])*inW:], src[int(ys.I1[y])*inW:]
		h0, h1 := 1-ys.W1[y], ys.W1[y]
		for x := range outW {
			i0, i1, w0, w1 := xs.I0[x], xs.I1[x], 1-xs.W1[x], xs.W1[x]
			out[y*outW+x] = h0*(w0*r0[i0]+w1*r0[i1]) + h1*(w0*r1[i0]+w1*r1[i1])
		}
	}
	return out
}

// The taps reproduce torch.nn.functional.interpolate(mode="bilinear",
// align_corners=False), run here by PyTorch itself, when upsampling,
// downsampling, at odd ratios and at equal sizes, edges included.
func TestMatchesTorchInterpolate(t *testing.T) {
	sizes := [][4]int{{3, 4, 7, 9}, {5, 7, 4, 3}, {16, 32, 256, 512}, {256, 512, 128, 256}, {13, 17, 13, 17}, {1, 5, 3, 2}, {6, 6, 11, 4}}
	script := `
import json, sys, torch
torch.manual_seed(0)
out = []
for ih, iw, oh, ow in json.loads(sys.argv[1]):
    x = torch.randn(1, 1, ih, iw)
    y = torch.nn.functional.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False)
    out.append({"x": x.flatten().tolist(), "y": y.flatten().tolist()})
print(json.dumps(out))
`
	arg, _ := json.Marshal(sizes)
	raw, err := exec.Command(testmodels.Python(), "-c", script, string(arg)).CombinedOutput()
	if err != nil {
		t.Fatalf("torch: %v\n%s", err, raw)
	}
	var cases []struct{ X, Y []float32 }
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	for k, sz := range sizes {
		got := resize(cases[k].X, sz[0], sz[1], sz[2], sz[3])
		for i, want := range cases[k].Y {
			if d := math.Abs(float64(got[i] - want)); d > 1e-6 {
				t.Fatalf("%dx%d -> %dx%d, output %d (row %d, col %d): %v, torch %v", sz[0], sz[1], sz[2], sz[3], i, i/sz[3], i%sz[3], got[i], want)
			}
		}
	}
}

func TestEqualSizesAreTheIdentity(t *testing.T) {
	tp := bilinear.New(5, 5)
	for o := range 5 {
		if tp.I0[o] != int32(o) || tp.W1[o] != 0 {
			t.Fatalf("o=%d: i0 %d w1 %v", o, tp.I0[o], tp.W1[o])
		}
	}
}
