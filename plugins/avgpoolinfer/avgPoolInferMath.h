/*
 * AvgPoolInfer v1: average pooling, stride 1, no padding, with a kernel of
 * kernel_h x kernel_w clamped to the input's H x W, computed from a
 * summed-area table (SAT) in O(1) per output.
 *
 * The one definition of the plugin's arithmetic, shared by the CUDA kernels
 * (avgPoolInferKernel.cu) and the CPU twin (plugins/cputwin).
 *
 * SAT layout, per (n, c) plane of H x W inputs: (H + 1) x (W + 1) floats,
 * row-major, row 0 and column 0 zero, so that
 *     S[i][j] = sum of x[y][x'] over y < i, x' < j
 * and the window of rows [y0, y0 + kh) and columns [x0, x0 + kw) sums to
 *     ((S[y0+kh][x0+kw] - S[y0][x0+kw]) - S[y0+kh][x0]) + S[y0][x0].
 *
 * Order of additions (both sides follow it, so that a kernel and the twin
 * give the same bits): first each row's running sum from the left, starting
 * at 0 (R[y][x] = ((0 + x0) + x1) + ... + x_x), then each column's running
 * sum of R from the top, starting at 0. Everything is float, whatever the
 * tensor type; FP16 inputs are widened on load, FP16 outputs rounded once.
 *
 * Accuracy: each SAT entry carries a rounding error of about
 * (H + W) * 2^-24 * (sum of |x| over the entries it covers), and a window
 * sum subtracts four of them, so the absolute error of one average is about
 * 4 * (H + W) * 2^-24 * (sum of |x| over the plane) / (kh * kw) at worst;
 * small kernels on large planes of large same-sign values are the bad case.
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

//! The kernel extent actually used along one axis: min(kernel, extent).
//! kernel must be at least 1.
SEGTRT_HD inline int32_t clampKernel(int32_t kernel, int32_t extent)
{
    return kernel < extent ? kernel : extent;
}

//! The output extent along one axis: extent - min(kernel, extent) + 1.
SEGTRT_HD inline int32_t outputExtent(int32_t extent, int32_t kernel)
{
    return extent - clampKernel(kernel, extent) + 1;
}

//! Row stride of a plane's SAT, in floats.
SEGTRT_HD inline int64_t satRowStride(int32_t w)
{
    return static_cast<int64_t>(w) + 1;
}

//! Floats in one plane's SAT.
SEGTRT_HD inline int64_t satPlaneElements(int32_t h, int32_t w)
{
    return (static_cast<int64_t>(h) + 1) * satRowStride(w);
}

//! Bytes of device workspace for the SATs of `planes` planes of h x w,
//! rounded up to 256 bytes.
inline size_t satWorkspaceBytes(int64_t planes, int32_t h, int32_t w)
{
    size_t const bytes = static_cast<size_t>(planes) * static_cast<size_t>(satPlaneElements(h, w)) * sizeof(float);
    return (bytes + 255u) & ~static_cast<size_t>(255u);
}

//! Row pass for input row y of a plane: satRow is S[y + 1] (w + 1 floats),
//! satRow[0] = 0 and satRow[1 + x] = running sum of row[0..x].
template <typename T>
SEGTRT_HD inline void satRowPrefix(T const* row, float* satRow, int32_t w)
{
    float acc = 0.0f;
    satRow[0] = 0.0f;
    for (int32_t x = 0; x < w; ++x)
    {
        acc += toFloat(row[x]);
        satRow[x + 1] = acc;
    }
}

//! Column pass for SAT column j of a plane whose rows 1..h hold row sums:
//! S[0][j] = 0 and S[i][j] = running sum of the row sums S[1..i][j].
SEGTRT_HD inline void satColumnPrefix(float* sat, int64_t stride, int32_t h, int32_t j)
{
    float acc = 0.0f;
    sat[j] = 0.0f;
    for (int32_t i = 1; i <= h; ++i)
    {
        acc += sat[i * stride + j];
        sat[i * stride + j] = acc;
    }
}

//! The sum of the kh x kw window whose top-left input is (y0, x0), from a
//! plane's SAT, in O(1).
SEGTRT_HD inline float windowSum(float const* sat, int64_t stride, int32_t y0, int32_t x0, int32_t kh, int32_t kw)
{
    float const* top = sat + static_cast<int64_t>(y0) * stride;
    float const* bottom = sat + static_cast<int64_t>(y0 + kh) * stride;
    return ((bottom[x0 + kw] - top[x0 + kw]) - bottom[x0]) + top[x0];
}

//! One output: the window's mean. kh and kw are the clamped kernel.
SEGTRT_HD inline float windowAverage(float const* sat, int64_t stride, int32_t y0, int32_t x0, int32_t kh, int32_t kw)
{
    return windowSum(sat, stride, y0, x0, kh, kw) / static_cast<float>(kh * kw);
}

//! The whole op on the host, one plane at a time. x is planes x h x w, y is
//! planes x outputExtent(h, kernelH) x outputExtent(w, kernelW), and sat
//! is scratch of satPlaneElements(h, w) floats. kernelH and kernelW are the
//! attributes (>= 1); they are clamped here.
template <typename T>
inline void avgPoolHost(T const* x, T* y, float* sat, int64_t planes, int32_t h, int32_t w, int32_t kernelH,
    int32_t kernelW)
{
    int32_t const kh = clampKernel(kernelH, h);
    int32_t const kw = clampKernel(kernelW, w);
    int32_t const oh = h - kh + 1;
    int32_t const ow = w - kw + 1;
    int64_t const stride = satRowStride(w);
    for (int64_t p = 0; p < planes; ++p)
    {
        T const* plane = x + p * h * static_cast<int64_t>(w);
        for (int32_t r = 0; r < h; ++r)
        {
            satRowPrefix(plane + static_cast<int64_t>(r) * w, sat + (r + 1) * stride, w);
        }
        for (int32_t j = 0; j <= w; ++j)
        {
            satColumnPrefix(sat, stride, h, j);
        }
        T* out = y + p * oh * static_cast<int64_t>(ow);
        for (int32_t oy = 0; oy < oh; ++oy)
        {
            for (int32_t ox = 0; ox < ow; ++ox)
            {
                out[static_cast<int64_t>(oy) * ow + ox] = fromFloat<T>(windowAverage(sat, stride, oy, ox, kh, kw));
            }
        }
    }
}

} // namespace avgpool
} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_AVGPOOLINFER_MATH_H
