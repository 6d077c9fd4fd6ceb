package argmax

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segtrt/segtrt/internal/bilinear"
)

// naive is the pixel-at-a-time definition: the first class with the
// largest score by a strict >, so a NaN never takes the lead from
// another class (nor loses it, at class 0).
func naive(data []float32, c, n int) []uint8 {
	out := make([]uint8, n)
	for p := range n {
		best := 0
		for k := 1; k < c; k++ {
			if data[k*n+p] > data[best*n+p] {
				best = k
			}
		}
		out[p] = uint8(best)
	}
	return out
}

func TestPlanesMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, base := range []bool{false, true} {
		useBase(base)
		for _, cn := range [][2]int{{1, 5}, {2, 1}, {19, 2047}, {19, 2049}, {19, 5000}, {256, 300}, {7, 0}} {
			c, n := cn[0], cn[1]
			data := make([]float32, c*n)
			for i := range data {
				// Few levels, so ties are frequent; some NaN and infinities.
				switch r := rng.IntN(50); {
				case r == 0:
					data[i] = float32(math.NaN())
				case r == 1:
					data[i] = float32(math.Inf(1 - 2*rng.IntN(2)))
				default:
					data[i] = float32(rng.IntN(5)) - 2
				}
			}
			got := make([]uint8, n)
			Planes(data, c, n, got)
			want := naive(data, c, n)
			for p := range want {
				if got[p] != want[p] {
					t.Fatalf("base=%v c=%d n=%d pixel %d: %d, want %d", base, c, n, p, got[p], want[p])
				}
			}
		}
	}
	useBase(false)
}

// TestTapsMatchTorchValues interpolates with the taps in PyTorch's order
// and compares with values PyTorch 1.13 printed for
// F.interpolate(x, (7, 9), mode="bilinear", align_corners=False) on a
// 3x4 plane x[y][x] = sin(2*1.3 + 0.7y + 0.37x) + 0.2 (rows 0-1, cols 0-2).
func TestTapsMatchTorchValues(t *testing.T) {
	want := []float64{0.715501, 0.658043, 0.504821, 0.619323, 0.561825, 0.408498}
	var plane [12]float32
	for y := range 3 {
		for x := range 4 {
			plane[y*4+x] = float32(math.Sin(2*1.3+float64(y)*0.7+float64(x)*0.37) + 0.2)
		}
	}
	yi0, yi1, yf := taps(3, 7)
	xi0, xi1, xf := taps(4, 9)
	k := 0
	for oy := range 2 {
		for ox := range 3 {
			r0, r1 := plane[yi0[oy]*4:], plane[yi1[oy]*4:]
			v := (1-yf[oy])*((1-xf[ox])*r0[xi0[ox]]+xf[ox]*r0[xi1[ox]]) + yf[oy]*((1-xf[ox])*r1[xi0[ox]]+xf[ox]*r1[xi1[ox]])
			if math.Abs(float64(v)-want[k]) > 2e-6 {
				t.Errorf("(%d,%d): %v, torch %v", oy, ox, v, want[k])
			}
			k++
		}
	}
}

func taps(in, out int) (i0, i1 []int32, w1 []float32) {
	t := bilinear.New(in, out)
	return t.I0, t.I1, t.W1
}

// resizedReference is the per-pixel definition: interpolate every class
// at the output pixel in PyTorch's order, then take the first largest.
func resizedReference(data []float32, c, h, w, oh, ow int) []uint8 {
	yi0, yi1, yf := taps(h, oh)
	xi0, xi1, xf := taps(w, ow)
	out := make([]uint8, oh*ow)
	for oy := range oh {
		for ox := range ow {
			best, bestV := 0, float32(0)
			for k := range c {
				r0, r1 := data[(k*h+int(yi0[oy]))*w:], data[(k*h+int(yi1[oy]))*w:]
				a := (1-xf[ox])*r0[xi0[ox]] + xf[ox]*r0[xi1[ox]]
				b := (1-xf[ox])*r1[xi0[ox]] + xf[ox]*r1[xi1[ox]]
				v := (1-yf[oy])*a + yf[oy]*b
				if k == 0 || v > bestV {
					best, bestV = k, v
				}
			}
			out[oy*ow+ox] = uint8(best)
		}
	}
	return out
}

// TestResizedMatchesDefinition: the separable, row-cached C kernel gives
// the per-pixel definition's classes exactly, on both code paths, for up-
// and downsampling, ratios that are not integers and one-pixel edges.
func TestResizedMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, base := range []bool{false, true} {
		useBase(base)
		for _, sz := range [][5]int{
			{19, 16, 32, 128, 256}, {19, 3, 4, 7, 9}, {5, 1, 1, 4, 6}, {3, 5, 7, 5, 3},
			{19, 13, 17, 100, 37}, {2, 40, 30, 9, 11}, {1, 4, 4, 8, 8}, {19, 8, 8, 1, 1},
		} {
			c, h, w, oh, ow := sz[0], sz[1], sz[2], sz[3], sz[4]
			data := make([]float32, c*h*w)
			for i := range data {
				data[i] = rng.Float32()*4 - 2
			}
			got := make([]uint8, oh*ow)
			Resized(data, c, h, w, oh, ow, got)
			want := resizedReference(data, c, h, w, oh, ow)
			for p := range want {
				if got[p] != want[p] {
					t.Fatalf("base=%v %v: pixel %d class %d, want %d", base, sz, p, got[p], want[p])
				}
			}
		}
	}
	useBase(false)
}

func BenchmarkResized(b *testing.B) {
	for _, sz := range [][5]int{{19, 32, 64, 256, 512}, {19, 128, 256, 1024, 2048}} {
		b.Run(fmt.Sprintf("logits=%dx%d/label=%dx%d", sz[1], sz[2], sz[3], sz[4]), func(b *testing.B) {
			c, h, w, oh, ow := sz[0], sz[1], sz[2], sz[3], sz[4]
			data := make([]float32, c*h*w)
			for i := range data {
				data[i] = float32(math.Sin(float64(i) * 0.37))
			}
			dst := make([]uint8, oh*ow)
			b.SetBytes(int64(oh * ow))
			for b.Loop() {
				Resized(data, c, h, w, oh, ow, dst)
			}
		})
	}
}

func TestNonFinite(t *testing.T) {
	data := make([]float32, 1000)
	for i := range data {
		data[i] = float32(i) - 500
	}
	data[3], data[500], data[999] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
	data[10] = math.MaxFloat32 // the largest finite value is finite
	data[11] = math.SmallestNonzeroFloat32
	if got := NonFinite(data); got != 3 {
		t.Fatalf("got %d", got)
	}
	if NonFinite(nil) != 0 {
		t.Fatal("nil")
	}
}
