// The CPU twins: the host path of the plugins' math headers, behind a C ABI
// for cgo. No TensorRT or CUDA header is involved.
#include "twin.h"

// The math headers come in through symlinks in this directory (to
// ../spgexcite, ../avgpoolinfer and ../common): the go command hashes the
// .h files of a package's own directory, and only those, so an edit to a
// plugin's math must show here or `go test` would reuse a stale build.
#include "avgPoolInferMath.h"
#include "spgExciteMath.h"

#include <new>
#include <vector>

using segtrt::plugin::Half;

namespace
{

static_assert(sizeof(Half) == sizeof(uint16_t), "Half must be a bare binary16");

// Go hands over uint16_t buffers; Half is a struct holding exactly one uint16_t.
Half const* asHalf(uint16_t const* p)
{
    return reinterpret_cast<Half const*>(p);
}

Half* asHalf(uint16_t* p)
{
    return reinterpret_cast<Half*>(p);
}

template <typename T>
int avgPool(T const* x, T* y, int64_t planes, int32_t h, int32_t w, int32_t kernelH, int32_t kernelW)
{
    namespace ap = segtrt::plugin::avgpool;
    if (planes < 0 || h < 1 || w < 1 || kernelH < 1 || kernelW < 1 || h == INT32_MAX || w == INT32_MAX)
    {
        return SEGTRT_TWIN_BAD_ARGUMENT;
    }
    try
    {
        std::vector<float> rowSums(static_cast<size_t>(ap::rowSumElements(h, w, kernelW)));
        ap::avgPoolHost(x, y, rowSums.data(), planes, h, w, kernelH, kernelW);
        return 0;
    }
    catch (std::bad_alloc const&)
    {
        return SEGTRT_TWIN_NO_MEMORY;
    }
}

} // namespace

extern "C" {

void segtrt_spg_excite_f32(const float* x, const float* g, const float* t, float* y, int64_t count)
{
    segtrt::plugin::spgexcite::exciteHost(x, g, t, y, count);
}

void segtrt_spg_excite_f16(const uint16_t* x, const uint16_t* g, const uint16_t* t, uint16_t* y, int64_t count)
{
    segtrt::plugin::spgexcite::exciteHost(asHalf(x), asHalf(g), asHalf(t), asHalf(y), count);
}

int32_t segtrt_avg_pool_output_extent(int32_t extent, int32_t kernel)
{
    return static_cast<int32_t>(segtrt::plugin::avgpool::outputExtent(extent, kernel));
}

int32_t segtrt_avg_pool_chunk(void)
{
    return static_cast<int32_t>(segtrt::plugin::avgpool::kChunk);
}

uint64_t segtrt_avg_pool_workspace_bytes(int64_t planes, int64_t h, int64_t w, int64_t kernel_w)
{
    return segtrt::plugin::avgpool::workspaceBytes(planes, h, w, kernel_w);
}

int segtrt_avg_pool_infer_f32(const float* x, float* y, int64_t planes, int32_t h, int32_t w, int32_t kernel_h, int32_t kernel_w)
{
    return avgPool(x, y, planes, h, w, kernel_h, kernel_w);
}

int segtrt_avg_pool_infer_f16(const uint16_t* x, uint16_t* y, int64_t planes, int32_t h, int32_t w, int32_t kernel_h, int32_t kernel_w)
{
    return avgPool(asHalf(x), asHalf(y), planes, h, w, kernel_h, kernel_w);
}

void segtrt_floats_to_halves(const float* in, uint16_t* out, int64_t count)
{
    for (int64_t i = 0; i < count; ++i)
    {
        out[i] = segtrt::plugin::floatToHalf(in[i]).bits;
    }
}

void segtrt_halves_to_floats(const uint16_t* in, float* out, int64_t count)
{
    for (int64_t i = 0; i < count; ++i)
    {
        out[i] = segtrt::plugin::halfToFloat(Half{in[i]});
    }
}

} // extern "C"
