package calib

import (
	"fmt"
	"math"
)

// Bins is the histogram resolution TensorRT's calibrators use.
const Bins = 2048

// Histogram counts |x| of one tensor over calibration data in Bins equal
// bins over [0, Bins*Width). Its range grows as data arrives by doubling
// Width, which merges pairs of bins exactly, so no count is ever lost or
// smeared; the final histogram depends only on the data and its order.
type Histogram struct {
	Counts []uint64
	Width  float64 // bin width; 0 until the first non-zero value
	// Min and Max are the signed extremes seen; AbsMax is max |x|.
	Min, Max, AbsMax float64
	Seen             uint64 // values added, zeros included
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{Counts: make([]uint64, Bins), Min: math.Inf(1), Max: math.Inf(-1)}
}

// Add counts data. Non-finite values are an error: they would make any
// range meaningless and signal a broken model.
func (h *Histogram) Add(data []float32) error {
	var amax float64
	for _, v := range data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("non-finite value %v", v)
		}
		h.Min = math.Min(h.Min, f)
		h.Max = math.Max(h.Max, f)
		amax = math.Max(amax, math.Abs(f))
	}
	h.Seen += uint64(len(data))
	if amax == 0 && h.Width == 0 {
		h.Counts[0] += uint64(len(data)) // all zeros so far
		return nil
	}
	if h.Width == 0 {
		// First non-zero data: zeros counted so far stay in bin 0.
		h.Width = amax / Bins
	}
	h.grow(amax)
	h.AbsMax = math.Max(h.AbsMax, amax)
	inv := 1 / h.Width
	last := Bins - 1
	for _, v := range data {
		b := int(math.Abs(float64(v)) * inv)
		if b > last {
			b = last // the maximum itself sits on the top edge
		}
		h.Counts[b]++
	}
	return nil
}

// grow doubles the bin width until amax fits, merging bin pairs.
func (h *Histogram) grow(amax float64) {
	for amax > h.Width*Bins {
		for i := 0; i < Bins/2; i++ {
			h.Counts[i] = h.Counts[2*i] + h.Counts[2*i+1]
		}
		for i := Bins / 2; i < Bins; i++ {
			h.Counts[i] = 0
		}
		h.Width *= 2
	}
}

// Edge returns the upper edge of bin i (Edge(-1) = 0).
func (h *Histogram) Edge(i int) float64 { return float64(i+1) * h.Width }

// Edges returns the Bins+1 bin edges, starting at 0.
func (h *Histogram) Edges() []float64 {
	e := make([]float64, Bins+1)
	for i := range e {
		e[i] = float64(i) * h.Width
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
