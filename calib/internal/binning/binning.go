// Package binning counts |x| of float32 activations into histogram bins
// whose width is a power of two: the inner loop of INT8 calibration, run
// over every value of every activation of every calibration image.
//
// Power-of-two widths make the result independent of the order values
// arrive in. Bin k at width 2^e holds |x| in [k*2^e, (k+1)*2^e); widening
// to 2^(e+d) moves it to bin k>>d, which is exactly where |x| would have
// landed at the wider width. So counters filled by different goroutines,
// each widened as its own data demanded, merge into the histogram that
// binning every value at the final width would give.
//
// The loop is C, compiled by cgo with -O3: per chunk of 256 values a
// vectorised pass finds max |x|, the signed extremes and every value's bin
// (AVX2 when the CPU has it), then a scalar pass increments the counts:
// 0.5-0.8 ns a value against 1.5 for the same loop in Go.
package binning

/*
#cgo CFLAGS: -O3
#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

// Floats as int32 keys that sort as the floats do, so that signed minimum
// and maximum are integer min/max, which vectorise without fast-math.
INLINE int32_t key(uint32_t b) { return (int32_t)b >= 0 ? (int32_t)b : (int32_t)(b ^ 0x7fffffffu); }

// count_impl counts whole chunks of x while every |x| is below limit (the
// float bits of 2048 bins' width) and returns how many values it counted:
// a multiple of the chunk size short of n when a chunk holds a value that
// needs wider bins, a NaN or an infinity.
INLINE long count_impl(const float *x, long n, uint32_t limit, float scale, uint32_t *counts, int32_t *mm) {
	enum { CHUNK = 256 };
	int32_t lo = mm[0], hi = mm[1];
	uint32_t idx[CHUNK];
	long off = 0;
	for (; off < n; off += CHUNK) {
		long m = n - off < CHUNK ? n - off : CHUNK;
		const float *c = x + off;
		uint32_t amax = 0;
		int32_t clo = lo, chi = hi;
		// Vectorised: extremes, and every value's bin (a value at or above
		// limit is binned as 0, which keeps the conversion defined; its
		// chunk is not counted).
		for (long i = 0; i < m; i++) {
			uint32_t b;
			memcpy(&b, c + i, 4);
			uint32_t a = b & 0x7fffffffu;
			int32_t k = key(b);
			amax = a > amax ? a : amax;
			clo = k < clo ? k : clo;
			chi = k > chi ? k : chi;
			uint32_t in = a < limit ? a : 0;
			float f;
			memcpy(&f, &in, 4);
			idx[i] = (uint32_t)(int32_t)(f * scale);
		}
		if (amax >= limit) {
			break;
		}
		lo = clo;
		hi = chi;
		// Four lanes of counts, so that runs of one bin (zeros after a
		// ReLU, flat image regions) do not wait on each other's increments.
		long i = 0;
		for (; i + 4 <= m; i += 4) {
			counts[idx[i]]++;
			counts[2048 + idx[i + 1]]++;
			counts[4096 + idx[i + 2]]++;
			counts[6144 + idx[i + 3]]++;
		}
		for (; i < m; i++) {
			counts[idx[i]]++;
		}
	}
	mm[0] = lo;
	mm[1] = hi;
	return off < n ? off : n;
}

// Tests set this to check the base path on AVX2 machines.
int segtrt_binning_use_base = 0;

static int use_avx2(void) { return !segtrt_binning_use_base && __builtin_cpu_supports("avx2"); }

__attribute__((target("avx2")))
static long count_avx2(const float *x, long n, uint32_t limit, float scale, uint32_t *counts, int32_t *mm) {
	return count_impl(x, n, limit, scale, counts, mm);
}

static long count_base(const float *x, long n, uint32_t limit, float scale, uint32_t *counts, int32_t *mm) {
	return count_impl(x, n, limit, scale, counts, mm);
}

static long segtrt_count(const float *x, long n, uint32_t limit, float scale, uint32_t *counts, int32_t *mm) {
	if (use_avx2()) {
		return count_avx2(x, n, limit, scale, counts, mm);
	}
	return count_base(x, n, limit, scale, counts, mm);
}
*/
import "C"

import (
	"math"
	"unsafe"
)

// Bins is the number of histogram bins.
const Bins = 2048

// The range of bin-width exponents: 2^MinExp is the narrowest width (an
// all-zero tensor keeps it), and at 2^MaxExp the bins reach past the
// largest finite float32.
const (
	MinExp = -127
	MaxExp = 117
)

const signBit = 1 << 31

// Counter is a histogram of |x| being filled, bin width 2^Exp, in uint32
// counts: a caller moves them into wider ones (AddTo) before 2^32 values.
type Counter struct {
	lanes [4][Bins]uint32 // the kernel's interleaved copies
	Exp   int
	n     uint64 // values counted
	limit uint32 // float bits of Bins*2^Exp: |x| at or above needs wider bins
	scale float32
	mm    [2]int32 // signed minimum and maximum, as sort keys
}

// NewCounter returns an empty counter at the narrowest width.
func NewCounter() *Counter {
	c := &Counter{}
	c.Reset(MinExp)
	return c
}

// Reset empties the counter and sets its bin width to 2^exp.
func (c *Counter) Reset(exp int) {
	c.lanes = [4][Bins]uint32{}
	c.n = 0
	c.mm = [2]int32{math.MaxInt32, math.MinInt32}
	c.setExp(exp)
}

func (c *Counter) setExp(exp int) {
	c.Exp = exp
	c.limit = math.Float32bits(float32(math.Ldexp(1, exp+11))) // Bins = 2^11
	if exp+11 > 127 {
		c.limit = 0x7f800000 // +Inf: every finite value fits
	}
	c.scale = float32(math.Ldexp(1, -exp))
}

// N is the number of values counted.
func (c *Counter) N() uint64 { return c.n }

// MinMax returns the signed extremes of the counted values; ok is false
// when nothing was counted.
func (c *Counter) MinMax() (lo, hi float32, ok bool) {
	if c.n == 0 {
		return 0, 0, false
	}
	return fromKey(c.mm[0]), fromKey(c.mm[1]), true
}

// Add counts data, widening the bins as its values demand. It returns the
// index of the first NaN or infinite value, having counted the values
// before it, or -1.
func (c *Counter) Add(data []float32) int {
	base := 0
	for len(data) > 0 {
		n := c.count(data)
		if n == len(data) {
			return -1
		}
		// The chunk at n holds a value needing wider bins: count up to it,
		// widen, and go on from it.
		k := n
		for math.Float32bits(data[k])&^signBit < c.limit {
			k++
		}
		c.count(data[n:k])
		a := math.Float32bits(data[k]) &^ signBit
		if a >= 0x7f800000 {
			return base + k
		}
		c.Widen(ExpFor(math.Float32frombits(a)))
		base += k
		data = data[k:]
	}
	return -1
}

func (c *Counter) count(data []float32) int {
	if len(data) == 0 {
		return 0
	}
	n := int(C.segtrt_count((*C.float)(unsafe.Pointer(&data[0])), C.long(len(data)), C.uint32_t(c.limit), C.float(c.scale),
		(*C.uint32_t)(unsafe.Pointer(&c.lanes[0][0])), (*C.int32_t)(unsafe.Pointer(&c.mm[0]))))
	c.n += uint64(n)
	return n
}

// Widen merges bins so that the width becomes 2^exp (no change when it is
// already that wide or wider).
func (c *Counter) Widen(exp int) {
	if exp <= c.Exp {
		return
	}
	for l := range c.lanes {
		Coarsen(c.lanes[l][:], exp-c.Exp)
	}
	c.setExp(exp)
}

// AddTo adds the counts to dst, which has Bins entries at the same width.
func (c *Counter) AddTo(dst []uint64) {
	for k := range dst[:Bins] {
		dst[k] += uint64(c.lanes[0][k]) + uint64(c.lanes[1][k]) + uint64(c.lanes[2][k]) + uint64(c.lanes[3][k])
	}
}

// Coarsen merges each run of 2^d bins of counts into one, in place: bin k
// goes to bin k>>d, and the top bins are left empty.
func Coarsen[T uint32 | uint64](counts []T, d int) {
	if d <= 0 {
		return
	}
	if d >= 32 {
		d = 31 // every bin goes to 0 long before
	}
	for k := range counts {
		if k>>d == k {
			continue // bin 0
		}
		counts[k>>d] += counts[k]
		counts[k] = 0
	}
}

// ExpFor returns the smallest exponent e for which |v| < Bins*2^e, that is,
// whose bins hold v: v in [2^m, 2^(m+1)) gives m-10, so v lands in the top
// half of the bins. Finite v only.
func ExpFor(v float32) int {
	a := math.Float32bits(v) &^ signBit
	if a < 0x00800000 { // zero or subnormal
		return MinExp
	}
	return max(MinExp, int(a>>23)-127-10)
}

func key(b uint32) int32 {
	if int32(b) >= 0 {
		return int32(b)
	}
	return int32(b ^ 0x7fffffff)
}

func fromKey(k int32) float32 {
	if k >= 0 {
		return math.Float32frombits(uint32(k))
	}
	return math.Float32frombits(uint32(k) ^ 0x7fffffff)
}

// setBase makes the kernel take its non-AVX2 path (for tests).
func setBase(on bool) {
	if on {
		C.segtrt_binning_use_base = 1
	} else {
		C.segtrt_binning_use_base = 0
	}
}
