// Package cputwin runs the arithmetic of segtrt's TensorRT plugins on the
// CPU: the host path of the math headers that the CUDA kernels also compile
// (plugins/spgexcite/spgExciteMath.h, plugins/avgpoolinfer/avgPoolInferMath.h),
// built through cgo with no NVIDIA software. The tests compare the twins with
// ONNX Runtime running each plugin's unfused standard-op subgraph, which makes
// the twins the oracle for the plugins here, where no GPU is.
//
// Start with SPGExcite and AvgPoolInfer. FP16 variants take and return IEEE
// binary16 bit patterns (ToFP16, FromFP16); they compute in float32 and round
// the output once, as the kernels do.
//
// Like gonum, the functions panic on arguments that are a caller's bug
// (slices of different lengths, a shape that does not match the data, a
// kernel below 1).
package cputwin

// #cgo CXXFLAGS: -std=c++17 -O2 -Wall
// #include "twin.h"
import "C"

import (
	"fmt"
	"math"
)

// SPGExcite returns y = x + sigmoid(g) * t, element by element (SPGExcite v1).
func SPGExcite(x, g, t []float32) []float32 {
	checkSameLength("SPGExcite", len(x), len(g), len(t))
	y := make([]float32, len(x))
	if len(y) > 0 {
		C.segtrt_spg_excite_f32((*C.float)(&x[0]), (*C.float)(&g[0]), (*C.float)(&t[0]), (*C.float)(&y[0]), C.int64_t(len(y)))
	}
	return y
}

// SPGExciteFP16 is SPGExcite on binary16 tensors: inputs widened to
// float32, one rounding (to nearest even) of each output.
func SPGExciteFP16(x, g, t []uint16) []uint16 {
	checkSameLength("SPGExciteFP16", len(x), len(g), len(t))
	y := make([]uint16, len(x))
	if len(y) > 0 {
		C.segtrt_spg_excite_f16((*C.uint16_t)(&x[0]), (*C.uint16_t)(&g[0]), (*C.uint16_t)(&t[0]), (*C.uint16_t)(&y[0]), C.int64_t(len(y)))
	}
	return y
}

// OutputExtent is AvgPoolInfer's output size along one axis:
// extent - min(kernel, extent) + 1.
func OutputExtent(extent, kernel int) int {
	checkPoolDims("OutputExtent", 1, 1, extent, 1, kernel, 1)
	return int(C.segtrt_avg_pool_output_extent(C.int32_t(extent), C.int32_t(clampToExtent(kernel, extent))))
}

// AvgPoolInfer average-pools x, an n x c x h x w tensor, with stride 1, no
// padding and a kh x kw kernel clamped to h x w, through separable sliding
// window sums that restart every AvgPoolChunk() outputs (AvgPoolInfer v1).
// It returns y, n x c x oh x ow.
func AvgPoolInfer(x []float32, n, c, h, w, kh, kw int) (y []float32, oh, ow int) {
	planes := checkPool("AvgPoolInfer", len(x), n, c, h, w, kh, kw)
	oh, ow = OutputExtent(h, kh), OutputExtent(w, kw)
	y = make([]float32, planes*oh*ow)
	if planes > 0 {
		rc := C.segtrt_avg_pool_infer_f32((*C.float)(&x[0]), (*C.float)(&y[0]), C.int64_t(planes), C.int32_t(h), C.int32_t(w),
			C.int32_t(clampToExtent(kh, h)), C.int32_t(clampToExtent(kw, w)))
		checkRC("AvgPoolInfer", rc)
	}
	return y, oh, ow
}

// AvgPoolInferFP16 is AvgPoolInfer on binary16 tensors: sums in float32,
// one rounding of each output.
func AvgPoolInferFP16(x []uint16, n, c, h, w, kh, kw int) (y []uint16, oh, ow int) {
	planes := checkPool("AvgPoolInferFP16", len(x), n, c, h, w, kh, kw)
	oh, ow = OutputExtent(h, kh), OutputExtent(w, kw)
	y = make([]uint16, planes*oh*ow)
	if planes > 0 {
		rc := C.segtrt_avg_pool_infer_f16((*C.uint16_t)(&x[0]), (*C.uint16_t)(&y[0]), C.int64_t(planes), C.int32_t(h), C.int32_t(w),
			C.int32_t(clampToExtent(kh, h)), C.int32_t(clampToExtent(kw, w)))
		checkRC("AvgPoolInferFP16", rc)
	}
	return y, oh, ow
}

// AvgPoolChunk is AvgPoolInfer's restart period B (avgpool::kChunk): each
// run of B outputs along a line starts from a direct sum of its window.
func AvgPoolChunk() int { return int(C.segtrt_avg_pool_chunk()) }

// AvgPoolWorkspaceBytes is the device workspace the plugin asks TensorRT for
// (avgpool::workspaceBytes): planes * h * (w - min(kw, w) + 1) * 4 bytes,
// rounded up to 256.
func AvgPoolWorkspaceBytes(planes, h, w, kw int) uint64 {
	checkPoolDims("AvgPoolWorkspaceBytes", planes, 1, h, w, 1, kw)
	return uint64(C.segtrt_avg_pool_workspace_bytes(C.int64_t(planes), C.int64_t(h), C.int64_t(w), C.int64_t(kw)))
}

// ToFP16 converts to binary16 the way the plugins do: round to nearest,
// ties to even; magnitudes from 65520 up become infinity.
func ToFP16(f []float32) []uint16 {
	h := make([]uint16, len(f))
	if len(f) > 0 {
		C.segtrt_floats_to_halves((*C.float)(&f[0]), (*C.uint16_t)(&h[0]), C.int64_t(len(f)))
	}
	return h
}

// FromFP16 widens binary16 values to float32 (exact).
func FromFP16(h []uint16) []float32 {
	f := make([]float32, len(h))
	if len(h) > 0 {
		C.segtrt_halves_to_floats((*C.uint16_t)(&h[0]), (*C.float)(&f[0]), C.int64_t(len(h)))
	}
	return f
}

// RoundFP16 returns each value rounded to the nearest binary16, as float32.
func RoundFP16(f []float32) []float32 { return FromFP16(ToFP16(f)) }

func checkSameLength(op string, x, g, t int) {
	if x != g || x != t {
		panic(fmt.Sprintf("cputwin.%s: x, g and t have %d, %d and %d elements; they must have one shape", op, x, g, t))
	}
}

// checkPool checks a pooling call's arguments and returns n*c.
func checkPool(op string, length, n, c, h, w, kh, kw int) int {
	checkPoolDims(op, n, c, h, w, kh, kw)
	if length != n*c*h*w {
		panic(fmt.Sprintf("cputwin.%s: x has %d elements, %dx%dx%dx%d needs %d", op, length, n, c, h, w, n*c*h*w))
	}
	return n * c
}

func checkPoolDims(op string, n, c, h, w, kh, kw int) {
	if n < 0 || c < 0 || h < 1 || w < 1 || h >= math.MaxInt32 || w >= math.MaxInt32 {
		panic(fmt.Sprintf("cputwin.%s: bad shape %dx%dx%dx%d (H and W must be at least 1)", op, n, c, h, w))
	}
	if kh < 1 || kw < 1 {
		panic(fmt.Sprintf("cputwin.%s: kernel %dx%d; kernel_h and kernel_w must be at least 1", op, kh, kw))
	}
}

// clampToExtent keeps a kernel within int32 for the C side; the math clamps
// it to the extent anyway.
func clampToExtent(kernel, extent int) int { return min(kernel, extent) }

func checkRC(op string, rc C.int) {
	switch rc {
	case 0:
	case C.SEGTRT_TWIN_NO_MEMORY:
		panic("cputwin." + op + ": out of memory for the window sums")
	default:
		panic(fmt.Sprintf("cputwin.%s: the C side refused the arguments (code %d)", op, int(rc)))
	}
}
