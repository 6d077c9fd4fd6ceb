/*
 * SPGExcite v1 CUDA launcher. No TensorRT header: the kernel builds anywhere
 * nvcc is (make kernels).
 */
#ifndef SEGTRT_PLUGINS_SPGEXCITE_KERNEL_H
#define SEGTRT_PLUGINS_SPGEXCITE_KERNEL_H

#include "../common/hostDevice.h"

#include <cuda_runtime_api.h>

namespace segtrt
{
namespace plugin
{

//! y = x + sigmoid(g) * t over `count` elements of linear, same-shaped
//! tensors of `type` on the device, enqueued on `stream`. y may alias x, g or
//! t. Returns cudaPeekAtLastError() after the launch (cudaSuccess when count
//! is 0); the kernel runs asynchronously.
cudaError_t launchSpgExcite(void const* x, void const* g, void const* t, void* y, int64_t count, ElementType type,
    cudaStream_t stream);

} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_SPGEXCITE_KERNEL_H
