/*
 * make gpu-check: the cases, the inputs and the error measures, shared by the
 * CUDA harness (gpuCheck.cu, which compares the kernels with the CPU twins)
 * and its CPU-side test (cpucheck.cpp through cgo, in `make test`, which
 * compares the twins with a naive float64 reference on the same cases).
 * Host-only C++: no CUDA or TensorRT header.
 */
#ifndef SEGTRT_PLUGINS_GPUCHECK_CHECKS_H
#define SEGTRT_PLUGINS_GPUCHECK_CHECKS_H

#include "avgPoolInferMath.h"
#include "spgExciteMath.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string>
#include <vector>

namespace segtrt
{
namespace gpucheck
{

using plugin::Half;

enum class Op
{
    kSpgExcite,
    kAvgPool,
};

//! One check: an op on an NCHW shape (AvgPoolInfer with its kernel).
struct Case
{
    Op op;
    int64_t n, c, h, w;
    int64_t kh, kw; // AvgPoolInfer only
    bool fp16;
    //! Odd shapes small enough for compute-sanitizer (--small).
    bool small;
    //! Over 2^31 bytes: checks 64-bit indexing; verified on samples only.
    bool large;
    //! Timed (the realistic shapes).
    bool timed;

    int64_t count() const
    {
        return n * c * h * w;
    }
    int64_t planes() const
    {
        return n * c;
    }
    int64_t oh() const
    {
        return op == Op::kAvgPool ? plugin::avgpool::outputExtent(h, kh) : h;
    }
    int64_t ow() const
    {
        return op == Op::kAvgPool ? plugin::avgpool::outputExtent(w, kw) : w;
    }
    int64_t outCount() const
    {
        return planes() * oh() * ow();
    }
    size_t elemBytes() const
    {
        return fp16 ? 2 : 4;
    }
    std::string name() const
    {
        char buf[128];
        if (op == Op::kSpgExcite)
        {
            snprintf(buf, sizeof buf, "SPGExcite %lldx%lldx%lldx%lld %s", (long long) n, (long long) c, (long long) h,
                (long long) w, fp16 ? "fp16" : "fp32");
        }
        else
        {
            snprintf(buf, sizeof buf, "AvgPoolInfer %lldx%lldx%lldx%lld k%lldx%lld %s", (long long) n, (long long) c,
                (long long) h, (long long) w, (long long) kh, (long long) kw, fp16 ? "fp16" : "fp32");
        }
        return buf;
    }
};

//! Every case, in report order: the realistic shapes in FP32 and
//! FP16, odd sizes, and one tensor of each op over 2^31 bytes.
inline std::vector<Case> allCases()
{
    static int64_t const spgShapes[3][4] = {{1, 128, 128, 256}, {1, 256, 64, 128}, {1, 2048, 32, 64}};
    // 80x160 is larger than the 64x128 map: clamped to a global mean.
    static int64_t const poolKernels[4][2] = {{2, 2}, {8, 16}, {24, 48}, {80, 160}};
    static int64_t const oddKernels[4][2] = {{1, 1}, {3, 5}, {7, 13}, {9, 20}};
    std::vector<Case> cs;
    for (int half = 0; half < 2; ++half)
    {
        bool const fp16 = half == 1;
        for (auto const& s : spgShapes)
        {
            cs.push_back(Case{Op::kSpgExcite, s[0], s[1], s[2], s[3], 0, 0, fp16, false, false, true});
        }
        for (auto const& k : poolKernels)
        {
            cs.push_back(Case{Op::kAvgPool, 1, 512, 64, 128, k[0], k[1], fp16, false, false, true});
        }
        cs.push_back(Case{Op::kSpgExcite, 1, 3, 7, 13, 0, 0, fp16, true, false, false});
        for (auto const& k : oddKernels)
        {
            cs.push_back(Case{Op::kAvgPool, 1, 3, 7, 13, k[0], k[1], fp16, true, false, false});
        }
    }
    // 2^29 + 2^20 floats per tensor: 2.004 GiB, past int32 byte offsets.
    cs.push_back(Case{Op::kSpgExcite, 1, 513, 1024, 1024, 0, 0, false, false, true, false});
    cs.push_back(Case{Op::kAvgPool, 1, 513, 1024, 1024, 2, 2, false, false, true, false});
    return cs;
}

//! Deterministic inputs in [lo, hi): a 64-bit LCG, so the harness and the
//! CPU test see the same numbers without storing them.
inline void fill(float* x, int64_t count, uint64_t seed, float lo, float hi)
{
    uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int64_t i = 0; i < count; ++i)
    {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = lo + (hi - lo) * static_cast<float>((s >> 40) * (1.0 / 16777216.0));
    }
}

//! Rounds every value to binary16 and back: what an FP16 tensor holds.
inline void roundToHalf(std::vector<float>& v)
{
    for (float& f : v)
    {
        f = plugin::toFloat(plugin::fromFloat<Half>(f));
    }
}

//! A case's inputs, as the op sees them (FP16 cases: rounded to binary16).
//! The ranges: logits-like gates and features for SPGExcite, post-ReLU
//! features in [0, 4] for AvgPoolInfer (its README's M = 4).
inline void inputs(Case const& c, std::vector<float>& x, std::vector<float>& g, std::vector<float>& t)
{
    x.resize(c.count());
    fill(x.data(), c.count(), 1, c.op == Op::kSpgExcite ? -4.0f : 0.0f, 4.0f);
    if (c.op == Op::kSpgExcite)
    {
        g.resize(c.count());
        t.resize(c.count());
        fill(g.data(), c.count(), 2, -8.0f, 8.0f);
        fill(t.data(), c.count(), 3, -4.0f, 4.0f);
    }
    if (c.fp16)
    {
        roundToHalf(x);
        roundToHalf(g);
        roundToHalf(t);
    }
}

//! AvgPoolInfer's README bound on |output - exact|, in units of u M
//! (u = 2^-24, M = max |x|).
inline double avgPoolBoundUnits(Case const& c)
{
    int64_t const kh = plugin::avgpool::clampKernel(c.kh, c.h);
    int64_t const kw = plugin::avgpool::clampKernel(c.kw, c.w);
    auto pass = [](int64_t k, int64_t outputs) {
        double const m = static_cast<double>((outputs < plugin::avgpool::kChunk ? outputs : plugin::avgpool::kChunk) - 1);
        return static_cast<double>(k - 1) + m * (2 + 1.0 / static_cast<double>(k));
    };
    double b = pass(kw, c.ow()) + pass(kh, c.oh()) + 1;
    if (kh * kw > (int64_t(1) << 24))
    {
        b += 1;
    }
    return b;
}

//! Largest |error| and |error| / |reference| over the values compared, and
//! whether every value met atol + rtol * |reference|.
struct Errors
{
    double maxAbs = 0;
    double maxRel = 0;
    int64_t compared = 0;
    int64_t failed = 0;
    double atol = 0;
    double rtol = 0;

    void add(double got, double want)
    {
        double const d = fabs(got - want);
        compared++;
        if (!(d <= atol + rtol * fabs(want))) // NaN fails
        {
            failed++;
        }
        if (d > maxAbs || d != d)
        {
            maxAbs = d;
        }
        if (want != 0 && d / fabs(want) > maxRel)
        {
            maxRel = d / fabs(want);
        }
    }
};

//! The naive references, in float64: one SPGExcite element, and one
//! AvgPoolInfer output by a direct sum over its window.
inline double naiveExcite(double x, double g, double t)
{
    return x + t / (1 + exp(-g));
}

inline double naiveWindowMean(float const* plane, int64_t w, int64_t i, int64_t j, int64_t kh, int64_t kw)
{
    double s = 0;
    for (int64_t a = 0; a < kh; ++a)
    {
        for (int64_t b = 0; b < kw; ++b)
        {
            s += plane[(i + a) * w + (j + b)];
        }
    }
    return s / static_cast<double>(kh * kw);
}

//! The indexes a check compares: all of them, or for a large case every
//! 4099th plus the last 2^16 (the far end is where overflow would show).
inline std::vector<int64_t> sampleIndexes(int64_t count, bool large)
{
    std::vector<int64_t> idx;
    int64_t const step = large ? 4099 : 1;
    for (int64_t i = 0; i < count; i += step)
    {
        idx.push_back(i);
    }
    if (large)
    {
        for (int64_t i = count > 65536 ? count - 65536 : 0; i < count; ++i)
        {
            idx.push_back(i);
        }
    }
    return idx;
}

} // namespace gpucheck
} // namespace segtrt

#endif // SEGTRT_PLUGINS_GPUCHECK_CHECKS_H
