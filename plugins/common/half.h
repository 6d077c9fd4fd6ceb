/*
 * segtrt plugins: a portable IEEE 754 binary16 value.
 *
 * Half is two bytes, laid out like CUDA's __half, so a device buffer of
 * __half can be read as Half. On the device the conversions are CUDA's
 * intrinsics; on the host they are bit manipulation with the same rounding
 * (float -> half rounds to nearest, ties to even; half -> float is exact),
 * so the CPU twin rounds every output exactly as the kernel does.
 */
#ifndef SEGTRT_PLUGINS_COMMON_HALF_H
#define SEGTRT_PLUGINS_COMMON_HALF_H

#include "hostDevice.h"

#if defined(__CUDACC__)
#include <cuda_fp16.h>
#endif

#include <string.h>

namespace segtrt
{
namespace plugin
{

struct Half
{
    uint16_t bits;
};

static_assert(sizeof(Half) == 2, "Half must have the size of __half");

namespace detail
{

inline uint32_t floatBits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

inline float bitsFloat(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

//! Host float -> binary16, round to nearest, ties to even. NaN stays NaN
//! (quiet, top payload bits kept); values from 65520 up become infinity.
inline uint16_t floatToHalfBits(float value)
{
    uint32_t const f = floatBits(value);
    uint32_t const sign = (f >> 16) & 0x8000u;
    uint32_t const mag = f & 0x7fffffffu;
    if (mag >= 0x7f800000u) // infinity or NaN
    {
        return static_cast<uint16_t>(sign | 0x7c00u | (mag > 0x7f800000u ? 0x0200u | ((mag >> 13) & 0x03ffu) : 0u));
    }
    if (mag >= 0x477ff000u) // 65520 = halfway between 65504 (largest half) and 2^16; the tie goes to even = inf
    {
        return static_cast<uint16_t>(sign | 0x7c00u);
    }
    uint32_t const exponent = mag >> 23;
    if (exponent < 113) // below 2^-14: a subnormal half (or zero), in units of 2^-24
    {
        if (exponent < 102) // below 2^-25: rounds to zero
        {
            return static_cast<uint16_t>(sign);
        }
        uint32_t const mantissa = (mag & 0x007fffffu) | 0x00800000u;
        uint32_t const shift = 126u - exponent; // 14..24
        uint32_t result = mantissa >> shift;
        uint32_t const rest = mantissa & ((1u << shift) - 1u);
        uint32_t const halfway = 1u << (shift - 1u);
        if (rest > halfway || (rest == halfway && (result & 1u)))
        {
            ++result; // may carry into the smallest normal, which is the right encoding
        }
        return static_cast<uint16_t>(sign | result);
    }
    uint32_t result = ((exponent - 112u) << 10) | ((mag >> 13) & 0x03ffu);
    uint32_t const rest = mag & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (result & 1u)))
    {
        ++result; // a carry out of the mantissa bumps the exponent, as it should
    }
    return static_cast<uint16_t>(sign | result);
}

//! Host binary16 -> float, exact.
inline float halfBitsToFloat(uint16_t h)
{
    uint32_t const sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t const exponent = (h >> 10) & 0x1fu;
    uint32_t const mantissa = h & 0x03ffu;
    if (exponent == 0)
    {
        // Zero or subnormal: mantissa * 2^-24, exact in float.
        float const magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
        return bitsFloat(sign | floatBits(magnitude));
    }
    if (exponent == 31)
    {
        return bitsFloat(sign | 0x7f800000u | (mantissa << 13));
    }
    return bitsFloat(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

} // namespace detail

SEGTRT_HD inline float halfToFloat(Half h)
{
#if defined(__CUDA_ARCH__)
    return __half2float(__ushort_as_half(h.bits));
#else
    return detail::halfBitsToFloat(h.bits);
#endif
}

SEGTRT_HD inline Half floatToHalf(float f)
{
#if defined(__CUDA_ARCH__)
    return Half{__half_as_ushort(__float2half_rn(f))};
#else
    return Half{detail::floatToHalfBits(f)};
#endif
}

//! Loads and stores of a tensor element as float, whatever T is (float or
//! Half): kernels and twins are written once, as templates over T.
SEGTRT_HD inline float toFloat(float v)
{
    return v;
}

SEGTRT_HD inline float toFloat(Half v)
{
    return halfToFloat(v);
}

template <typename T>
SEGTRT_HD inline T fromFloat(float v);

template <>
SEGTRT_HD inline float fromFloat<float>(float v)
{
    return v;
}

template <>
SEGTRT_HD inline Half fromFloat<Half>(float v)
{
    return floatToHalf(v);
}

} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_COMMON_HALF_H
