/*
 * C entry points of the CPU twins (twin.cpp), for cgo. FP16 tensors are
 * IEEE binary16 bit patterns in uint16_t.
 */
#ifndef SEGTRT_PLUGINS_CPUTWIN_TWIN_H
#define SEGTRT_PLUGINS_CPUTWIN_TWIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y = x + sigmoid(g) * t over count elements. */
void segtrt_spg_excite_f32(const float* x, const float* g, const float* t, float* y, int64_t count);
void segtrt_spg_excite_f16(const uint16_t* x, const uint16_t* g, const uint16_t* t, uint16_t* y, int64_t count);

/* Output extent of AvgPoolInfer along an axis: extent - min(kernel, extent) + 1. */
int32_t segtrt_avg_pool_output_extent(int32_t extent, int32_t kernel);

/* AvgPoolInfer's restart period: outputs per chunk of sliding sums (B). */
int32_t segtrt_avg_pool_chunk(void);

/* AvgPoolInfer's device workspace, avgpool::workspaceBytes: planes * h *
 * (w - min(kernel_w, w) + 1) * 4 rounded up to 256. */
uint64_t segtrt_avg_pool_workspace_bytes(int64_t planes, int64_t h, int64_t w, int64_t kernel_w);

/* AvgPoolInfer over planes x h x w into planes x oh x ow. Returns 0, or
 * SEGTRT_TWIN_BAD_ARGUMENT, or SEGTRT_TWIN_NO_MEMORY. */
#define SEGTRT_TWIN_BAD_ARGUMENT 1
#define SEGTRT_TWIN_NO_MEMORY 2
int segtrt_avg_pool_infer_f32(const float* x, float* y, int64_t planes, int32_t h, int32_t w, int32_t kernel_h, int32_t kernel_w);
int segtrt_avg_pool_infer_f16(const uint16_t* x, uint16_t* y, int64_t planes, int32_t h, int32_t w, int32_t kernel_h, int32_t kernel_w);

/* The plugins' float <-> binary16 conversions (round to nearest even / exact). */
void segtrt_floats_to_halves(const float* in, uint16_t* out, int64_t count);
void segtrt_halves_to_floats(const uint16_t* in, float* out, int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* SEGTRT_PLUGINS_CPUTWIN_TWIN_H */
