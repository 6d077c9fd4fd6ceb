// shim_internal.h: what the shim's .cpp files share. C++ only; needs
// TensorRT's headers (NvInfer.h, NvOnnxParser.h) and CUDA's
// cuda_runtime_api.h on the include path. Nothing here is linked against
// TensorRT or CUDA: every entry point into them is either a virtual call on
// an object TensorRT made, or a function pointer found with dlsym.
#ifndef SEGTRT_SHIM_INTERNAL_H
#define SEGTRT_SHIM_INTERNAL_H

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "segtrt_trt.h"

#if NV_TENSORRT_MAJOR < 10
#error "segtrt needs the TensorRT 10 (or newer) headers"
#endif

namespace segtrt {

// Writes a printf-style message into the caller's buffer and returns code.
__attribute__((format(printf, 4, 5))) inline int fail(char* msg, size_t cap, int code, const char* format, ...) {
	if (msg != nullptr && cap > 0) {
		va_list ap;
		va_start(ap, format);
		std::vsnprintf(msg, cap, format, ap);
		va_end(ap);
	}
	return code;
}

inline void clear(char* msg, size_t cap) {
	if (msg != nullptr && cap > 0) {
		msg[0] = '\0';
	}
}

// callTag is the tag of the call running on this thread: the address of its
// message buffer, unique among calls in flight. The logger stamps what
// TensorRT logs on this thread with it, so that Go hands each call its own
// messages (TensorRT's worker threads log untagged).
inline uint64_t& callTag() {
	static thread_local uint64_t tag = 0;
	return tag;
}

// TagScope tags the calling thread for one entry point.
class TagScope {
public:
	explicit TagScope(const char* msg) : saved_(callTag()) { callTag() = reinterpret_cast<uintptr_t>(msg); }
	~TagScope() { callTag() = saved_; }
	TagScope(const TagScope&) = delete;
	TagScope& operator=(const TagScope&) = delete;

private:
	uint64_t saved_;
};

// guard runs body, turning any exception into SEGTRT_E_EXCEPTION: nothing
// may unwind into Go. It tags the thread with the call (callTag).
template <typename F>
int guard(char* msg, size_t cap, F&& body) noexcept {
	TagScope tag(msg);
	clear(msg, cap);
	try {
		return body();
	} catch (const std::bad_alloc&) {
		return fail(msg, cap, SEGTRT_E_EXCEPTION, "out of host memory");
	} catch (const std::exception& e) {
		return fail(msg, cap, SEGTRT_E_EXCEPTION, "C++ exception: %s", e.what());
	} catch (...) {
		return fail(msg, cap, SEGTRT_E_EXCEPTION, "unknown C++ exception");
	}
}

// The C entry points of TensorRT and the CUDA runtime, found with dlsym.
// The types come from the headers (decltype of an unevaluated expression),
// so a mismatch is a compile error, and nothing is linked.
struct Api {
	bool trtLoaded = false;
	bool cudaLoaded = false;
	bool stdPlugins = false;
	void* nvinfer = nullptr;
	void* parser = nullptr;
	void* plugin = nullptr;
	void* cudart = nullptr;

	decltype(&createInferBuilder_INTERNAL) createBuilder = nullptr;
	decltype(&createInferRuntime_INTERNAL) createRuntime = nullptr;
	decltype(&getInferLibVersion) libVersion = nullptr;
	decltype(&createNvOnnxParser_INTERNAL) createParser = nullptr;
	decltype(&getNvOnnxParserVersion) parserVersion = nullptr;

	decltype(&cudaGetErrorString) getErrorString = nullptr;
	decltype(&cudaRuntimeGetVersion) runtimeGetVersion = nullptr;
	decltype(&cudaDriverGetVersion) driverGetVersion = nullptr;
	decltype(&cudaGetDeviceCount) getDeviceCount = nullptr;
	decltype(&cudaSetDevice) setDevice = nullptr;
	decltype(&cudaDeviceGetAttribute) deviceGetAttribute = nullptr;
	decltype(&cudaMalloc) malloc = nullptr;
	decltype(&cudaFree) free = nullptr;
	decltype(&cudaMallocHost) mallocHost = nullptr;
	decltype(&cudaFreeHost) freeHost = nullptr;
	decltype(&cudaMemcpyAsync) memcpyAsync = nullptr;
	decltype(&cudaStreamCreateWithFlags) streamCreateWithFlags = nullptr;
	decltype(&cudaStreamDestroy) streamDestroy = nullptr;
	decltype(&cudaStreamSynchronize) streamSynchronize = nullptr;
	decltype(&cudaEventCreate) eventCreate = nullptr;
	decltype(&cudaEventDestroy) eventDestroy = nullptr;
	decltype(&cudaEventRecord) eventRecord = nullptr;
	decltype(&cudaEventSynchronize) eventSynchronize = nullptr;
	decltype(&cudaEventElapsedTime) eventElapsedTime = nullptr;
	decltype(&cudaStreamBeginCapture) streamBeginCapture = nullptr;
	decltype(&cudaStreamEndCapture) streamEndCapture = nullptr;
	decltype(&cudaGraphInstantiateWithFlags) graphInstantiateWithFlags = nullptr;
	decltype(&cudaGraphLaunch) graphLaunch = nullptr;
	decltype(&cudaGraphDestroy) graphDestroy = nullptr;
	decltype(&cudaGraphExecDestroy) graphExecDestroy = nullptr;
};

Api& api();

// The device every CUDA call of the shim runs on (segtrt_cuda_set_device).
int currentDevice();
void setCurrentDevice(int dev);

// The logger handed to TensorRT: copies messages into the ring.
nvinfer1::ILogger& logger();

// needTensorRT / needCuda fail with SEGTRT_E_NOT_LOADED before loading.
inline int needTensorRT(char* msg, size_t cap) {
	if (!api().trtLoaded) {
		return fail(msg, cap, SEGTRT_E_NOT_LOADED, "TensorRT is not loaded (segtrt_load_tensorrt)");
	}
	return SEGTRT_OK;
}

inline int needCuda(char* msg, size_t cap) {
	if (!api().cudaLoaded) {
		return fail(msg, cap, SEGTRT_E_NOT_LOADED, "the CUDA runtime is not loaded (segtrt_load_cudart)");
	}
	return SEGTRT_OK;
}

// cudaCheck turns a CUDA error into SEGTRT_E_CUDA naming the call.
inline int cudaCheck(cudaError_t err, const char* what, char* msg, size_t cap) {
	if (err == cudaSuccess) {
		return SEGTRT_OK;
	}
	const char* s = api().getErrorString != nullptr ? api().getErrorString(err) : "unknown";
	return fail(msg, cap, SEGTRT_E_CUDA, "%s: CUDA error %d (%s)", what, static_cast<int>(err), s);
}

// useDevice makes the shim's device current on the calling thread, with
// its primary context: Go may run each call on a different OS thread, and
// CUDA's current device is per thread. cudaSetDevice alone does not make the
// primary context current under CUDA 11 (it does from 12), so TensorRT
// could find none, or GPU 0's; a no-op runtime call (cudaFree(nullptr))
// does, once per thread and device. Before the CUDA runtime is loaded there
// is nothing to select.
inline int useDevice(char* msg, size_t cap) {
	if (!api().cudaLoaded) {
		return SEGTRT_OK;
	}
	static thread_local int primed = -1;  // the device this thread made current, with its context
	const int dev = currentDevice();
	if (int rc = cudaCheck(api().setDevice(dev), "cudaSetDevice", msg, cap)) {
		primed = -1;
		return rc;
	}
	if (primed != dev) {
		if (int rc = cudaCheck(api().free(nullptr), "cudaFree(nullptr)", msg, cap)) {
			return rc;
		}
		primed = dev;
	}
	return SEGTRT_OK;
}

// useDeviceQuietly is useDevice for the destroy functions, which have no
// message buffer: freeing on the wrong device is worse than a lost error.
inline void useDeviceQuietly() {
	char ignored[8];
	useDevice(ignored, sizeof ignored);
}

// loadPlugin and hasCreator serve the builder's and the runtime's registry
// (one and the same, per process).
inline int loadPlugin(nvinfer1::IPluginRegistry& reg, const char* path, char* msg, size_t cap) {
	if (reg.loadLibrary(path) == nullptr) {
		return fail(msg, cap, SEGTRT_E_TENSORRT, "%s: TensorRT could not load the plugin library (see TensorRT's log)",
		            path);
	}
	return SEGTRT_OK;
}

inline int hasCreator(nvinfer1::IPluginRegistry& reg, const char* name, const char* version, const char* ns,
                      int* found, char* msg, size_t cap) {
	if (name == nullptr || version == nullptr || ns == nullptr || found == nullptr) {
		return fail(msg, cap, SEGTRT_E_ARGUMENT, "hasCreator: NULL argument");
	}
	*found = reg.getCreator(name, version, ns) != nullptr ? 1 : 0;
	return SEGTRT_OK;
}

// Copies a TensorRT tensor description into the C struct.
inline void describe(segtrt_tensor_desc* d, const char* name, bool isInput, nvinfer1::DataType dt,
                     const nvinfer1::Dims& dims) {
	std::memset(d, 0, sizeof *d);
	std::snprintf(d->name, sizeof d->name, "%s", name != nullptr ? name : "");
	d->is_input = isInput ? 1 : 0;
	d->dtype = static_cast<int>(dt);
	d->nb_dims = dims.nbDims < 0 ? -1 : (dims.nbDims > SEGTRT_MAX_DIMS ? SEGTRT_MAX_DIMS : dims.nbDims);
	for (int i = 0; i < d->nb_dims; i++) {
		d->dims[i] = dims.d[i];
	}
}

inline bool toDims(const int64_t* src, int n, nvinfer1::Dims& out) {
	if (n < 0 || n > nvinfer1::Dims::MAX_DIMS || (n > 0 && src == nullptr)) {
		return false;
	}
	out.nbDims = n;
	for (int i = 0; i < n; i++) {
		out.d[i] = src[i];
	}
	return true;
}

// A serialised buffer handed to Go: either TensorRT's IHostMemory or a
// string the shim made.
struct Blob {
	nvinfer1::IHostMemory* mem = nullptr;
	std::string text;
	~Blob() { delete mem; }
};

}  // namespace segtrt

// The opaque handle types of segtrt_trt.h.
struct segtrt_blob : segtrt::Blob {};

struct segtrt_builder {
	nvinfer1::IBuilder* builder = nullptr;
	~segtrt_builder() { delete builder; }
};

struct segtrt_network {
	// The parser owns the weights the network points at, so it goes last.
	nvonnxparser::IParser* parser = nullptr;
	nvinfer1::INetworkDefinition* network = nullptr;
	~segtrt_network() {
		delete network;
		delete parser;
	}
};

struct segtrt_runtime {
	nvinfer1::IRuntime* runtime = nullptr;
	~segtrt_runtime() { delete runtime; }
};

struct segtrt_engine {
	nvinfer1::ICudaEngine* engine = nullptr;
	~segtrt_engine() { delete engine; }
};

struct segtrt_context {
	nvinfer1::IExecutionContext* context = nullptr;
	~segtrt_context() { delete context; }
};

#endif  // SEGTRT_SHIM_INTERNAL_H
