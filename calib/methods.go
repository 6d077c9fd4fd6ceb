package calib

import (
	"fmt"
	"math"
)

// Method names a calibration algorithm.
type Method string

const (
	Entropy    Method = "entropy"
	Percentile Method = "percentile"
	MinMax     Method = "minmax"
	MSE        Method = "mse"
)

// ParseMethod checks a --method value.
func ParseMethod(s string) (Method, error) {
	switch m := Method(s); m {
	case Entropy, Percentile, MinMax, MSE:
		return m, nil
	}
	return "", fmt.Errorf("unknown calibration method %q (want entropy, percentile, minmax or mse)", s)
}

// Amax applies method m to h (percentile p in percent, used by Percentile).
func (m Method) Amax(h *Histogram, p float64) float64 {
	switch m {
	case Percentile:
		return PercentileAmax(h, p)
	case MinMax:
		return MinMaxAmax(h)
	case MSE:
		return MSEAmax(h)
	}
	return EntropyAmax(h)
}

// quantLevels is the number of non-negative int8 levels of |x|.
const quantLevels = 128

// MinMaxAmax is max |x|.
func MinMaxAmax(h *Histogram) float64 { return h.AbsMax }

// PercentileAmax is the upper edge of the first bin at which the
// cumulative share of values reaches p percent.
func PercentileAmax(h *Histogram, p float64) float64 {
	total := h.Total()
	if total == 0 || h.Width == 0 {
		return 0
	}
	want := p / 100 * float64(total)
	var cum uint64
	for i, c := range h.Counts {
		cum += c
		if float64(cum) >= want {
			return h.Edge(i)
		}
	}
	return h.Edge(Bins - 1)
}

// EntropyAmax is TensorRT's entropy (KL-divergence) calibration: for each
// threshold bin i from 128 to 2048, the reference distribution P is the
// first i bins with the tail folded into bin i-1; the candidate Q is those
// bins quantised to 128 levels (each level spread evenly over its non-empty
// bins). The i with the least KL(P||Q) wins; amax is its upper edge.
func EntropyAmax(h *Histogram) float64 {
	if h.Width == 0 {
		return 0
	}
	counts := make([]float64, Bins)
	for i, c := range h.Counts {
		counts[i] = float64(c)
	}
	// Trailing empty bins change nothing but cost time: TensorRT starts at
	// 128 regardless, so do we.
	bestI, bestKL := Bins, math.Inf(1)
	p := make([]float64, Bins)
	q := make([]float64, Bins)
	var tail float64
	for _, c := range counts[quantLevels:] {
		tail += c
	}
	for i := quantLevels; i <= Bins; i++ {
		copy(p, counts[:i])
		if i > quantLevels {
			tail -= counts[i-1]
		}
		p[i-1] += tail
		quantize(counts[:i], q[:i])
		kl := klDivergence(p[:i], q[:i])
		if kl < bestKL {
			bestI, bestKL = i, kl
		}
	}
	return h.Edge(bestI - 1)
}

// quantize merges bins into quantLevels groups (the last group takes the
// remainder) and spreads each group's total evenly over its non-empty bins.
func quantize(bins, q []float64) {
	n := len(bins)
	per := n / quantLevels
	for level := 0; level < quantLevels; level++ {
		start := level * per
		end := start + per
		if level == quantLevels-1 {
			end = n
		}
		var sum float64
		nonzero := 0
		for _, c := range bins[start:end] {
			sum += c
			if c != 0 {
				nonzero++
			}
		}
		for j := start; j < end; j++ {
			q[j] = 0
			if bins[j] != 0 {
				q[j] = sum / float64(nonzero)
			}
		}
	}
}

// klDivergence is KL(P||Q) of the normalised distributions; bins where P is
// zero contribute nothing, and P > 0 where Q = 0 is infinitely bad.
func klDivergence(p, q []float64) float64 {
	var sp, sq float64
	for i := range p {
		sp += p[i]
		sq += q[i]
	}
	if sp == 0 || sq == 0 {
		return math.Inf(1)
	}
	var kl float64
	for i := range p {
		if p[i] == 0 {
			continue
		}
		if q[i] == 0 {
			return math.Inf(1)
		}
		pi, qi := p[i]/sp, q[i]/sq
		kl += pi * math.Log(pi/qi)
	}
	return kl
}

// MSEAmax picks, among bin centres from bin 128 on, the amax whose int8
// fake quantisation has the least count-weighted squared error over the
// histogram's bin centres.
func MSEAmax(h *Histogram) float64 {
	if h.Width == 0 {
		return 0
	}
	best, bestErr := 0.0, math.Inf(1)
	for c := quantLevels; c < Bins; c++ {
		amax := (float64(c) + 0.5) * h.Width
		scale := amax / 127
		var e float64
		for j, n := range h.Counts {
			if n == 0 {
				continue
			}
			x := (float64(j) + 0.5) * h.Width
			d := x - fakeQuant(x, scale)
			e += float64(n) * d * d
		}
		if e < bestErr {
			best, bestErr = amax, e
		}
	}
	return best
}

// fakeQuant rounds x to the int8 grid of scale (ties to even, as ONNX's
// QuantizeLinear does) and clamps to [-127, 127].
func fakeQuant(x, scale float64) float64 {
	q := math.RoundToEven(x / scale)
	return math.Max(-127, math.Min(127, q)) * scale
}
