package calib

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFastLogAbsoluteError(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	check := func(x float64) {
		got, want := fastLog(x), math.Log(x)
		m := max(1, math.Abs(want))
		ulp := math.Nextafter(m, math.Inf(1)) - m
		if d := math.Abs(got - want); d > 2*ulp {
			t.Fatalf("fastLog(%v) = %v, math.Log %v (%.1f ulp)", x, got, want, d/ulp)
		}
	}
	for i := 0; i < 1_000_000; i++ {
		check(math.Exp(r.Float64()*80 - 40)) // 4e-18 .. 2e17
		check(1 + r.NormFloat64()*1e-3)
		check(float64(1 + r.Uint64N(1<<40))) // counts
	}
	for _, x := range []float64{1, 2, 0.5, 1e-300, 1e300, math.MaxFloat64, 1 + 1.0/256, 2 - 1e-16} {
		check(x)
	}
	// Outside the fast path it is math.Log.
	for _, x := range []float64{0, 5e-324, -1, math.Inf(1), math.NaN()} {
		if got, want := fastLog(x), math.Log(x); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("fastLog(%v) = %v, want %v", x, got, want)
		}
	}
}

func BenchmarkLog(b *testing.B) {
	x, s := 1.5, 0.0
	b.Run("fastLog", func(b *testing.B) {
		for b.Loop() {
			s += fastLog(x)
			x += 1
		}
	})
	b.Run("math.Log", func(b *testing.B) {
		for b.Loop() {
			s += math.Log(x)
			x += 1
		}
	})
	_ = s
}
