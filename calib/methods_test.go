package calib

import (
	"math"
	"math/rand/v2"
	"testing"
)

func histOf(t testing.TB, data ...[]float32) *Histogram {
	t.Helper()
	h := NewHistogram()
	for _, d := range data {
		if err := h.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func TestHistogramGrowsWithoutLosingCounts(t *testing.T) {
	h := histOf(t, []float32{0, 1, -2, 0.5}, []float32{7.9, -3})
	if h.Total() != 6 || h.Seen != 6 {
		t.Fatalf("total %d seen %d", h.Total(), h.Seen)
	}
	// 7.9 is in [4, 8): width 2^(2-10) = 1/256, so 7.9 is in the top half.
	v := float64(float32(7.9))
	if h.Width != 1.0/256 || h.Exp != -8 || h.AbsMax != v || h.Min != -3 || h.Max != v {
		t.Fatalf("width %v exp %d absmax %v min %v max %v", h.Width, h.Exp, h.AbsMax, h.Min, h.Max)
	}
	// |x| = 0.5 in bin 128, 1 in 256, 2 in 512, 3 in 768, 7.9 in 2022
	// (floor(7.9*256)), whatever width the first batch was binned at.
	for bin, want := range map[int]uint64{0: 1, 128: 1, 256: 1, 512: 1, 768: 1, 2022: 1} {
		if h.Counts[bin] != want {
			t.Errorf("bin %d: %d, want %d", bin, h.Counts[bin], want)
		}
	}
	if err := h.Add([]float32{float32(math.NaN())}); err == nil {
		t.Error("NaN accepted")
	}
}

func TestZerosFirst(t *testing.T) {
	h := histOf(t, make([]float32, 10), []float32{4})
	// 4 is in [4, 8): width 1/256, bin 1024.
	if h.Counts[0] != 10 || h.Counts[1024] != 1 || h.Width != 1.0/256 {
		t.Fatalf("counts[0]=%d [1024]=%d width=%v", h.Counts[0], h.Counts[1024], h.Width)
	}
}

// The histograms NVIDIA's reference implementation was run on, with the
// amax it gives (bin width 0.01, edges[k] = 0.01*k).
func referenceHistograms() []struct {
	name                 string
	h                    *Histogram
	entropy, pct, mseBin float64 // amax / 0.01 for entropy and percentile; mse's bin centre / 0.01
} {
	mk := func(f func(k int) float64) *Histogram {
		h := &Histogram{Counts: make([]uint64, Bins), Width: 0.01}
		for k := range h.Counts {
			h.Counts[k] = uint64(f(k))
			if h.Counts[k] > 0 {
				h.AbsMax = float64(k+1) * 0.01
			}
		}
		return h
	}
	return []struct {
		name                 string
		h                    *Histogram
		entropy, pct, mseBin float64
	}{
		{"relu", mk(func(k int) float64 {
			if k == 0 {
				return 900000
			}
			return math.Floor(50000 * math.Exp(-float64(k)/150))
		}), 1600, 1321, 1354.5},
		{"tail", mk(func(k int) float64 { return math.Floor(1e6 / math.Pow(float64(k+1), 1.5)) }), 512, 2022, 2003.5},
		{"gate", mk(func(k int) float64 {
			if k >= 300 && k < 900 {
				return 1000
			}
			return 0
		}), 2048, 899, 896.5},
	}
}

// Entropy 16.00/5.12/20.48, percentile(99.99) 13.21/20.22/8.99, mse
// 13.545/20.035/8.965: the reference's results, to the bin.
func TestReferenceHistograms(t *testing.T) {
	for _, c := range referenceHistograms() {
		t.Run(c.name, func(t *testing.T) {
			bin := func(amax float64) float64 { return math.Round(amax/0.01*2) / 2 }
			if got := bin(EntropyAmax(c.h)); got != c.entropy {
				t.Errorf("entropy: bin %v, want %v", got, c.entropy)
			}
			if got := bin(PercentileAmax(c.h, 99.99)); got != c.pct {
				t.Errorf("percentile: bin %v, want %v", got, c.pct)
			}
			if got := bin(MSEAmax(c.h)); got != c.mseBin {
				t.Errorf("mse: bin centre %v, want %v", got, c.mseBin)
			}
		})
	}
}

func TestPercentileByHand(t *testing.T) {
	// 100 values 0.5, 1.5, ... 99.5 and 100: 100 is in [64, 128), width
	// 2^(6-10) = 1/16; value k+0.5 falls in bin 16k+8.
	var d []float32
	for k := 0; k < 100; k++ {
		d = append(d, float32(k)+0.5)
	}
	d = append(d, 100)
	h := histOf(t, d)
	// 99 of 101 values reach 98.02%: the 99th, 98.5, is in bin 1576, whose
	// lower edge is 98.5.
	if got := PercentileAmax(h, 98); got != 98.5 {
		t.Fatalf("p98: %v, want 98.5", got)
	}
	// p100 reaches the bin of 100, 1600, and returns its lower edge.
	if got := PercentileAmax(h, 100); got != 100 {
		t.Fatalf("p100: %v", got)
	}
	if got := MinMaxAmax(h); got != 100 {
		t.Fatalf("minmax %v", got)
	}
}

// mseBrute is the description of mse, evaluated directly in float64.
func mseBrute(h *Histogram) float64 {
	best, bestErr := 0.0, math.Inf(1)
	for k := quantLevels; k < len(h.Counts); k++ {
		a := (float64(k) + 0.5) * h.Width
		var e float64
		for j, n := range h.Counts {
			x := (float64(j) + 0.5) * h.Width
			q := math.Max(-128, math.Min(127, math.RoundToEven(x*127/a))) * a / 127
			e += float64(n) * (x - q) * (x - q)
		}
		if e < bestErr {
			best, bestErr = a, e
		}
	}
	return best
}

func TestMSEAgreesWithDirectEvaluation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func() float64{
		"normal":  func() float64 { return r.NormFloat64() * 0.5 },
		"outlier": func() float64 { return r.NormFloat64() * 0.5 },
		"relu":    func() float64 { return math.Max(0, r.NormFloat64()) },
		"heavy":   func() float64 { return r.NormFloat64() * r.NormFloat64() * 3 },
	}
	for name, g := range gens {
		d := make([]float32, 300_000)
		for i := range d {
			d[i] = float32(g())
		}
		if name == "outlier" {
			d = append(d, 100)
		}
		h := histOf(t, d)
		if got, want := MSEAmax(h), mseBrute(h); got != want {
			t.Errorf("%s: mse %v, direct %v", name, got, want)
		}
	}
}

// Counts large enough that the level sums leave 64 bits take the 128-bit
// path, which must agree with the scaled-down histogram's answer.
func TestMSEHugeCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := make([]float32, 100_000)
	for i := range d {
		d[i] = float32(math.Abs(r.NormFloat64()))
	}
	h := histOf(t, d)
	big := &Histogram{Counts: make([]uint64, Bins), Width: h.Width}
	for k, c := range h.Counts {
		big.Counts[k] = c << 30 // about 2^47 values in all
	}
	if got, want := MSEAmax(big), MSEAmax(h); got != want {
		t.Fatalf("mse with counts * 2^30: %v, want %v", got, want)
	}
}

func TestDegenerateHistograms(t *testing.T) {
	zero := histOf(t, make([]float32, 100))
	for _, m := range Methods {
		if a := m.Amax(zero, 99.99); a != 0 {
			t.Errorf("%s on zeros: %v, want 0 (no range)", m, a)
		}
	}
	// One value: every method returns a positive range.
	one := histOf(t, []float32{0, 0, 3})
	for _, m := range Methods {
		if a := m.Amax(one, 99.99); !(a > 0) {
			t.Errorf("%s on {0, 0, 3}: %v", m, a)
		}
	}
}

func BenchmarkMethods(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	d := make([]float32, 100_000)
	for i := range d {
		d[i] = float32(math.Max(0, r.NormFloat64()))
	}
	h := histOf(b, d)
	for _, m := range Methods {
		b.Run(string(m), func(b *testing.B) {
			for b.Loop() {
				m.Amax(h, 99.99)
			}
		})
	}
}
