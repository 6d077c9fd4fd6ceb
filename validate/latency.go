package validate

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Latency summarises a timed loop the way trtexec reports one.
type Latency struct {
	Iterations int     `json:"iterations"`
	MeanMs     float64 `json:"mean"`
	P50Ms      float64 `json:"p50"`
	P90Ms      float64 `json:"p90"`
	P95Ms      float64 `json:"p95"`
	P99Ms      float64 `json:"p99"`
	MinMs      float64 `json:"min"`
	MaxMs      float64 `json:"max"`
	// CV is the coefficient of variation (stddev / mean); above 0.05 the
	// numbers are noisy and the report warns.
	CV float64 `json:"cv"`
	// FPS is iterations over the wall time of the timed loop, which also
	// counts gaps between iterations (as trtexec's throughput does).
	FPS float64 `json:"fps"`
}

// NoisyCV is the coefficient of variation above which a warning is due.
const NoisyCV = 0.05

// Summarize computes the statistics of samples timed in a loop that took
// wall in total. Percentiles use the nearest-rank method.
func Summarize(samples []time.Duration, wall time.Duration) Latency {
	n := len(samples)
	if n == 0 {
		return Latency{}
	}
	ms := make([]float64, n)
	for i, s := range samples {
		ms[i] = float64(s) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	mean, std := stat.MeanStdDev(ms, nil) // sample standard deviation
	l := Latency{
		Iterations: n,
		MeanMs:     mean,
		P50Ms:      Percentile(ms, 50),
		P90Ms:      Percentile(ms, 90),
		P95Ms:      Percentile(ms, 95),
		P99Ms:      Percentile(ms, 99),
		MinMs:      ms[0],
		MaxMs:      ms[n-1],
	}
	if n > 1 && mean > 0 {
		l.CV = std / mean
	}
	if wall > 0 {
		l.FPS = float64(n) / wall.Seconds()
	}
	return l
}

// Percentile returns the nearest-rank p-th percentile of sorted values:
// the smallest value with at least p% of the values at or below it
// (gonum's empirical quantile).
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return stat.Quantile(p/100, stat.Empirical, sorted, nil)
}
