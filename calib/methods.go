package calib

import (
	"fmt"
	"math"
	"math/bits"
)

// Method names a calibration algorithm.
type Method string

const (
	// Auto computes every method's ranges and keeps the method whose Q/DQ
	// model scores best on images held out from the calibration split.
	Auto       Method = "auto"
	Entropy    Method = "entropy"
	Percentile Method = "percentile"
	MSE        Method = "mse"
	MinMax     Method = "minmax"
)

// Methods are the single methods, in the order ties go to under Auto.
var Methods = []Method{Entropy, Percentile, MSE, MinMax}

// ParseMethod checks a --method value.
func ParseMethod(s string) (Method, error) {
	switch m := Method(s); m {
	case Auto, Entropy, Percentile, MinMax, MSE:
		return m, nil
	}
	return "", fmt.Errorf("unknown calibration method %q (want auto, entropy, percentile, mse or minmax)", s)
}

// Amax applies single method m to h (percentile p in percent, used by
// Percentile). It returns 0 when the method finds no range (an all-zero
// histogram); callers choose a safe range then.
func (m Method) Amax(h *Histogram, p float64) float64 {
	switch m {
	case Percentile:
		return PercentileAmax(h, p)
	case MinMax:
		return MinMaxAmax(h)
	case MSE:
		return MSEAmax(h)
	case Entropy:
		return EntropyAmax(h)
	}
	panic("calib: Amax of " + string(m))
}

// quantLevels is the number of non-negative int8 levels of |x|, and the
// first candidate bin of entropy and mse.
const quantLevels = 128

// edge is edges[k], the lower edge of bin k (the upper edge of bin k-1).
func (h *Histogram) edge(k int) float64 { return float64(k) * h.Width }

// MinMaxAmax is max |x|.
func MinMaxAmax(h *Histogram) float64 { return h.AbsMax }

// PercentileAmax is edges[idx] for the first bin idx at which the
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
			return h.edge(i)
		}
	}
	return h.edge(len(h.Counts))
}

// klTie is how close to the least KL divergence a candidate must come to
// count as equal to it. Divergences that are equal in exact arithmetic
// (zero, when the quantised distribution matches the reference) differ by
// rounding, around 1e-15; real differences between candidates are many
// orders of magnitude larger.
const klTie = 1e-12

// EntropyAmax is TensorRT's entropy calibration as NVIDIA's reference
// implementation computes it (see the package documentation): the last
// threshold bin i in 128..len(counts) of least KL(P||Q), amax = edges[i].
func EntropyAmax(h *Histogram) float64 {
	n := len(h.Counts)
	if h.Width == 0 || n < quantLevels {
		return 0
	}
	// c is the histogram with bin 0 replaced by bin 1, so that exact zeros
	// (half of every post-ReLU tensor) do not steer the search.
	c := make([]uint64, n)
	copy(c, h.Counts)
	c[0] = c[1]
	// Prefix sums: cum of counts, nzc of non-empty bins, plogp of p*log(p)
	// with p = c/total (compensated: up to 2048 terms are summed).
	cum := make([]uint64, n+1)
	nzc := make([]int32, n+1)
	for j, v := range c {
		cum[j+1] = cum[j] + v
		nzc[j+1] = nzc[j]
		if v != 0 {
			nzc[j+1]++
		}
	}
	total := cum[n]
	if total == 0 {
		return 0
	}
	sp := float64(total)
	plogp := make([]float64, n+1)
	var acc kahan
	for j, v := range c {
		if v != 0 {
			p := float64(v) / sp
			acc.add(p * fastLog(p))
		}
		plogp[j+1] = acc.sum()
	}
	// A level holds a run of at most Bins/quantLevels = 16 bins. For every
	// run [lo, lo+w) tabulate its count S and log(S/nz), nz its non-empty
	// bins, so that each candidate's 128 levels are lookups, not
	// logarithms: run (w, lo) is entry w*n + lo.
	maxRun := (n + quantLevels - 1) / quantLevels
	logCount := make([]float64, maxRun+1)
	for k := 1; k <= maxRun; k++ {
		logCount[k] = math.Log(float64(k))
	}
	runSum := make([]float64, (maxRun+1)*n)
	runLog := make([]float64, (maxRun+1)*n)
	for w := 1; w <= maxRun; w++ {
		for lo := 0; lo+w <= n; lo++ {
			if s := cum[lo+w] - cum[lo]; s != 0 {
				runSum[w*n+lo] = float64(s)
				runLog[w*n+lo] = fastLog(float64(s)) - logCount[nzc[lo+w]-nzc[lo]]
			}
		}
	}
	best, bestI := math.Inf(1), 0
	kl := make([]float64, n+1)
	for i := quantLevels; i <= n; i++ {
		kl[i] = math.NaN()
		tail := total - cum[i]
		last := c[i-1]
		if last == 0 && tail > 0 {
			continue // Q is zero where P is not: infinite divergence
		}
		// KL(P||Q) = sum p log p - sum p log q. p log p comes from the
		// prefix sums but for bin i-1, which carries the tail. q is each
		// level's mean S/nz over its non-empty bins, normalised by sq:
		// sum p log q = sum_L (mass_L/sp) log(S_L/nz_L) - log sq, since
		// the masses add up to sp. The terms are >= 0 (S >= nz); four
		// compensated sums keep the additions from waiting on each other.
		run := func(L int) int {
			lo := (L*i + quantLevels - 1) / quantLevels
			hi := ((L+1)*i + quantLevels - 1) / quantLevels
			return (hi-lo)*n + lo
		}
		var a0, a1, a2, a3 kahan
		for L := 0; L < quantLevels-4; L += 4 {
			r0, r1, r2, r3 := run(L), run(L+1), run(L+2), run(L+3)
			a0.add(runSum[r0] * runLog[r0])
			a1.add(runSum[r1] * runLog[r1])
			a2.add(runSum[r2] * runLog[r2])
			a3.add(runSum[r3] * runLog[r3])
		}
		r0, r1, r2, r3 := run(quantLevels-4), run(quantLevels-3), run(quantLevels-2), run(quantLevels-1)
		a0.add(runSum[r0] * runLog[r0])
		a1.add(runSum[r1] * runLog[r1])
		a2.add(runSum[r2] * runLog[r2])
		a3.add((runSum[r3] + float64(tail)) * runLog[r3]) // the last level's mass carries the tail
		cross := (a0.sum() + a1.sum()) + (a2.sum() + a3.sum())
		d := plogp[i-1] + xlogx(float64(last+tail)/sp) - cross/sp + fastLog(float64(cum[i]))
		if math.IsNaN(d) || math.IsInf(d, 0) {
			continue
		}
		kl[i] = d
		if d < best {
			best, bestI = d, i
		}
	}
	if bestI == 0 {
		return 0
	}
	// Among equal minima the last wins.
	for i := n; i > bestI; i-- {
		if kl[i] <= best+klTie {
			return h.edge(i)
		}
	}
	return h.edge(bestI)
}

func xlogx(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x * fastLog(x)
}

// kahan is Kahan's compensated sum.
type kahan struct{ s, c float64 }

func (k *kahan) add(x float64) {
	y := x - k.c
	t := k.s + y
	k.c = (t - k.s) - y
	k.s = t
}

func (k *kahan) sum() float64 { return k.s }

// MSEAmax is the bin centre c_k, k in 128..len(counts)-1, whose int8 fake
// quantisation of every bin centre has the least count-weighted squared
// error; the first wins ties.
//
// The error is computed exactly, in integers. With u = 2j+1 for bin j's
// centre (u*w/2) and D = 2k+1 for the candidate's, bin j quantises to
// level q = min(127, round(127u/D)) and its error is
// n_j * (w/(2*127))^2 * (127u - qD)^2. The common factor cannot change
// which candidate wins. 127u/D is never a half-integer (2*127u is even, an
// odd multiple of the odd D is odd), so rounding has no ties. Per level the
// sum of n(127u - qD)^2 comes from prefix sums of n, n*u and n*u^2.
func MSEAmax(h *Histogram) float64 {
	n := len(h.Counts)
	if h.Width == 0 || n <= quantLevels {
		return 0
	}
	N := make([]uint64, n+1)
	U1 := make([]u128, n+1)
	U2 := make([]u128, n+1)
	for j, c := range h.Counts {
		u := uint64(2*j + 1)
		N[j+1] = N[j] + c
		U1[j+1] = U1[j].add(mul64(c, u))
		U2[j+1] = U2[j].add(mul64(c, u*u))
	}
	if N[n] == N[1] {
		return 0 // nothing above bin 0: no range to find
	}
	// A level's error below the clamp is at most N*(D/2)^2 < N*2^22 for
	// D < 2^12: under 2^64 while the histogram holds fewer than 2^42
	// values, when its terms can be computed modulo 2^64 on the low words.
	small := N[n] < 1<<42 && n <= 1<<11
	lo1 := make([]uint64, n+1)
	lo2 := make([]uint64, n+1)
	for j := range lo1 {
		lo1[j], lo2[j] = U1[j].lo, U2[j].lo
	}
	// Candidates are tried from the widest down. The error of the bins at
	// or above a candidate's centre, clamped to it, is a lower bound of its
	// total that only grows as the candidate narrows: once it exceeds the
	// best total, no narrower candidate can win.
	best, bestK := u128{^uint64(0), ^uint64(0)}, -1
	for k := n - 1; k >= quantLevels; k-- {
		D := uint64(2*k + 1)
		if bestK >= 0 && best.less(tailError(D, N, U1, U2, k, n)) {
			break
		}
		var e u128
		lo := 0
		for q := uint64(0); q < 127; q++ {
			hi := levelStart(q+1, D, n)
			if hi > lo {
				if small {
					cnt, s1, s2 := N[hi]-N[lo], lo1[hi]-lo1[lo], lo2[hi]-lo2[lo]
					qd := q * D
					e = e.add(u128{lo: 127*127*s2 - 2*127*qd*s1 + qd*qd*cnt})
				} else {
					e = e.add(levelError(q, D, N, U1, U2, lo, hi))
				}
			}
			lo = hi
		}
		// Level 127 takes everything above, clamped.
		if lo < n {
			e = e.add(levelError(127, D, N, U1, U2, lo, n))
		}
		if !best.less(e) { // e <= best: the narrower candidate wins ties
			best, bestK = e, k
		}
	}
	return (float64(bestK) + 0.5) * h.Width
}

// levelStart is the first bin j whose centre quantises to level q or above
// for candidate D: the least j with 254(2j+1) > (2q-1)D.
func levelStart(q, D uint64, n int) int {
	if q == 0 {
		return 0
	}
	x := (2*q - 1) * D
	if x < 254 {
		return 0
	}
	return min(n, int((x-254)/508)+1)
}

// levelError is sum over bins [lo, hi) of n(127u - qD)^2
// = 127^2*U2 - 2*127*q*D*U1 + q^2*D^2*N, in 128 bits.
func levelError(q, D uint64, N []uint64, U1, U2 []u128, lo, hi int) u128 {
	cnt := N[hi] - N[lo]
	s1 := U1[hi].sub(U1[lo])
	s2 := U2[hi].sub(U2[lo])
	qd := q * D
	pos := s2.mul(127 * 127).add(mul64(qd*qd, cnt))
	return pos.sub(s1.mul(2 * 127 * qd))
}

// tailError is the error of bins k.. clamped to candidate k's centre:
// sum n(127u - 127D)^2.
func tailError(D uint64, N []uint64, U1, U2 []u128, k, n int) u128 {
	return levelError(127, D, N, U1, U2, k, n)
}

// u128 is an unsigned 128-bit integer; arithmetic wraps.
type u128 struct{ hi, lo uint64 }

func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

func (a u128) add(b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	return u128{a.hi + b.hi + carry, lo}
}

func (a u128) sub(b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	return u128{a.hi - b.hi - borrow, lo}
}

func (a u128) mul(b uint64) u128 {
	hi, lo := bits.Mul64(a.lo, b)
	return u128{hi + a.hi*b, lo}
}

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }
