// The harness's CPU side, for `make test` through cgo: on every case of
// make gpu-check but the large ones, the CPU twins (the plugins' host math,
// which the GPU results are compared with) against a naive float64
// reference. Needs no CUDA.
#include "cpucheck.h"

#include "checks.h"

#include <algorithm>
#include <string.h>

namespace
{

using namespace segtrt::gpucheck;
using segtrt::plugin::Half;
namespace ap = segtrt::plugin::avgpool;
namespace spg = segtrt::plugin::spgexcite;

constexpr double kU = 1.0 / 16777216.0; // 2^-24
constexpr double kHalfRel = 1.0 / 2048.0; // half a binary16 step, relative
constexpr double kHalfAbs = 3e-8;        // half the smallest binary16 subnormal

std::vector<Half> toHalves(std::vector<float> const& v)
{
    std::vector<Half> h(v.size());
    for (size_t i = 0; i < v.size(); ++i)
    {
        h[i] = segtrt::plugin::fromFloat<Half>(v[i]);
    }
    return h;
}

// The twin's outputs as floats, on inputs already rounded for FP16 cases.
std::vector<float> twin(Case const& c, std::vector<float> const& x, std::vector<float> const& g, std::vector<float> const& t)
{
    std::vector<float> y(c.outCount());
    std::vector<float> rowSums;
    if (c.op == Op::kAvgPool)
    {
        rowSums.resize(ap::rowSumElements(c.h, c.w, c.kw));
    }
    if (!c.fp16)
    {
        if (c.op == Op::kSpgExcite)
        {
            spg::exciteHost(x.data(), g.data(), t.data(), y.data(), c.count());
        }
        else
        {
            ap::avgPoolHost(x.data(), y.data(), rowSums.data(), c.planes(), c.h, c.w, c.kh, c.kw);
        }
        return y;
    }
    std::vector<Half> hx = toHalves(x), hy(c.outCount());
    if (c.op == Op::kSpgExcite)
    {
        std::vector<Half> hg = toHalves(g), ht = toHalves(t);
        spg::exciteHost(hx.data(), hg.data(), ht.data(), hy.data(), c.count());
    }
    else
    {
        ap::avgPoolHost(hx.data(), hy.data(), rowSums.data(), c.planes(), c.h, c.w, c.kh, c.kw);
    }
    for (size_t i = 0; i < hy.size(); ++i)
    {
        y[i] = segtrt::plugin::toFloat(hy[i]);
    }
    return y;
}

Errors check(Case const& c)
{
    std::vector<float> x, g, t;
    inputs(c, x, g, t);
    std::vector<float> const y = twin(c, x, g, t);
    Errors e;
    if (c.op == Op::kSpgExcite)
    {
        // expf within an ulp, one fused multiply-add, the sigmoid's division:
        // a few float ulps of values up to 8.
        e.atol = 8 * 8 * kU;
        e.rtol = c.fp16 ? kHalfRel : 0;
        e.atol += c.fp16 ? kHalfAbs : 0;
        for (int64_t i = 0; i < c.count(); ++i)
        {
            e.add(y[i], naiveExcite(x[i], g[i], t[i]));
        }
        return e;
    }
    double const m = *std::max_element(x.begin(), x.end());
    e.atol = avgPoolBoundUnits(c) * kU * m + (c.fp16 ? kHalfAbs : 0);
    e.rtol = c.fp16 ? kHalfRel : 0;
    int64_t const kh = ap::clampKernel(c.kh, c.h), kw = ap::clampKernel(c.kw, c.w);
    for (int64_t p = 0; p < c.planes(); ++p)
    {
        for (int64_t i = 0; i < c.oh(); ++i)
        {
            for (int64_t j = 0; j < c.ow(); ++j)
            {
                e.add(y[(p * c.oh() + i) * c.ow() + j], naiveWindowMean(x.data() + p * c.h * c.w, c.w, i, j, kh, kw));
            }
        }
    }
    return e;
}

} // namespace

extern "C" int segtrt_gpucheck_cpu(char* report, int size)
{
    std::string out;
    int failed = 0;
    for (Case const& c : allCases())
    {
        if (c.large)
        {
            continue;
        }
        Errors const e = check(c);
        char line[256];
        snprintf(line, sizeof line, "%-44s max abs %.3g rel %.3g (atol %.3g rtol %.3g) %s\n", c.name().c_str(), e.maxAbs,
            e.maxRel, e.atol, e.rtol, e.failed == 0 ? "ok" : "FAIL");
        out += line;
        failed += e.failed != 0;
    }
    snprintf(report, static_cast<size_t>(size), "%s", out.c_str());
    return failed;
}
