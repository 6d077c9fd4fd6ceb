/*
 * AvgPoolInfer v1 CUDA launcher. No TensorRT header: the kernels build
 * anywhere nvcc is (make kernels).
 */
#ifndef SEGTRT_PLUGINS_AVGPOOLINFER_KERNEL_H
#define SEGTRT_PLUGINS_AVGPOOLINFER_KERNEL_H

#include "../common/hostDevice.h"

#include <cuda_runtime_api.h>
#include <stddef.h>

namespace segtrt
{
namespace plugin
{

//! Average pooling of `planes` linear planes of h x w elements of `type`
//! (NCHW with planes = N * C), stride 1, no padding, kernel kernelH x kernelW
//! clamped to h x w, into y of planes x (h - kh + 1) x (w - kw + 1).
//! `workspace` holds the horizontal window sums and must have at least
//! avgpool::workspaceBytes(planes, h, w, kernelW) bytes (avgPoolInferMath.h).
//! Two kernels are enqueued on `stream`: horizontal window sums, then
//! vertical window sums and the division. Returns cudaPeekAtLastError() after
//! the first launch that failed (or after the last one), or
//! cudaErrorInvalidValue for bad arguments. Extents are int64 throughout.
cudaError_t launchAvgPoolInfer(void const* x, void* y, void* workspace, size_t workspaceBytes, int64_t planes,
    int64_t h, int64_t w, int64_t kernelH, int64_t kernelW, ElementType type, cudaStream_t stream);

} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_AVGPOOLINFER_KERNEL_H
