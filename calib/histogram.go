package calib

import (
	"fmt"
	"math"

	"github.com/segtrt/segtrt/calib/internal/binning"
)

// Bins is the histogram resolution TensorRT's calibrators use.
const Bins = binning.Bins

// Histogram counts |x| of one tensor over calibration data in Bins equal
// bins over [0, Bins*Width). Width is the smallest power of two whose bins
// hold the largest |x| seen, so that the maximum lands in the top half and
// the histogram is the same whatever order the values came in (see
// binning). Edges are k*Width, exact in float64.
type Histogram struct {
	Counts []uint64
	Width  float64 // 2^Exp
	Exp    int
	// Min and Max are the signed extremes seen; AbsMax is max |x|.
	Min, Max, AbsMax float64
	Seen             uint64 // values added, zeros included
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{Counts: make([]uint64, Bins), Exp: binning.MinExp, Width: math.Ldexp(1, binning.MinExp),
		Min: math.Inf(1), Max: math.Inf(-1)}
}

// Add counts data. Non-finite values are an error: they would make any
// range meaningless and signal a broken model.
func (h *Histogram) Add(data []float32) error {
	c := binning.NewCounter()
	if bad := c.Add(data); bad >= 0 {
		return fmt.Errorf("non-finite value %v at index %d", data[bad], bad)
	}
	h.Merge(c)
	return nil
}

// Merge adds a counter's values, widening whichever of the two is
// narrower: exact, since both widths are powers of two.
func (h *Histogram) Merge(c *binning.Counter) {
	if c.N() == 0 {
		return
	}
	if c.Exp > h.Exp {
		binning.Coarsen(h.Counts, c.Exp-h.Exp)
		h.Exp = c.Exp
		h.Width = math.Ldexp(1, h.Exp)
	} else {
		c.Widen(h.Exp)
	}
	c.AddTo(h.Counts)
	h.Seen += c.N()
	lo, hi, _ := c.MinMax()
	h.Min = math.Min(h.Min, float64(lo))
	h.Max = math.Max(h.Max, float64(hi))
	h.AbsMax = math.Max(-h.Min, h.Max)
}

// Edges returns the Bins+1 bin edges, starting at 0.
func (h *Histogram) Edges() []float64 {
	e := make([]float64, Bins+1)
	for i := range e {
		e[i] = h.edge(i)
	}
	return e
}

// Total is the number of counted values.
func (h *Histogram) Total() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// add merges a histogram given by its fields (a part's): the narrower of
// the two is coarsened to the wider's bins, exactly.
func (h *Histogram) add(exp int, counts []uint64, seen uint64, lo, hi float64) {
	if seen == 0 {
		return
	}
	c := append([]uint64(nil), counts...)
	if exp > h.Exp {
		binning.Coarsen(h.Counts, exp-h.Exp)
		h.Exp = exp
		h.Width = math.Ldexp(1, h.Exp)
	} else if exp < h.Exp {
		binning.Coarsen(c, h.Exp-exp)
	}
	for i, v := range c {
		h.Counts[i] += v
	}
	h.Seen += seen
	h.Min = math.Min(h.Min, lo)
	h.Max = math.Max(h.Max, hi)
	h.AbsMax = math.Max(-h.Min, h.Max)
}
