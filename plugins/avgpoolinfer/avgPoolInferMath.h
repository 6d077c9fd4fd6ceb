/*
 * AvgPoolInfer v1: average pooling, stride 1, no padding, with a kernel of
 * kernel_h x kernel_w clamped to the input's H x W, computed as separable
 * sliding-window sums that restart every kChunk outputs.
 *
 * The one definition of the plugin's arithmetic, shared by the CUDA kernels
 * (avgPoolInferKernel.cu) and the CPU twin (plugins/cputwin): both call
 * windowSumsChunk below for every chunk of every line, so they perform the
 * same float operations in the same order and agree bit for bit.
 *
 * Per (n, c) plane of H x W inputs, with kh, kw the clamped kernel,
 * oh = H - kh + 1 and ow = W - kw + 1:
 *
 * 1. Horizontal pass: for each input row, R[r][j] = sum of x[r][j .. j+kw-1]
 *    for j in [0, ow), as float, into the workspace (H x ow floats per
 *    plane, row-major).
 * 2. Vertical pass: for each workspace column j, the same sliding sums of
 *    R[i .. i+kh-1][j] for i in [0, oh), divided by (float)(kh * kw) and
 *    rounded once to the output type: y[i][j].
 *
 * Order of operations within one line (a row of x, or a column of R), for
 * the chunk of outputs [c, min(c + kChunk, outputs)), all in float:
 *     s = v[c];  s = s + v[c+1];  ...;  s = s + v[c+k-1]        (left to right)
 *     out[c] = s / d
 *     for o = c+1 .. end-1:
 *         s = (s + v[o+k-1]) - v[o-1];   out[o] = s / d
 * with k the window and d = 1 for the horizontal pass (x / 1 is exact) or
 * (float)(kh * kw) (the product in int64) for the vertical pass. FP16 inputs
 * are widened to float on load; only the final output is rounded to FP16.
 *
 * Accuracy (first order in u = 2^-24, with M = max |x|): a direct sum of k
 * terms of magnitude at most A errs by at most (k - 1) u k A, and each slide
 * by (2k + 1) u A (two roundings, of at most (k + 1) A and k A); A is M in
 * the horizontal pass and kw M in the vertical one, which also carries the
 * horizontal errors of its kh inputs. One output therefore errs by at most
 *     u M [ (kw - 1) + mw (2 + 1/kw) + (kh - 1) + mh (2 + 1/kh) + 1 ]
 * (+ u M when kh * kw > 2^24 rounds as a float), with mw = min(kChunk, ow) - 1
 * and mh = min(kChunk, oh) - 1 slides per chunk: about (kw + kh + 4 kChunk) u M
 * on large planes, whatever their size. README.md beside this file has the
 * derivation; onnx/passes (AvgPoolInferErrorBound) computes the same bound.
 */
#ifndef SEGTRT_PLUGINS_AVGPOOLINFER_MATH_H
#define SEGTRT_PLUGINS_AVGPOOLINFER_MATH_H

#include "../common/half.h"

#include <stddef.h>

namespace segtrt
{
namespace plugin
{
namespace avgpool
{

//! Outputs per chunk (B): each chunk of a line starts from a direct sum of
//! its first window, which bounds the drift of the sliding updates.
constexpr int64_t kChunk = 32;

//! The kernel extent actually used along one axis: min(kernel, extent).
//! kernel must be at least 1.
SEGTRT_HD inline int64_t clampKernel(int64_t kernel, int64_t extent)
{
    return kernel < extent ? kernel : extent;
}

//! The output extent along one axis: extent - min(kernel, extent) + 1.
SEGTRT_HD inline int64_t outputExtent(int64_t extent, int64_t kernel)
{
    return extent - clampKernel(kernel, extent) + 1;
}

//! Chunks of kChunk outputs that cover `outputs` outputs.
SEGTRT_HD inline int64_t chunkCount(int64_t outputs)
{
    return (outputs + kChunk - 1) / kChunk;
}

//! Floats of workspace for one plane: the horizontal window sums, h x ow.
SEGTRT_HD inline int64_t rowSumElements(int64_t h, int64_t w, int64_t kernelW)
{
    return h * outputExtent(w, kernelW);
}

//! Bytes of device workspace for `planes` planes of h x w pooled with a
//! kernel of width kernelW (the attribute; clamped here):
//!     planes * h * (w - min(kernelW, w) + 1) * 4, rounded up to 256.
//! Every argument at least 1 (planes may be 0); the product must fit size_t,
//! which the plugin checks (its input volume is at most 2^60).
inline size_t workspaceBytes(int64_t planes, int64_t h, int64_t w, int64_t kernelW)
{
    size_t const bytes = static_cast<size_t>(planes) * static_cast<size_t>(rowSumElements(h, w, kernelW)) * sizeof(float);
    return (bytes + 255u) & ~static_cast<size_t>(255u);
}

//! The line function of both passes. `in` and `out` point at element 0 of
//! one line (a row of x and of the workspace, or a column of the workspace
//! and of y); consecutive elements are `stride` elements apart in both.
//! Writes out[o * stride] = fromFloat<Out>(window sum at o / divisor) for
//! the chunk o in [chunkStart, min(chunkStart + kChunk, outputs)), in the
//! order the header comment gives; the line holds outputs + window - 1
//! elements. divisor 1 gives the plain sums.
template <typename In, typename Out>
SEGTRT_HD inline void windowSumsChunk(
    In const* in, Out* out, int64_t stride, int64_t outputs, int64_t window, int64_t chunkStart, float divisor)
{
    int64_t const end = chunkStart + kChunk < outputs ? chunkStart + kChunk : outputs;
    In const* first = in + chunkStart * stride;
    float s = toFloat(first[0]);
    for (int64_t k = 1; k < window; ++k)
    {
        s = s + toFloat(first[k * stride]);
    }
    out[chunkStart * stride] = fromFloat<Out>(s / divisor);
    for (int64_t o = chunkStart + 1; o < end; ++o)
    {
        s = (s + toFloat(in[(o + window - 1) * stride])) - toFloat(in[(o - 1) * stride]);
        out[o * stride] = fromFloat<Out>(s / divisor);
    }
}

//! The divisor of the vertical pass: kh * kw (in int64) as float.
SEGTRT_HD inline float windowArea(int64_t kh, int64_t kw)
{
    return static_cast<float>(kh * kw);
}

//! The whole op on the host, one plane at a time. x is planes x h x w, y is
//! planes x outputExtent(h, kernelH) x outputExtent(w, kernelW), and rowSums
//! is scratch of rowSumElements(h, w, kernelW) floats (one plane's share of
//! the kernels' workspace). kernelH and kernelW are the attributes (>= 1);
//! they are clamped here.
template <typename T>
inline void avgPoolHost(T const* x, T* y, float* rowSums, int64_t planes, int64_t h, int64_t w, int64_t kernelH,
    int64_t kernelW)
{
    int64_t const kh = clampKernel(kernelH, h);
    int64_t const kw = clampKernel(kernelW, w);
    int64_t const oh = h - kh + 1;
    int64_t const ow = w - kw + 1;
    float const area = windowArea(kh, kw);
    for (int64_t p = 0; p < planes; ++p)
    {
        T const* plane = x + p * h * w;
        for (int64_t r = 0; r < h; ++r)
        {
            for (int64_t c = 0; c < ow; c += kChunk)
            {
                windowSumsChunk(plane + r * w, rowSums + r * ow, 1, ow, kw, c, 1.0f);
            }
        }
        T* out = y + p * oh * ow;
        for (int64_t c = 0; c < oh; c += kChunk)
        {
            for (int64_t j = 0; j < ow; ++j)
            {
                windowSumsChunk(rowSums + j, out + j, ow, oh, kh, c, area);
            }
        }
    }
}

} // namespace avgpool
} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_AVGPOOLINFER_MATH_H
