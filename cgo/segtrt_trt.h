/*
 * segtrt_trt.h: the C ABI over TensorRT's C++ API that package trt calls.
 *
 * Rules every function follows (see README.md):
 *  - Objects are opaque handles; *_destroy accepts NULL and is the only way
 *    to free one.
 *  - Every function that can fail returns an int status (SEGTRT_OK or one of
 *    SEGTRT_E_*) and writes a NUL-terminated message into the caller's
 *    buffer (msg, msg_cap); nothing is thrown across this boundary.
 *  - No pointer handed in is kept after the call returns: data that must
 *    outlive a call (a calibration cache) is copied.
 *  - TensorRT and the CUDA runtime are opened with dlopen by
 *    segtrt_load_tensorrt / segtrt_load_cudart; until then every other call
 *    fails with SEGTRT_E_NOT_LOADED.
 *
 * This header needs neither TensorRT's nor CUDA's headers; only the .cpp
 * files that implement it do. They are built into one shared library per
 * TensorRT major version (libsegtrt_trt10.so, libsegtrt_trt11.so: make
 * native), which segtrt opens at run time.
 */
#ifndef SEGTRT_TRT_H
#define SEGTRT_TRT_H

#include <stddef.h>
#include <stdint.h>

#include "logring.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	SEGTRT_OK = 0,
	SEGTRT_E_NOT_LOADED = 1,  /* TensorRT or the CUDA runtime is not loaded */
	SEGTRT_E_LIBRARY = 2,     /* dlopen/dlsym failed or wrong library version */
	SEGTRT_E_ARGUMENT = 3,    /* bad argument (NULL handle, unknown name, bad dims) */
	SEGTRT_E_TENSORRT = 4,    /* a TensorRT call failed; see the logger ring too */
	SEGTRT_E_PARSE = 5,       /* the ONNX parser failed; msg lists its errors */
	SEGTRT_E_CUDA = 6,        /* a CUDA runtime call failed */
	SEGTRT_E_EXCEPTION = 7,   /* a C++ exception was caught */
	SEGTRT_E_UNSUPPORTED = 8, /* not available with these TensorRT headers */
	SEGTRT_E_IO = 9,          /* a file could not be read */
	SEGTRT_E_INSUFFICIENT_DRIVER = 10 /* a CUDA runtime newer than the driver */
};

/* Builder flags (our own numbering; mapped to nvinfer1::BuilderFlag). */
enum {
	SEGTRT_FLAG_FP16 = 1,
	SEGTRT_FLAG_INT8 = 2
};

/* Hardware compatibility levels (same values as TensorRT's enum). */
enum {
	SEGTRT_HW_NONE = 0,
	SEGTRT_HW_AMPERE_PLUS = 1,
	SEGTRT_HW_SAME_CC = 2
};

/* Calibrator classes a legacy calibration cache can be read through. */
enum {
	SEGTRT_CALIB_ENTROPY2 = 1,
	SEGTRT_CALIB_MINMAX = 2
};

/* Tensor data types (same values as nvinfer1::DataType). */
enum {
	SEGTRT_DT_FLOAT = 0,
	SEGTRT_DT_HALF = 1,
	SEGTRT_DT_INT8 = 2,
	SEGTRT_DT_INT32 = 3,
	SEGTRT_DT_BOOL = 4,
	SEGTRT_DT_UINT8 = 5,
	SEGTRT_DT_FP8 = 6,
	SEGTRT_DT_BF16 = 7,
	SEGTRT_DT_INT64 = 8
};

#define SEGTRT_MAX_DIMS 8

typedef struct segtrt_builder segtrt_builder;
typedef struct segtrt_network segtrt_network;
typedef struct segtrt_config segtrt_config;
typedef struct segtrt_blob segtrt_blob;
typedef struct segtrt_runtime segtrt_runtime;
typedef struct segtrt_engine segtrt_engine;
typedef struct segtrt_context segtrt_context;

/* One input or output tensor. */
typedef struct {
	char name[256];
	int is_input;
	int dtype;
	int nb_dims;
	int64_t dims[SEGTRT_MAX_DIMS];
} segtrt_tensor_desc;

/* The version of this C ABI. segtrt loads the shim at run time and refuses
 * one whose segtrt_shim_abi_version differs from the SEGTRT_SHIM_ABI it
 * was compiled with; bump it on any change to a signature or a struct. */
#define SEGTRT_SHIM_ABI 2

/* Package trt includes this header for its types only, and calls the
 * functions through a table it fills with dlsym (trt/shimtable.h). */
#ifndef SEGTRT_TRT_TYPES_ONLY

/* ---- loading (loader.cpp) ---- */

/* SEGTRT_SHIM_ABI as this shim was built. */
int32_t segtrt_shim_abi_version(void);

/* The NV_TENSORRT_VERSION of the headers this shim was compiled against. */
int32_t segtrt_header_version(void);

/* Opens libnvinfer and libnvonnxparser (required) and libnvinfer_plugin
 * (optional: NULL or "" skips it, a failure is reported in msg but is not an
 * error). The library's major version must equal the headers'. Calling it
 * again after a success is a no-op. */
int segtrt_load_tensorrt(const char* nvinfer, const char* parser, const char* plugin,
                         char* msg, size_t msg_cap);

/* Opens the CUDA runtime (libcudart.so.N) and asks it cudaGetDeviceCount:
 * SEGTRT_E_INSUFFICIENT_DRIVER (the library is closed again) when the
 * driver is older than the runtime, so the caller can try another. */
int segtrt_load_cudart(const char* path, char* msg, size_t msg_cap);

/* Versions of the loaded libraries (TensorRT as major*10000+minor*100+patch,
 * the parser's as getNvOnnxParserVersion returns it, CUDA as 1000*major +
 * 10*minor). Any pointer may be NULL. driver is 0 when no driver answers. */
int segtrt_versions(int32_t* trt, int32_t* parser, int* cuda_runtime, int* cuda_driver,
                    int* std_plugins_loaded, char* msg, size_t msg_cap);

/* The ring buffer TensorRT's log messages go to, and the least severe
 * level kept (0 internal error .. 4 verbose; default 2, warnings). */
segtrt_ring* segtrt_logger_ring(void);
void segtrt_logger_set_level(int severity);

/* ---- CUDA (cuda.cpp) ---- */

int segtrt_cuda_device_count(int* count, char* msg, size_t msg_cap);
/* Makes dev the device every later call of this shim uses. */
int segtrt_cuda_set_device(int dev, char* msg, size_t msg_cap);
int segtrt_cuda_compute_capability(int dev, int* major, int* minor, char* msg, size_t msg_cap);
int segtrt_cuda_malloc(void** ptr, size_t bytes, char* msg, size_t msg_cap);
void segtrt_cuda_free(void* ptr);
int segtrt_cuda_host_alloc(void** ptr, size_t bytes, char* msg, size_t msg_cap);
void segtrt_cuda_host_free(void* ptr);
/* kind: 1 host to device, 2 device to host, 3 device to device. */
int segtrt_cuda_memcpy_async(void* dst, const void* src, size_t bytes, int kind, void* stream,
                             char* msg, size_t msg_cap);
int segtrt_cuda_stream_create(void** stream, char* msg, size_t msg_cap);
void segtrt_cuda_stream_destroy(void* stream);
int segtrt_cuda_stream_sync(void* stream, char* msg, size_t msg_cap);
int segtrt_cuda_event_create(void** event, char* msg, size_t msg_cap);
void segtrt_cuda_event_destroy(void* event);
int segtrt_cuda_event_record(void* event, void* stream, char* msg, size_t msg_cap);
int segtrt_cuda_event_sync(void* event, char* msg, size_t msg_cap);
int segtrt_cuda_event_elapsed(void* start, void* end, float* ms, char* msg, size_t msg_cap);
int segtrt_cuda_graph_launch(void* graph_exec, void* stream, char* msg, size_t msg_cap);
void segtrt_cuda_graph_destroy(void* graph_exec);

/* ---- blobs (builder.cpp) ---- */

const void* segtrt_blob_data(const segtrt_blob* b);
size_t segtrt_blob_size(const segtrt_blob* b);
void segtrt_blob_destroy(segtrt_blob* b);

/* ---- building (builder.cpp) ---- */

int segtrt_builder_create(segtrt_builder** out, char* msg, size_t msg_cap);
void segtrt_builder_destroy(segtrt_builder* b);
/* Loads a plugin library into the builder's plugin registry. TensorRT's
 * registry is one per process and refuses a library any of whose plugins are
 * registered: package trt loads each library once (trt/pluginlibs.go). */
int segtrt_builder_load_plugin(segtrt_builder* b, const char* path, char* msg, size_t msg_cap);
/* *found = 1 if the registry has a creator of this name, version and
 * namespace, else 0. */
int segtrt_builder_has_plugin_creator(segtrt_builder* b, const char* name, const char* version, const char* ns,
                                      int* found, char* msg, size_t msg_cap);

/* Parses the ONNX file at path into a new network. strongly_typed asks for
 * a strongly typed network (TensorRT 10; TensorRT 11 networks always are).
 * On SEGTRT_E_PARSE, msg holds one line per parser error, each naming the
 * node ("node 12 'Conv_3' (Conv): ..."). */
int segtrt_network_parse(segtrt_builder* b, const char* path, int strongly_typed, segtrt_network** out,
                         char* msg, size_t msg_cap);
void segtrt_network_destroy(segtrt_network* n);
int segtrt_network_num_io(const segtrt_network* n, int* count);
int segtrt_network_io(const segtrt_network* n, int index, segtrt_tensor_desc* desc, char* msg, size_t msg_cap);
int segtrt_network_num_layers(const segtrt_network* n, int* count);

int segtrt_config_create(segtrt_builder* b, segtrt_config** out, char* msg, size_t msg_cap);
void segtrt_config_destroy(segtrt_config* c);
int segtrt_config_set_flag(segtrt_config* c, int flag, char* msg, size_t msg_cap);
int segtrt_config_set_workspace(segtrt_config* c, uint64_t bytes, char* msg, size_t msg_cap);
int segtrt_config_set_hw_compat(segtrt_config* c, int level, char* msg, size_t msg_cap);
/* Records detailed layer information, which the engine inspector reports. */
int segtrt_config_set_detailed_profiling(segtrt_config* c, char* msg, size_t msg_cap);
/* Adds one optimisation profile. names[i] has rank ranks[i]; mins, opts and
 * maxs hold the dims of every input one after another. */
int segtrt_config_add_profile(segtrt_builder* b, segtrt_config* c, int n, const char* const* names,
                              const int* ranks, const int64_t* mins, const int64_t* opts, const int64_t* maxs,
                              char* msg, size_t msg_cap);
/* Uses a timing cache made from data (size 0: a new, empty cache). */
int segtrt_config_set_timing_cache(segtrt_config* c, const void* data, size_t size, char* msg, size_t msg_cap);
int segtrt_config_get_timing_cache(segtrt_config* c, segtrt_blob** out, char* msg, size_t msg_cap);
/* Installs an implicit-quantisation calibrator that only reads this cache
 * (copied). TensorRT 10 only: SEGTRT_E_UNSUPPORTED with TensorRT 11 headers. */
int segtrt_config_set_calibration_cache(segtrt_config* c, int algo, const void* data, size_t size,
                                        char* msg, size_t msg_cap);
int segtrt_builder_build(segtrt_builder* b, segtrt_network* n, segtrt_config* c, segtrt_blob** out,
                         char* msg, size_t msg_cap);

/* ---- running (runtime.cpp) ---- */

int segtrt_runtime_create(segtrt_runtime** out, char* msg, size_t msg_cap);
void segtrt_runtime_destroy(segtrt_runtime* r);
int segtrt_runtime_load_plugin(segtrt_runtime* r, const char* path, char* msg, size_t msg_cap);
int segtrt_runtime_has_plugin_creator(segtrt_runtime* r, const char* name, const char* version, const char* ns,
                                      int* found, char* msg, size_t msg_cap);
int segtrt_engine_deserialize(segtrt_runtime* r, const void* data, size_t size, segtrt_engine** out,
                              char* msg, size_t msg_cap);
void segtrt_engine_destroy(segtrt_engine* e);
int segtrt_engine_num_io(const segtrt_engine* e, int* count);
int segtrt_engine_io(const segtrt_engine* e, int index, segtrt_tensor_desc* desc, char* msg, size_t msg_cap);
int segtrt_engine_num_layers(const segtrt_engine* e, int* count);
int segtrt_engine_num_profiles(const segtrt_engine* e, int* count);
int segtrt_engine_hw_compat(const segtrt_engine* e, int* level);
/* which: 0 min, 1 opt, 2 max. */
int segtrt_engine_profile_shape(const segtrt_engine* e, const char* name, int profile, int which, int64_t* dims,
                                int* nb_dims, char* msg, size_t msg_cap);
/* The engine inspector's JSON (detailed when built with detailed profiling). */
int segtrt_engine_layer_info(const segtrt_engine* e, segtrt_blob** out, char* msg, size_t msg_cap);

int segtrt_context_create(segtrt_engine* e, segtrt_context** out, char* msg, size_t msg_cap);
void segtrt_context_destroy(segtrt_context* c);
int segtrt_context_set_input_shape(segtrt_context* c, const char* name, const int64_t* dims, int nb_dims,
                                   char* msg, size_t msg_cap);
int segtrt_context_tensor_shape(const segtrt_context* c, const char* name, int64_t* dims, int* nb_dims,
                                char* msg, size_t msg_cap);
int segtrt_context_set_tensor_address(segtrt_context* c, const char* name, void* device_ptr, char* msg,
                                      size_t msg_cap);
int segtrt_context_enqueue(segtrt_context* c, void* stream, char* msg, size_t msg_cap);
/* Captures one enqueue on stream into a CUDA graph and instantiates it
 * (enqueue once before, so TensorRT's lazy set-up is not captured). */
int segtrt_context_capture_graph(segtrt_context* c, void* stream, void** graph_exec, char* msg, size_t msg_cap);

#endif /* SEGTRT_TRT_TYPES_ONLY */

#ifdef __cplusplus
}
#endif

#endif /* SEGTRT_TRT_H */
