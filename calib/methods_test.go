package calib

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
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
	// First width 2/2048; 7.9 needs two doublings: width 8/2048.
	v := float64(float32(7.9))
	if h.Width != 8.0/Bins || h.AbsMax != v || h.Min != -3 || h.Max != v {
		t.Fatalf("width %v absmax %v min %v max %v", h.Width, h.AbsMax, h.Min, h.Max)
	}
	// Width 1/256 at the end: |x| = 0.5 in bin 128, 1 in 256, 3 in 768,
	// 7.9 in 2022. 2 was the first batch's maximum, kept in the top bin
	// (upper edge 2.0), which after merging is bin 511.
	for bin, want := range map[int]uint64{0: 1, 128: 1, 256: 1, 511: 1, 768: 1, 2022: 1} {
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
	if h.Counts[0] != 10 || h.Counts[Bins-1] != 1 || h.Width != 4.0/Bins {
		t.Fatalf("counts[0]=%d last=%d width=%v", h.Counts[0], h.Counts[Bins-1], h.Width)
	}
}

func TestPercentileByHand(t *testing.T) {
	// 100 values 0.5, 1.5, ... 99.5 with width 100/2048: value k+0.5
	// falls in bin floor((k+0.5)*20.48).
	var d []float32
	for k := 0; k < 100; k++ {
		d = append(d, float32(k)+0.5)
	}
	d = append(d, 100) // sets the range to exactly 100
	h := histOf(t, d)
	// 99 of 101 values reach 98.02%: the 99th value, 98.5, is in bin 2017.
	if got, want := PercentileAmax(h, 98), h.Edge(2017); got != want { // 2017 = floor(98.5 * 20.48)
		t.Fatalf("p98: %v, want %v", got, want)
	}
	if got := PercentileAmax(h, 100); got != 100 {
		t.Fatalf("p100: %v", got)
	}
	if got := MinMaxAmax(h); got != 100 {
		t.Fatalf("minmax %v", got)
	}
}

func TestMSEPrefersClippingOutliers(t *testing.T) {
	// A million values near 1 and one at 100: covering 100 costs the bulk
	// far more error than clipping the outlier. (Candidates start at bin
	// 128, here 6.27, so the answer lies between that and 100.)
	r := rand.New(rand.NewPCG(1, 2))
	d := make([]float32, 1_000_000)
	for i := range d {
		d[i] = float32(r.NormFloat64() * 0.5)
	}
	d = append(d, 100)
	h := histOf(t, d)
	amax := MSEAmax(h)
	if amax < 128*h.Width || amax > 50 {
		t.Fatalf("mse amax %v, want a value clipping the outlier", amax)
	}
	// Brute force over the same candidates must agree.
	best, bestErr := 0.0, math.Inf(1)
	for c := quantLevels; c < Bins; c += 1 {
		a := (float64(c) + 0.5) * h.Width
		var e float64
		for j, n := range h.Counts {
			x := (float64(j) + 0.5) * h.Width
			q := math.Min(127, math.RoundToEven(x/(a/127))) * (a / 127)
			e += float64(n) * (x - q) * (x - q)
		}
		if e < bestErr {
			best, bestErr = a, e
		}
	}
	if best != amax {
		t.Fatalf("mse %v, brute force %v", amax, best)
	}
}

// The entropy threshold must agree, within one bin, with an independent
// numpy implementation fed the same histograms.
func TestEntropyMatchesIndependentImplementation(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var hists []*Histogram
	gen := []func() float64{
		func() float64 { return r.NormFloat64() },
		func() float64 { return r.ExpFloat64() },                        // Laplace-like, heavy tail
		func() float64 { return math.Max(0, r.NormFloat64()) },          // post-ReLU
		func() float64 { return r.NormFloat64() * r.NormFloat64() * 3 }, // very heavy tail
		func() float64 { return float64(r.IntN(5)) },                    // sparse, few values
	}
	for _, g := range gen {
		d := make([]float32, 200_000)
		for i := range d {
			d[i] = float32(g())
		}
		hists = append(hists, histOf(t, d))
	}
	type entry struct {
		Counts []uint64 `json:"counts"`
	}
	var in []entry
	for _, h := range hists {
		in = append(in, entry{h.Counts})
	}
	path := filepath.Join(t.TempDir(), "hists.json")
	data, _ := json.Marshal(in)
	os.WriteFile(path, data, 0o644)
	out, err := exec.Command(testmodels.Python(), "testdata/entropy_reference.py", path).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy reference: %v\n%s", err, out)
	}
	var want []int
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for k, h := range hists {
		got := EntropyAmax(h)
		wantAmax := h.Edge(want[k] - 1)
		if math.Abs(got-wantAmax) > h.Width*1.0001 {
			t.Errorf("histogram %d: amax %v (bin %d), numpy %v (bin %d)", k, got, int(math.Round(got/h.Width)), wantAmax, want[k])
		}
	}
}

func BenchmarkEntropyAmax(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	d := make([]float32, 100_000)
	for i := range d {
		d[i] = float32(r.NormFloat64())
	}
	h := histOf(b, d)
	for i := 0; i < b.N; i++ {
		EntropyAmax(h)
	}
}
