package argmax

import (
	"math"
	"math/rand/v2"
	"testing"
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
