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
//! `workspace` holds the summed-area tables and must have at least
//! avgpool::satWorkspaceBytes(planes, h, w) bytes (avgPoolInferMath.h). Three
//! kernels are enqueued on `stream`: SAT rows, SAT columns, outputs. Returns
//! the first launch error, or cudaErrorInvalidValue for bad arguments.
cudaError_t launchAvgPoolInfer(void const* x, void* y, void* workspace, size_t workspaceBytes, int64_t planes,
    int32_t h, int32_t w, int32_t kernelH, int32_t kernelW, ElementType type, cudaStream_t stream);

} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_AVGPOOLINFER_KERNEL_H
