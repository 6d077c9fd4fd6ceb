/*
 * segtrt plugins: what host and device code share.
 *
 * The math headers are compiled three ways: by nvcc for the kernels, by a
 * plain C++ compiler for the TensorRT plugin classes, and through cgo for the
 * CPU twins. SEGTRT_HD marks a function for both sides under nvcc and is
 * empty elsewhere, so none of those headers needs CUDA to be installed.
 */
#ifndef SEGTRT_PLUGINS_COMMON_HOST_DEVICE_H
#define SEGTRT_PLUGINS_COMMON_HOST_DEVICE_H

#if defined(__CUDACC__)
#define SEGTRT_HD __host__ __device__
#else
#define SEGTRT_HD
#endif

#include <stdint.h>

namespace segtrt
{
namespace plugin
{

//! Element type of a plugin's tensors, as the launchers see it. Kept apart
//! from nvinfer1::DataType so that the kernels need no TensorRT header.
enum class ElementType : int32_t
{
    kFLOAT32 = 0,
    kFLOAT16 = 1,
};

} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_COMMON_HOST_DEVICE_H
