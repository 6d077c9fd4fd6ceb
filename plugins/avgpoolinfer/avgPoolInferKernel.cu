/*
 * AvgPoolInfer v1 CUDA kernels: separable sliding-window sums that restart
 * every avgpool::kChunk outputs. Each thread runs avgpool::windowSumsChunk
 * (avgPoolInferMath.h) on one chunk of one line, the function the CPU twin
 * runs too, so the results match the twin's bits.
 *
 * 1. Horizontal pass: one thread per (plane, input row, chunk of output
 *    columns); window sums of kw inputs, as float, into the workspace
 *    (planes x h x ow floats).
 * 2. Vertical pass: one thread per (plane, chunk of output rows, column);
 *    window sums of kh workspace rows divided by kh * kw, rounded once to
 *    the output type. Neighbouring threads take neighbouring columns, so
 *    every load and store of a warp is coalesced.
 *
 * Grid-stride loops; every index and extent is int64.
 */
#include "avgPoolInferKernel.h"
#include "avgPoolInferMath.h"

namespace segtrt
{
namespace plugin
{
namespace
{

constexpr int32_t kThreads = 256;
constexpr int64_t kMaxBlocks = 65535;

unsigned int gridFor(int64_t work)
{
    int64_t const blocks = (work + kThreads - 1) / kThreads;
    return static_cast<unsigned int>(blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

// Work item = (line = plane * h + row, chunk of ow outputs).
template <typename T>
__global__ void rowSumsKernel(T const* __restrict__ x, float* __restrict__ rowSums, int64_t lines, int64_t w,
    int64_t ow, int64_t kw)
{
    int64_t const chunks = avgpool::chunkCount(ow);
    int64_t const items = lines * chunks;
    int64_t const step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t item = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; item < items; item += step)
    {
        int64_t const line = item / chunks;
        int64_t const chunk = item % chunks;
        avgpool::windowSumsChunk(x + line * w, rowSums + line * ow, 1, ow, kw, chunk * avgpool::kChunk, 1.0f);
    }
}

// Work item = (plane, chunk of oh outputs, column), column fastest.
template <typename T>
__global__ void columnSumsKernel(float const* __restrict__ rowSums, T* __restrict__ y, int64_t planes, int64_t h,
    int64_t oh, int64_t ow, int64_t kh, float area)
{
    int64_t const chunks = avgpool::chunkCount(oh);
    int64_t const perPlane = chunks * ow;
    int64_t const items = planes * perPlane;
    int64_t const step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t item = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; item < items; item += step)
    {
        int64_t const plane = item / perPlane;
        int64_t const rest = item % perPlane;
        int64_t const chunk = rest / ow;
        int64_t const column = rest % ow;
        avgpool::windowSumsChunk(rowSums + plane * h * ow + column, y + plane * oh * ow + column, ow, oh, kh,
            chunk * avgpool::kChunk, area);
    }
}

template <typename T>
cudaError_t launch(void const* x, void* y, float* rowSums, int64_t planes, int64_t h, int64_t w, int64_t kh,
    int64_t kw, cudaStream_t stream)
{
    int64_t const oh = h - kh + 1;
    int64_t const ow = w - kw + 1;
    int64_t const lines = planes * h;
    rowSumsKernel<T><<<gridFor(lines * avgpool::chunkCount(ow)), kThreads, 0, stream>>>(
        static_cast<T const*>(x), rowSums, lines, w, ow, kw);
    // Peek, not Get: cudaGetLastError would clear an error an earlier launch
    // on this thread left for its owner to see.
    cudaError_t const err = cudaPeekAtLastError();
    if (err != cudaSuccess)
    {
        return err;
    }
    columnSumsKernel<T><<<gridFor(planes * avgpool::chunkCount(oh) * ow), kThreads, 0, stream>>>(
        rowSums, static_cast<T*>(y), planes, h, oh, ow, kh, avgpool::windowArea(kh, kw));
    return cudaPeekAtLastError();
}

} // namespace

cudaError_t launchAvgPoolInfer(void const* x, void* y, void* workspace, size_t workspaceBytes, int64_t planes,
    int64_t h, int64_t w, int64_t kernelH, int64_t kernelW, ElementType type, cudaStream_t stream)
{
    if (planes < 0 || h < 1 || w < 1 || kernelH < 1 || kernelW < 1)
    {
        return cudaErrorInvalidValue;
    }
    if (planes == 0)
    {
        return cudaSuccess;
    }
    if (x == nullptr || y == nullptr || workspace == nullptr
        || workspaceBytes < avgpool::workspaceBytes(planes, h, w, kernelW))
    {
        return cudaErrorInvalidValue;
    }
    int64_t const kh = avgpool::clampKernel(kernelH, h);
    int64_t const kw = avgpool::clampKernel(kernelW, w);
    float* rowSums = static_cast<float*>(workspace);
    switch (type)
    {
    case ElementType::kFLOAT32: return launch<float>(x, y, rowSums, planes, h, w, kh, kw, stream);
    case ElementType::kFLOAT16: return launch<Half>(x, y, rowSums, planes, h, w, kh, kw, stream);
    }
    return cudaErrorInvalidValue;
}

} // namespace plugin
} // namespace segtrt
