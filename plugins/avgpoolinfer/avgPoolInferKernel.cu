/*
 * AvgPoolInfer v1 CUDA kernels: a summed-area table per (n, c) plane in the
 * workspace, then every output in O(1). The arithmetic and its order are
 * those of avgPoolInferMath.h, so the results match the CPU twin's bits.
 *
 * 1. Row pass: one warp per 32 rows of a plane. Tiles of 32 x 32 inputs go
 *    through shared memory, so that loads and stores are coalesced while
 *    each lane still adds its own row's elements strictly left to right.
 * 2. Column pass: one thread per SAT column (satColumnPrefix), top to
 *    bottom; neighbouring threads touch neighbouring addresses.
 * 3. Outputs: one thread per output (windowAverage).
 */
#include "avgPoolInferKernel.h"
#include "avgPoolInferMath.h"

namespace segtrt
{
namespace plugin
{
namespace
{

constexpr int32_t kWarp = 32;
constexpr int32_t kWarpsPerBlock = 4;
constexpr int32_t kThreads = 256;
constexpr int64_t kMaxBlocks = 65535;

unsigned int gridFor(int64_t work, int64_t perBlock)
{
    int64_t blocks = (work + perBlock - 1) / perBlock;
    return static_cast<unsigned int>(blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

// Work item = (plane, band of 32 rows); one warp per item, grid-stride.
template <typename T>
__global__ void satRowKernel(T const* __restrict__ x, float* __restrict__ sat, int64_t planes, int32_t h, int32_t w)
{
    __shared__ float tiles[kWarpsPerBlock][kWarp][kWarp + 1]; // +1: the lane-per-row reads hit 32 banks
    int32_t const lane = threadIdx.x % kWarp;
    int32_t const warp = threadIdx.x / kWarp;
    float(*tile)[kWarp + 1] = tiles[warp];
    int64_t const bands = (h + kWarp - 1) / kWarp;
    int64_t const items = planes * bands;
    int64_t const stride = avgpool::satRowStride(w);
    int64_t const warpsInGrid = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
    for (int64_t item = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + warp; item < items; item += warpsInGrid)
    {
        int64_t const plane = item / bands;
        int32_t const row0 = static_cast<int32_t>(item % bands) * kWarp;
        T const* in = x + plane * h * static_cast<int64_t>(w);
        float* s = sat + plane * avgpool::satPlaneElements(h, w);
        int32_t const myRow = row0 + lane;
        if (myRow < h)
        {
            s[(myRow + 1) * stride] = 0.0f; // column 0
        }
        float acc = 0.0f;
        for (int32_t col0 = 0; col0 < w; col0 += kWarp)
        {
            int32_t const col = col0 + lane;
            for (int32_t r = 0; r < kWarp; ++r)
            {
                int32_t const row = row0 + r;
                tile[r][lane] = (row < h && col < w) ? toFloat(in[static_cast<int64_t>(row) * w + col]) : 0.0f;
            }
            __syncwarp();
            int32_t const cols = w - col0 < kWarp ? w - col0 : kWarp;
            for (int32_t c = 0; c < cols; ++c)
            {
                acc += tile[lane][c];
                tile[lane][c] = acc;
            }
            __syncwarp();
            for (int32_t r = 0; r < kWarp; ++r)
            {
                int32_t const row = row0 + r;
                if (row < h && col < w)
                {
                    s[(row + 1) * stride + col + 1] = tile[r][lane];
                }
            }
            __syncwarp();
        }
    }
}

// Work item = (plane, SAT column j in 0..w).
__global__ void satColumnKernel(float* __restrict__ sat, int64_t planes, int32_t h, int32_t w)
{
    int64_t const stride = avgpool::satRowStride(w);
    int64_t const items = planes * stride;
    int64_t const step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t item = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; item < items; item += step)
    {
        int64_t const plane = item / stride;
        int32_t const j = static_cast<int32_t>(item % stride);
        avgpool::satColumnPrefix(sat + plane * avgpool::satPlaneElements(h, w), stride, h, j);
    }
}

// Work item = one output element.
template <typename T>
__global__ void windowAverageKernel(float const* __restrict__ sat, T* __restrict__ y, int64_t planes, int32_t h,
    int32_t w, int32_t kh, int32_t kw)
{
    int32_t const oh = h - kh + 1;
    int32_t const ow = w - kw + 1;
    int64_t const perPlane = static_cast<int64_t>(oh) * ow;
    int64_t const items = planes * perPlane;
    int64_t const stride = avgpool::satRowStride(w);
    int64_t const step = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items; i += step)
    {
        int64_t const plane = i / perPlane;
        int64_t const rest = i % perPlane;
        int32_t const oy = static_cast<int32_t>(rest / ow);
        int32_t const ox = static_cast<int32_t>(rest % ow);
        float const* s = sat + plane * avgpool::satPlaneElements(h, w);
        y[i] = fromFloat<T>(avgpool::windowAverage(s, stride, oy, ox, kh, kw));
    }
}

template <typename T>
cudaError_t launch(void const* x, void* y, float* sat, int64_t planes, int32_t h, int32_t w, int32_t kh, int32_t kw,
    cudaStream_t stream)
{
    int64_t const bands = (h + kWarp - 1) / kWarp;
    satRowKernel<T><<<gridFor(planes * bands, kWarpsPerBlock), kWarpsPerBlock * kWarp, 0, stream>>>(
        static_cast<T const*>(x), sat, planes, h, w);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
    {
        return err;
    }
    satColumnKernel<<<gridFor(planes * avgpool::satRowStride(w), kThreads), kThreads, 0, stream>>>(sat, planes, h, w);
    err = cudaGetLastError();
    if (err != cudaSuccess)
    {
        return err;
    }
    int64_t const outputs = planes * (h - kh + 1) * static_cast<int64_t>(w - kw + 1);
    windowAverageKernel<T><<<gridFor(outputs, kThreads), kThreads, 0, stream>>>(
        sat, static_cast<T*>(y), planes, h, w, kh, kw);
    return cudaGetLastError();
}

} // namespace

cudaError_t launchAvgPoolInfer(void const* x, void* y, void* workspace, size_t workspaceBytes, int64_t planes,
    int32_t h, int32_t w, int32_t kernelH, int32_t kernelW, ElementType type, cudaStream_t stream)
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
        || workspaceBytes < avgpool::satWorkspaceBytes(planes, h, w))
    {
        return cudaErrorInvalidValue;
    }
    int32_t const kh = avgpool::clampKernel(kernelH, h);
    int32_t const kw = avgpool::clampKernel(kernelW, w);
    float* sat = static_cast<float*>(workspace);
    switch (type)
    {
    case ElementType::kFLOAT32: return launch<float>(x, y, sat, planes, h, w, kh, kw, stream);
    case ElementType::kFLOAT16: return launch<Half>(x, y, sat, planes, h, w, kh, kw, stream);
    }
    return cudaErrorInvalidValue;
}

} // namespace plugin
} // namespace segtrt
