package calib

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/segtrt/segtrt/onnx/qdq"
)

// MethodAmax is every single method's amax for one tensor; 0 where a
// method found no range (an all-zero tensor; percentile on a tensor that
// is zero more often than the percentile).
type MethodAmax struct {
	Entropy    float64 `json:"entropy"`
	Percentile float64 `json:"percentile"`
	MSE        float64 `json:"mse"`
	MinMax     float64 `json:"minmax"`
}

func (a *MethodAmax) field(m Method) *float64 {
	switch m {
	case Entropy:
		return &a.Entropy
	case Percentile:
		return &a.Percentile
	case MSE:
		return &a.MSE
	case MinMax:
		return &a.MinMax
	}
	panic("calib: no amax field for " + string(m))
}

// Get returns method m's amax.
func (a MethodAmax) Get(m Method) float64 { return *a.field(m) }

// minAmax is the least amax whose scale, amax/127 in float32, is a normal
// number: TensorRT and ONNX Runtime must never see a zero or subnormal
// scale.
const minAmax = 127 * qdq.MinScale

// zeroAmax is the range given to a tensor that is (all but) zero on every
// calibration image: any scale represents zero exactly, and 1/127 keeps
// values of ordinary size representable if inference ever meets them.
const zeroAmax = 1.0

// computeRanges applies methods to every tensor's histogram, on every
// core (entropy and mse cost about a millisecond a tensor).
func computeRanges(ctx context.Context, names []string, hists map[string]*Histogram, methods []Method, p float64) (map[string]MethodAmax, error) {
	out := make([]MethodAmax, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				for _, m := range methods {
					*out[i].field(m) = m.Amax(hists[names[i]], p)
				}
			}
		}()
	}
	var err error
	for i := range names {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	res := make(map[string]MethodAmax, len(names))
	for i, n := range names {
		res[n] = out[i]
	}
	return res, nil
}

// rangesFor returns the ranges of method m, made safe: a tensor that is
// zero on every calibration image gets zeroAmax, and one for which m
// found no range gets max |x|. Each case is reported once in warnings.
func rangesFor(m Method, names []string, hists map[string]*Histogram, all map[string]MethodAmax) (Scales, []string) {
	amax := Scales{}
	var zero, noRange []string
	for _, n := range names {
		h := hists[n]
		a := all[n].Get(m)
		switch {
		case !(h.AbsMax >= minAmax):
			a = zeroAmax
			zero = append(zero, n)
		case !(a >= minAmax) || math.IsInf(a, 0):
			a = h.AbsMax
			noRange = append(noRange, n)
		}
		amax[n] = a
	}
	var warnings []string
	if len(zero) > 0 {
		warnings = append(warnings, fmt.Sprintf("%d tensors are zero on every calibration image; they get amax %g (scale 1/127): %s", len(zero), zeroAmax, list(zero)))
	}
	if len(noRange) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s found no range for %d tensors (almost every value is zero); they get max |x|: %s", m, len(noRange), list(noRange)))
	}
	return amax, warnings
}
