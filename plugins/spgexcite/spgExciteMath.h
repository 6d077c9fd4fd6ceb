/*
 * SPGExcite v1: y = x + sigmoid(g) * t, element by element.
 *
 * The one definition of the plugin's arithmetic, shared by the CUDA kernel
 * (spgExciteKernel.cu) and the CPU twin (plugins/cputwin). Everything is
 * computed in float; FP16 tensors are widened on load and rounded once, to
 * nearest even, on store. The product and sum are one fused multiply-add
 * (what nvcc emits for the kernel anyway), written out so that the host path
 * rounds the same way. Host and device then differ only by expf: CUDA's is
 * within 2 ulp, glibc's within 1.
 */
#ifndef SEGTRT_PLUGINS_SPGEXCITE_MATH_H
#define SEGTRT_PLUGINS_SPGEXCITE_MATH_H

#include "../common/half.h"

#include <math.h>

namespace segtrt
{
namespace plugin
{
namespace spgexcite
{

//! The logistic function. For g below about -88, expf(-g) overflows to
//! infinity and the result is 0; above about 17 it rounds to 1. No NaN comes
//! out of a finite g.
SEGTRT_HD inline float sigmoid(float g)
{
    return 1.0f / (1.0f + expf(-g));
}

//! One output element.
SEGTRT_HD inline float excite(float x, float g, float t)
{
    return fmaf(sigmoid(g), t, x);
}

//! One output element of tensors of type T (float or Half).
template <typename T>
SEGTRT_HD inline T exciteElement(T x, T g, T t)
{
    return fromFloat<T>(excite(toFloat(x), toFloat(g), toFloat(t)));
}

//! The whole op on the host: y[i] = excite(x[i], g[i], t[i]) for i < count.
//! y may alias x, g or t.
template <typename T>
inline void exciteHost(T const* x, T const* g, T const* t, T* y, int64_t count)
{
    for (int64_t i = 0; i < count; ++i)
    {
        y[i] = exciteElement(x[i], g[i], t[i]);
    }
}

} // namespace spgexcite
} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_SPGEXCITE_MATH_H
