/*
 * make gpu-check: the plugin kernels on a real GPU, without TensorRT.
 *
 * Calls launchSpgExcite and launchAvgPoolInfer exactly as the plugins'
 * enqueue does (same arguments, same workspace size, one stream), directly
 * and through a captured CUDA graph replayed as the runner's --cuda-graph
 * does, and compares the results with the CPU twins (checks.h): FP32 within
 * atol 1e-5 + rtol 1e-5 (AvgPoolInfer: its README's bound), FP16 within
 * atol 1e-3 + rtol 1e-2 of the FP32 twin on FP16-rounded inputs. Times the
 * realistic cases with CUDA events (warm-up, then the median of 100
 * launches) against the device-to-device copy bandwidth measured in the same
 * run, and a naive direct-window average pool at 24x48 for comparison.
 *
 *   gpu-check [--json FILE] [--small] [--probe] [--memcheck S] [--racecheck S]
 *
 * --small runs only the odd-size cases (for compute-sanitizer); --probe exits
 * 0 when a CUDA device is usable and 3 when not; --memcheck and --racecheck
 * carry the sanitizer results of scripts/gpu-check.sh into the report.
 * Exit status: 0 when every case is within tolerance, 1 when one is not,
 * 2 on a CUDA error.
 */
#include "../avgpoolinfer/avgPoolInferKernel.h"
#include "../spgexcite/spgExciteKernel.h"
#include "checks.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include <vector>

using namespace segtrt::gpucheck;
using segtrt::plugin::ElementType;
using segtrt::plugin::Half;
namespace ap = segtrt::plugin::avgpool;
namespace spg = segtrt::plugin::spgexcite;

namespace
{

[[noreturn]] void cudaFail(char const* what, cudaError_t err, int line)
{
    fprintf(stderr, "gpu-check: line %d: %s: %s (%s)\n", line, what, cudaGetErrorName(err), cudaGetErrorString(err));
    exit(2);
}

#define CHECK_CUDA(call)                                                                                               \
    do                                                                                                                 \
    {                                                                                                                  \
        cudaError_t const err_ = (call);                                                                               \
        if (err_ != cudaSuccess)                                                                                       \
        {                                                                                                              \
            cudaFail(#call, err_, __LINE__);                                                                           \
        }                                                                                                              \
    } while (0)

constexpr double kU = 1.0 / 16777216.0; // 2^-24

struct DeviceBuffer
{
    void* p = nullptr;
    explicit DeviceBuffer(size_t bytes)
    {
        CHECK_CUDA(cudaMalloc(&p, bytes > 0 ? bytes : 1));
    }
    ~DeviceBuffer()
    {
        cudaFree(p);
    }
    DeviceBuffer(DeviceBuffer const&) = delete;
    DeviceBuffer& operator=(DeviceBuffer const&) = delete;
};

void upload(std::vector<float> const& v, bool fp16, void* dst)
{
    if (!fp16)
    {
        CHECK_CUDA(cudaMemcpy(dst, v.data(), v.size() * 4, cudaMemcpyHostToDevice));
        return;
    }
    std::vector<Half> h(v.size());
    for (size_t i = 0; i < v.size(); ++i)
    {
        h[i] = segtrt::plugin::fromFloat<Half>(v[i]);
    }
    CHECK_CUDA(cudaMemcpy(dst, h.data(), h.size() * 2, cudaMemcpyHostToDevice));
}

std::vector<float> download(void const* src, int64_t count, bool fp16)
{
    std::vector<float> out(count);
    if (!fp16)
    {
        CHECK_CUDA(cudaMemcpy(out.data(), src, count * 4, cudaMemcpyDeviceToHost));
        return out;
    }
    std::vector<Half> h(count);
    CHECK_CUDA(cudaMemcpy(h.data(), src, count * 2, cudaMemcpyDeviceToHost));
    for (int64_t i = 0; i < count; ++i)
    {
        out[i] = segtrt::plugin::toFloat(h[i]);
    }
    return out;
}

// One case's device tensors, sized as the plugin sees them.
struct Tensors
{
    Case c;
    DeviceBuffer x, g, t, y, ws;
    size_t wsBytes;
    explicit Tensors(Case const& cs)
        : c(cs)
        , x(cs.count() * cs.elemBytes())
        , g(cs.op == Op::kSpgExcite ? cs.count() * cs.elemBytes() : 0)
        , t(cs.op == Op::kSpgExcite ? cs.count() * cs.elemBytes() : 0)
        , y(cs.outCount() * cs.elemBytes())
        , ws(cs.op == Op::kAvgPool ? ap::workspaceBytes(cs.planes(), cs.h, cs.w, cs.kw) : 0)
        , wsBytes(cs.op == Op::kAvgPool ? ap::workspaceBytes(cs.planes(), cs.h, cs.w, cs.kw) : 0)
    {
    }

    // What the plugin's enqueue does.
    cudaError_t launch(cudaStream_t stream) const
    {
        ElementType const type = c.fp16 ? ElementType::kFLOAT16 : ElementType::kFLOAT32;
        if (c.op == Op::kSpgExcite)
        {
            return segtrt::plugin::launchSpgExcite(x.p, g.p, t.p, y.p, c.count(), type, stream);
        }
        return segtrt::plugin::launchAvgPoolInfer(
            x.p, y.p, ws.p, wsBytes, c.planes(), c.h, c.w, c.kh, c.kw, type, stream);
    }
};

// The naive pooling the summed windows are measured against: one thread
// per output, the whole window summed in float.
__global__ void naiveAvgPool(float const* x, float* y, int64_t planes, int64_t h, int64_t w, int64_t kh, int64_t kw)
{
    int64_t const oh = h - kh + 1, ow = w - kw + 1;
    int64_t const total = planes * oh * ow;
    for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < total; o += int64_t(gridDim.x) * blockDim.x)
    {
        int64_t const j = o % ow, i = (o / ow) % oh, p = o / (ow * oh);
        float const* plane = x + p * h * w;
        float s = 0;
        for (int64_t a = 0; a < kh; ++a)
        {
            for (int64_t b = 0; b < kw; ++b)
            {
                s += plane[(i + a) * w + j + b];
            }
        }
        y[o] = s / float(kh * kw);
    }
}

template <typename F>
double medianMs(int repeats, cudaStream_t stream, F launch)
{
    cudaEvent_t start, stop;
    CHECK_CUDA(cudaEventCreate(&start));
    CHECK_CUDA(cudaEventCreate(&stop));
    for (int i = 0; i < 10; ++i)
    {
        launch();
    }
    CHECK_CUDA(cudaStreamSynchronize(stream));
    std::vector<float> ms(repeats);
    for (int i = 0; i < repeats; ++i)
    {
        CHECK_CUDA(cudaEventRecord(start, stream));
        launch();
        CHECK_CUDA(cudaEventRecord(stop, stream));
        CHECK_CUDA(cudaEventSynchronize(stop));
        CHECK_CUDA(cudaEventElapsedTime(&ms[i], start, stop));
    }
    CHECK_CUDA(cudaEventDestroy(start));
    CHECK_CUDA(cudaEventDestroy(stop));
    std::sort(ms.begin(), ms.end());
    return ms[repeats / 2];
}

struct Result
{
    Case c;
    Errors err;
    bool graphSame = false;
    bool identical = false; // bit for bit equal to the twin
    double ms = 0, gbps = 0;
};

// The FP32 twin's outputs at the indexes compared (for a large AvgPoolInfer,
// whole planes: first, middle, last).
void reference(Case const& c, std::vector<float> const& x, std::vector<float> const& g, std::vector<float> const& t,
    std::vector<int64_t>& idx, std::vector<float>& want)
{
    if (c.op == Op::kSpgExcite)
    {
        idx = sampleIndexes(c.count(), c.large);
        want.resize(idx.size());
        for (size_t k = 0; k < idx.size(); ++k)
        {
            want[k] = spg::excite(x[idx[k]], g[idx[k]], t[idx[k]]);
        }
        return;
    }
    std::vector<int64_t> planes;
    for (int64_t p = 0; p < c.planes(); ++p)
    {
        if (!c.large || p == 0 || p == c.planes() / 2 || p == c.planes() - 1)
        {
            planes.push_back(p);
        }
    }
    int64_t const per = c.oh() * c.ow();
    std::vector<float> rowSums(ap::rowSumElements(c.h, c.w, c.kw)), y(per);
    for (int64_t p : planes)
    {
        ap::avgPoolHost(x.data() + p * c.h * c.w, y.data(), rowSums.data(), 1, c.h, c.w, c.kh, c.kw);
        for (int64_t i = 0; i < per; ++i)
        {
            idx.push_back(p * per + i);
            want.push_back(y[i]);
        }
    }
}

Result run(Case const& c, cudaStream_t stream, int repeats)
{
    Result r{};
    r.c = c;
    std::vector<float> x, g, t;
    inputs(c, x, g, t);
    Tensors d(c);
    upload(x, c.fp16, d.x.p);
    if (c.op == Op::kSpgExcite)
    {
        upload(g, c.fp16, d.g.p);
        upload(t, c.fp16, d.t.p);
    }
    CHECK_CUDA(d.launch(stream));
    CHECK_CUDA(cudaStreamSynchronize(stream));
    std::vector<float> const got = download(d.y.p, c.outCount(), c.fp16);

    std::vector<int64_t> idx;
    std::vector<float> want;
    reference(c, x, g, t, idx, want);
    if (c.fp16)
    {
        r.err.atol = 1e-3;
        r.err.rtol = 1e-2;
    }
    else if (c.op == Op::kSpgExcite)
    {
        r.err.atol = 1e-5;
        r.err.rtol = 1e-5;
    }
    else
    {
        r.err.atol = avgPoolBoundUnits(c) * kU * *std::max_element(x.begin(), x.end());
    }
    r.identical = true;
    for (size_t k = 0; k < idx.size(); ++k)
    {
        float const w = c.fp16 ? segtrt::plugin::toFloat(segtrt::plugin::fromFloat<Half>(want[k])) : want[k];
        r.identical = r.identical && memcmp(&got[idx[k]], &w, 4) == 0;
        r.err.add(got[idx[k]], want[k]);
    }

    // The same launch captured into a graph and replayed, onto an output
    // first filled with NaNs.
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    CHECK_CUDA(d.launch(stream));
    CHECK_CUDA(cudaStreamEndCapture(stream, &graph));
    CHECK_CUDA(cudaGraphInstantiateWithFlags(&exec, graph, 0));
    CHECK_CUDA(cudaMemset(d.y.p, 0xff, c.outCount() * c.elemBytes()));
    CHECK_CUDA(cudaGraphLaunch(exec, stream));
    CHECK_CUDA(cudaStreamSynchronize(stream));
    r.graphSame = download(d.y.p, c.outCount(), c.fp16) == got;
    CHECK_CUDA(cudaGraphExecDestroy(exec));
    CHECK_CUDA(cudaGraphDestroy(graph));

    if (c.timed)
    {
        r.ms = medianMs(repeats, stream, [&] { CHECK_CUDA(d.launch(stream)); });
        // Bytes the op must move: SPGExcite reads three tensors and writes
        // one; AvgPoolInfer reads its input and writes its output (its
        // workspace traffic does not count).
        double const bytes = c.op == Op::kSpgExcite ? 4.0 * c.count() * c.elemBytes()
                                                    : double(c.count() + c.outCount()) * c.elemBytes();
        r.gbps = bytes / (r.ms * 1e-3) / 1e9;
    }
    return r;
}

double copyGBps(cudaStream_t stream, int repeats)
{
    size_t const bytes = size_t(1) << 30;
    DeviceBuffer a(bytes), b(bytes);
    CHECK_CUDA(cudaMemset(a.p, 1, bytes));
    double const ms = medianMs(repeats, stream,
        [&] { CHECK_CUDA(cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice, stream)); });
    return 2.0 * bytes / (ms * 1e-3) / 1e9; // read and write
}

struct NaivePool
{
    double ms = 0, gbps = 0, pluginMs = 0;
};

NaivePool naivePool(cudaStream_t stream, int repeats)
{
    Case const c{Op::kAvgPool, 1, 512, 64, 128, 24, 48, false, false, false, true};
    std::vector<float> x, g, t;
    inputs(c, x, g, t);
    Tensors d(c);
    upload(x, false, d.x.p);
    NaivePool n;
    n.ms = medianMs(repeats, stream, [&] {
        naiveAvgPool<<<1024, 256, 0, stream>>>(
            static_cast<float const*>(d.x.p), static_cast<float*>(d.y.p), c.planes(), c.h, c.w, c.kh, c.kw);
        CHECK_CUDA(cudaPeekAtLastError());
    });
    n.gbps = double(c.count() + c.outCount()) * 4 / (n.ms * 1e-3) / 1e9;
    n.pluginMs = medianMs(repeats, stream, [&] { CHECK_CUDA(d.launch(stream)); });
    return n;
}

std::string jsonEscape(std::string const& s)
{
    std::string o;
    for (char ch : s)
    {
        if (ch == '"' || ch == '\\')
        {
            o += '\\';
        }
        if (static_cast<unsigned char>(ch) >= 0x20)
        {
            o += ch;
        }
    }
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    bool small = false, probe = false;
    std::string json = "gpu-check.json", memcheck = "not run", racecheck = "not run";
    for (int i = 1; i < argc; ++i)
    {
        std::string const a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
            {
                fprintf(stderr, "gpu-check: %s needs a value\n", a.c_str());
                exit(2);
            }
            return argv[++i];
        };
        if (a == "--small")
            small = true;
        else if (a == "--probe")
            probe = true;
        else if (a == "--json")
            json = value();
        else if (a == "--memcheck")
            memcheck = value();
        else if (a == "--racecheck")
            racecheck = value();
        else
        {
            fprintf(stderr, "gpu-check: unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    int devices = 0;
    cudaError_t const err = cudaGetDeviceCount(&devices);
    if (probe)
    {
        if (err != cudaSuccess || devices == 0)
        {
            printf("no usable CUDA device (%s)\n", err != cudaSuccess ? cudaGetErrorString(err) : "none found");
            return 3;
        }
        return 0;
    }
    CHECK_CUDA(err);
    cudaDeviceProp prop;
    CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
    int driver = 0, runtime = 0;
    CHECK_CUDA(cudaDriverGetVersion(&driver));
    CHECK_CUDA(cudaRuntimeGetVersion(&runtime));
    cudaStream_t stream;
    CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    int const repeats = 100;

    std::vector<Result> results;
    for (Case const& c : allCases())
    {
        if (small && !c.small)
        {
            continue;
        }
        results.push_back(run(c, stream, repeats));
    }
    double copy = 0;
    NaivePool naive;
    if (!small)
    {
        copy = copyGBps(stream, 20);
        naive = naivePool(stream, repeats);
    }

    int failed = 0;
    printf("device %s (sm_%d%d), driver %d, runtime %d\n", prop.name, prop.major, prop.minor, driver, runtime);
    if (!small)
    {
        printf("device-to-device copy: %.0f GB/s\n", copy);
    }
    printf("%-46s %10s %10s %6s %6s %9s %8s %6s\n", "case", "max abs", "max rel", "ok", "graph", "ms", "GB/s", "share");
    for (Result const& r : results)
    {
        bool const ok = r.err.failed == 0 && r.graphSame;
        failed += !ok;
        printf("%-46s %10.3g %10.3g %6s %6s", r.c.name().c_str(), r.err.maxAbs, r.err.maxRel, r.err.failed == 0 ? "yes" : "NO",
            r.graphSame ? "same" : "DIFF");
        if (r.c.timed)
        {
            printf(" %9.4f %8.0f %5.0f%%", r.ms, r.gbps, 100 * r.gbps / copy);
        }
        printf("\n");
    }
    if (!small)
    {
        printf("naive direct-window pool, 1x512x64x128 k24x48 fp32: %.4f ms (%.0f GB/s); AvgPoolInfer %.4f ms: %.1fx\n",
            naive.ms, naive.gbps, naive.pluginMs, naive.ms / naive.pluginMs);
        printf("compute-sanitizer memcheck: %s; racecheck: %s\n", memcheck.c_str(), racecheck.c_str());
    }

    if (!json.empty() && !small)
    {
        std::string tmp = json + ".tmp";
        FILE* f = fopen(tmp.c_str(), "w");
        if (f == nullptr)
        {
            fprintf(stderr, "gpu-check: cannot write %s\n", tmp.c_str());
            return 2;
        }
        fprintf(f, "{\n  \"device\": \"%s\",\n  \"compute_capability\": \"%d.%d\",\n  \"driver_version\": %d,\n"
                   "  \"runtime_version\": %d,\n  \"copy_gbps\": %.1f,\n",
            jsonEscape(prop.name).c_str(), prop.major, prop.minor, driver, runtime, copy);
        fprintf(f, "  \"naive_pool\": {\"case\": \"AvgPoolInfer 1x512x64x128 k24x48 fp32\", \"ms\": %.5f, \"gbps\": %.1f, \"plugin_ms\": %.5f},\n",
            naive.ms, naive.gbps, naive.pluginMs);
        fprintf(f, "  \"sanitizer\": {\"memcheck\": \"%s\", \"racecheck\": \"%s\"},\n  \"cases\": [\n",
            jsonEscape(memcheck).c_str(), jsonEscape(racecheck).c_str());
        for (size_t i = 0; i < results.size(); ++i)
        {
            Result const& r = results[i];
            double const goal = r.c.op == Op::kSpgExcite ? 0.7 : 0.5;
            fprintf(f, "    {\"case\": \"%s\", \"max_abs\": %.6g, \"max_rel\": %.6g, \"atol\": %.6g, \"rtol\": %.6g, "
                       "\"compared\": %lld, \"within_tolerance\": %s, \"identical_to_twin\": %s, \"graph_replay_same\": %s",
                r.c.name().c_str(), r.err.maxAbs, r.err.maxRel, r.err.atol, r.err.rtol, (long long) r.err.compared,
                r.err.failed == 0 ? "true" : "false", r.identical ? "true" : "false", r.graphSame ? "true" : "false");
            if (r.c.timed)
            {
                fprintf(f, ", \"ms\": %.5f, \"gbps\": %.1f, \"share_of_copy\": %.3f, \"goal\": %.2f, \"goal_met\": %s", r.ms,
                    r.gbps, r.gbps / copy, goal, r.gbps / copy >= goal ? "true" : "false");
            }
            fprintf(f, "}%s\n", i + 1 < results.size() ? "," : "");
        }
        fprintf(f, "  ],\n  \"failed\": %d\n}\n", failed);
        if (fclose(f) != 0 || rename(tmp.c_str(), json.c_str()) != 0)
        {
            fprintf(stderr, "gpu-check: cannot write %s\n", json.c_str());
            return 2;
        }
    }
    CHECK_CUDA(cudaStreamDestroy(stream));
    return failed == 0 ? 0 : 1;
}
