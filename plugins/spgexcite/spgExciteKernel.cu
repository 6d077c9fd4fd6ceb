/*
 * SPGExcite v1 CUDA kernel: one thread per element, grid-stride, the
 * arithmetic from spgExciteMath.h.
 */
#include "spgExciteKernel.h"
#include "spgExciteMath.h"

namespace segtrt
{
namespace plugin
{
namespace
{

constexpr int32_t kThreads = 256;
constexpr int64_t kMaxBlocks = 65535;

// No __restrict__: y may alias an input.
template <typename T>
__global__ void spgExciteKernel(T const* x, T const* g, T const* t, T* y, int64_t count)
{
    int64_t const step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step)
    {
        y[i] = spgexcite::exciteElement(x[i], g[i], t[i]);
    }
}

template <typename T>
cudaError_t launch(void const* x, void const* g, void const* t, void* y, int64_t count, cudaStream_t stream)
{
    int64_t blocks = (count + kThreads - 1) / kThreads;
    blocks = blocks < kMaxBlocks ? blocks : kMaxBlocks;
    spgExciteKernel<T><<<static_cast<unsigned int>(blocks), kThreads, 0, stream>>>(
        static_cast<T const*>(x), static_cast<T const*>(g), static_cast<T const*>(t), static_cast<T*>(y), count);
    // Peek, not Get: cudaGetLastError would clear an error an earlier launch
    // on this thread left for its owner to see.
    return cudaPeekAtLastError();
}

} // namespace

cudaError_t launchSpgExcite(void const* x, void const* g, void const* t, void* y, int64_t count, ElementType type,
    cudaStream_t stream)
{
    if (count < 0 || (count > 0 && (x == nullptr || g == nullptr || t == nullptr || y == nullptr)))
    {
        return cudaErrorInvalidValue;
    }
    if (count == 0)
    {
        return cudaSuccess;
    }
    switch (type)
    {
    case ElementType::kFLOAT32: return launch<float>(x, g, t, y, count, stream);
    case ElementType::kFLOAT16: return launch<Half>(x, g, t, y, count, stream);
    }
    return cudaErrorInvalidValue;
}

} // namespace plugin
} // namespace segtrt
