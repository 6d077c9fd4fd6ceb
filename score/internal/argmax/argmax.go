// Package argmax finds, for every pixel, the class plane with the largest
// score: the step between a segmentation network's logits and its label
// map, run on every image validate scores.
//
// It is C, compiled by cgo with -O3 so that the compare-and-select loop is
// vectorised (AVX2 when the CPU has it, SSE2 otherwise): 0.47 ms against
// 1.15 ms for the same blocked loop in Go at 19x256x512, where Go's float
// compare is a branch per value.
package argmax

/*
#cgo CFLAGS: -O3
#include <stdint.h>
#include <string.h>

// Neither code path enables FMA, so a*b + c*d is rounded as written, as
// in the Go reference the tests compare with.
#define INLINE static inline __attribute__((always_inline))

// Pixels go in blocks whose running maximum and class stay in L1; each
// class plane of a block is one contiguous run. A strict > keeps the lower
// class on ties and never lets a NaN take the lead.
INLINE void planes_impl(const float *data, int c, long n, uint8_t *dst) {
	enum { B = 2048 };
	float best[B];
	uint8_t idx[B];
	for (long p0 = 0; p0 < n; p0 += B) {
		long m = n - p0 < B ? n - p0 : B;
		memcpy(best, data + p0, (size_t)m * sizeof(float));
		memset(idx, 0, (size_t)m);
		for (int k = 1; k < c; k++) {
			const float *ch = data + (long)k * n + p0;
			for (long i = 0; i < m; i++) {
				float v = ch[i];
				int gt = v > best[i];
				best[i] = gt ? v : best[i];
				idx[i] = gt ? (uint8_t)k : idx[i];
			}
		}
		memcpy(dst + p0, idx, (size_t)m);
	}
}

// Non-finite values (NaN, +-Inf) have every exponent bit set: an integer
// test the compiler vectorises, unlike isfinite.
static long count_nonfinite(const float *data, long n) {
	const uint32_t *u = (const uint32_t *)data;
	long count = 0;
	for (long i = 0; i < n; i++) {
		count += (u[i] & 0x7f800000u) == 0x7f800000u;
	}
	return count;
}

// Taps of a bilinear resize along one axis, as PyTorch computes them.
typedef struct {
	const int32_t *i0, *i1;
	const float *f; // weight of i1; i0's is 1 - f
} taps;

// widen resizes source row y of every class plane to ow values.
INLINE void widen(const float *data, int c, int h, int w, int ow, taps x, int y, float *row) {
	for (int k = 0; k < c; k++) {
		const float *src = data + ((long)k * h + y) * w;
		float *o = row + (long)k * ow;
		for (int i = 0; i < ow; i++) {
			float f = x.f[i];
			o[i] = (1.0f - f) * src[x.i0[i]] + f * src[x.i1[i]];
		}
	}
}

// Bilinear resize fused with the argmax, in PyTorch's order of operations
// (upsample_bilinear2d: h0 * (w0*x00 + w1*x01) + h1 * (w0*x10 + w1*x11)),
// done separably: a source row is widened to the output width once, for
// every class, and kept in one of two slots (rows: 2 x c x ow) while
// output rows use it; each output row blends its two widened rows and
// takes the argmax across classes, all in contiguous runs.
INLINE void resized_impl(const float *data, int c, int h, int w, int oh, int ow,
                         taps x, taps y, float *rows, float *best, uint8_t *dst) {
	int have[2] = {-1, -1};
	long slot = (long)c * ow;
	for (int oy = 0; oy < oh; oy++) {
		int y0 = y.i0[oy], y1 = y.i1[oy];
		int s0 = have[0] == y0 ? 0 : have[1] == y0 ? 1 : -1;
		if (s0 < 0) {
			s0 = have[0] == y1 ? 1 : 0; // keep the row the other tap needs
			widen(data, c, h, w, ow, x, y0, rows + s0 * slot);
			have[s0] = y0;
		}
		int s1 = have[s0] == y1 ? s0 : have[1 - s0] == y1 ? 1 - s0 : -1;
		if (s1 < 0) {
			s1 = 1 - s0;
			widen(data, c, h, w, ow, x, y1, rows + s1 * slot);
			have[s1] = y1;
		}
		const float *a = rows + s0 * slot, *b = rows + s1 * slot;
		float h1 = y.f[oy], h0 = 1.0f - h1;
		uint8_t *out = dst + (long)oy * ow;
		for (int i = 0; i < ow; i++) {
			best[i] = h0 * a[i] + h1 * b[i];
			out[i] = 0;
		}
		for (int k = 1; k < c; k++) {
			const float *ak = a + (long)k * ow, *bk = b + (long)k * ow;
			for (int i = 0; i < ow; i++) {
				float v = h0 * ak[i] + h1 * bk[i];
				int gt = v > best[i];
				best[i] = gt ? v : best[i];
				out[i] = gt ? (uint8_t)k : out[i];
			}
		}
	}
}

int segtrt_argmax_use_base; // tests set it to cover the SSE2 path on AVX2 machines

static int use_avx2(void) { return !segtrt_argmax_use_base && __builtin_cpu_supports("avx2"); }

__attribute__((target("avx2")))
static void planes_avx2(const float *data, int c, long n, uint8_t *dst) { planes_impl(data, c, n, dst); }
static void planes_base(const float *data, int c, long n, uint8_t *dst) { planes_impl(data, c, n, dst); }

static void planes(const float *data, int c, long n, uint8_t *dst) {
	if (use_avx2()) {
		planes_avx2(data, c, n, dst);
	} else {
		planes_base(data, c, n, dst);
	}
}

__attribute__((target("avx2")))
static void resized_avx2(const float *data, int c, int h, int w, int oh, int ow, taps x, taps y, float *rows, float *best, uint8_t *dst) {
	resized_impl(data, c, h, w, oh, ow, x, y, rows, best, dst);
}
static void resized_base(const float *data, int c, int h, int w, int oh, int ow, taps x, taps y, float *rows, float *best, uint8_t *dst) {
	resized_impl(data, c, h, w, oh, ow, x, y, rows, best, dst);
}

static void resized(const float *data, int c, int h, int w, int oh, int ow,
                    const int32_t *xi0, const int32_t *xi1, const float *xf,
                    const int32_t *yi0, const int32_t *yi1, const float *yf,
                    float *rows, float *best, uint8_t *dst) {
	taps x = {xi0, xi1, xf}, y = {yi0, yi1, yf};
	if (use_avx2()) {
		resized_avx2(data, c, h, w, oh, ow, x, y, rows, best, dst);
	} else {
		resized_base(data, c, h, w, oh, ow, x, y, rows, best, dst);
	}
}
*/
import "C"

import (
	"unsafe"

	"github.com/segtrt/segtrt/internal/bilinear"
)

// useBase selects the SSE2 code even where AVX2 is available (tests).
func useBase(on bool) {
	C.segtrt_argmax_use_base = 0
	if on {
		C.segtrt_argmax_use_base = 1
	}
}

// Planes writes into dst[p] the index of the largest of data[k*n+p] over
// the c planes k (ties go to the lower class, as torch.argmax). It needs
// len(data) >= c*n, len(dst) >= n and 1 <= c <= 256.
func Planes(data []float32, c, n int, dst []uint8) {
	if n == 0 {
		return
	}
	if c < 1 || c > 256 || len(data) < c*n || len(dst) < n {
		panic("argmax.Planes: bad sizes") // callers check; never reached from input
	}
	C.planes((*C.float)(unsafe.Pointer(&data[0])), C.int(c), C.long(n), (*C.uint8_t)(unsafe.Pointer(&dst[0])))
}

// Resized writes into dst (oh x ow) the argmax class of the c planes of
// data (h x w each) resized bilinearly to oh x ow with half-pixel centres
// (PyTorch's align_corners=False, no antialiasing), computed as PyTorch
// does so that near-ties go the same way. The resized logits are never
// stored whole: two widened source rows at a time.
func Resized(data []float32, c, h, w, oh, ow int, dst []uint8) {
	if oh == 0 || ow == 0 {
		return
	}
	if c < 1 || c > 256 || h < 1 || w < 1 || len(data) < c*h*w || len(dst) < oh*ow {
		panic("argmax.Resized: bad sizes") // callers check; never reached from input
	}
	x, y := bilinear.New(w, ow), bilinear.New(h, oh)
	xi0, xi1, xf := x.I0, x.I1, x.W1
	yi0, yi1, yf := y.I0, y.I1, y.W1
	rows := make([]float32, 2*c*ow)
	best := make([]float32, ow)
	C.resized((*C.float)(unsafe.Pointer(&data[0])), C.int(c), C.int(h), C.int(w), C.int(oh), C.int(ow),
		(*C.int32_t)(unsafe.Pointer(&xi0[0])), (*C.int32_t)(unsafe.Pointer(&xi1[0])), (*C.float)(unsafe.Pointer(&xf[0])),
		(*C.int32_t)(unsafe.Pointer(&yi0[0])), (*C.int32_t)(unsafe.Pointer(&yi1[0])), (*C.float)(unsafe.Pointer(&yf[0])),
		(*C.float)(unsafe.Pointer(&rows[0])), (*C.float)(unsafe.Pointer(&best[0])), (*C.uint8_t)(unsafe.Pointer(&dst[0])))
}

// NonFinite counts the NaN and infinite values of data.
func NonFinite(data []float32) int {
	if len(data) == 0 {
		return 0
	}
	return int(C.count_nonfinite((*C.float)(unsafe.Pointer(&data[0])), C.long(len(data))))
}
