package binning

import (
	"math"
	"math/rand/v2"
	"testing"
)

// reference bins every value at width 2^exp directly, in float64.
func reference(data []float32, exp int) (counts [Bins]uint64) {
	w := math.Ldexp(1, exp)
	for _, v := range data {
		counts[int(math.Floor(math.Abs(float64(v))/w))]++
	}
	return counts
}

func counts(c *Counter) []uint64 {
	dst := make([]uint64, Bins)
	c.AddTo(dst)
	return dst
}

func randomData(r *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	v := 0.0
	for i := range d {
		switch r.IntN(50) {
		case 0:
			d[i] = 0
		case 1:
			d[i] = float32(r.NormFloat64() * 1000) // an outlier that widens the bins
		default:
			v = 0.9*v + r.NormFloat64()
			d[i] = float32(v)
		}
	}
	return d
}

func TestCountsEqualDirectBinning(t *testing.T) {
	for _, base := range []bool{false, true} {
		setBase(base)
		r := rand.New(rand.NewPCG(3, 4))
		for trial := 0; trial < 20; trial++ {
			data := randomData(r, 1+r.IntN(5000))
			c := NewCounter()
			// Fed in pieces of random size, as work items would be.
			for rest := data; len(rest) > 0; {
				k := 1 + r.IntN(len(rest))
				if bad := c.Add(rest[:k]); bad >= 0 {
					t.Fatalf("finite data reported bad at %d", bad)
				}
				rest = rest[k:]
			}
			var amax float32
			lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
			for _, v := range data {
				amax = max(amax, float32(math.Abs(float64(v))))
				lo, hi = min(lo, v), max(hi, v)
			}
			if c.Exp != ExpFor(amax) {
				t.Fatalf("base=%v: exp %d, want %d for max |x| %v", base, c.Exp, ExpFor(amax), amax)
			}
			want := reference(data, c.Exp)
			got := counts(c)
			for k := range want {
				if got[k] != want[k] {
					t.Fatalf("base=%v trial %d: bin %d has %d, want %d", base, trial, k, got[k], want[k])
				}
			}
			gl, gh, ok := c.MinMax()
			if !ok || gl != lo || gh != hi || c.N() != uint64(len(data)) {
				t.Fatalf("min/max %v %v (%v), want %v %v; n %d", gl, gh, ok, lo, hi, c.N())
			}
		}
	}
	setBase(false)
}

// Two counters filled with different halves and merged at the wider width
// equal one counter fed everything: the order of arrival does not matter.
func TestMergeIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	data := randomData(r, 10000)
	a, b, all := NewCounter(), NewCounter(), NewCounter()
	a.Add(data[5000:])
	b.Add(data[:5000])
	all.Add(data)
	e := max(a.Exp, b.Exp)
	a.Widen(e)
	b.Widen(e)
	ca, cb, call := counts(a), counts(b), counts(all)
	for k := range call {
		if ca[k]+cb[k] != call[k] {
			t.Fatalf("bin %d: %d + %d != %d", k, ca[k], cb[k], call[k])
		}
	}
}

func TestNonFinite(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		data := make([]float32, 1000)
		for i := range data {
			data[i] = float32(i) / 100
		}
		data[700] = bad
		c := NewCounter()
		if got := c.Add(data); got != 700 {
			t.Fatalf("%v: Add returned %d, want 700", bad, got)
		}
		if c.N() != 700 {
			t.Fatalf("%v: counted %d values before it, want 700", bad, c.N())
		}
	}
}

func TestExtremes(t *testing.T) {
	c := NewCounter()
	tiny := math.Float32frombits(1) // smallest subnormal
	data := []float32{0, float32(math.Copysign(0, -1)), tiny, -tiny, math.MaxFloat32, -math.MaxFloat32}
	if bad := c.Add(data); bad >= 0 {
		t.Fatalf("bad at %d", bad)
	}
	if c.Exp != MaxExp {
		t.Fatalf("exp %d, want %d", c.Exp, MaxExp)
	}
	if got := counts(c); got[0] != 4 || got[int(math.Ldexp(math.MaxFloat32, -MaxExp))] != 2 {
		t.Fatalf("counts: bin0 %d", got[0])
	}
	z := NewCounter()
	z.Add(make([]float32, 10))
	if z.Exp != MinExp || counts(z)[0] != 10 {
		t.Fatalf("zeros: exp %d bin0 %d", z.Exp, counts(z)[0])
	}
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, relu := range []bool{false, true} {
		data := make([]float32, 1<<16)
		v := 0.0
		for i := range data {
			v = 0.95*v + 0.3*r.NormFloat64()
			if data[i] = float32(v); relu && v < 0 {
				data[i] = 0
			}
		}
		name := map[bool]string{false: "signed", true: "relu"}[relu]
		for _, base := range []bool{false, true} {
			b.Run(name+map[bool]string{false: "/avx2", true: "/base"}[base], func(b *testing.B) {
				setBase(base)
				defer setBase(false)
				c := NewCounter()
				b.SetBytes(int64(4 * len(data)))
				for b.Loop() {
					c.Add(data)
				}
			})
		}
	}
}
