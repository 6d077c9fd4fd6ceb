// loader.cpp: dlopen of TensorRT and the CUDA runtime, versions, and the
// logger that feeds the ring buffer.
#include <NvInferPlugin.h>
#include <dlfcn.h>

#include <mutex>

#include "shim_internal.h"

namespace segtrt {

namespace {

std::mutex loadMu;
int device = 0;
int logLevel = static_cast<int>(nvinfer1::ILogger::Severity::kWARNING);

class RingLogger : public nvinfer1::ILogger {
public:
	void log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept override {
		if (static_cast<int>(severity) <= __atomic_load_n(&logLevel, __ATOMIC_RELAXED)) {
			segtrt_ring_push(segtrt_logger_ring(), static_cast<int>(severity), callTag(), msg);
		}
	}
};

// sym finds name in lib, or says which library lacks it.
template <typename T>
bool sym(void* lib, const char* name, T& out, const char* libName, char* msg, size_t cap) {
	dlerror();
	out = reinterpret_cast<T>(dlsym(lib, name));
	if (out == nullptr) {
		const char* err = dlerror();
		fail(msg, cap, SEGTRT_E_LIBRARY, "%s has no symbol %s%s%s", libName, name, err ? ": " : "", err ? err : "");
		return false;
	}
	return true;
}

void* open(const char* path, int flags, char* msg, size_t cap) {
	dlerror();
	void* h = dlopen(path, flags);
	if (h == nullptr) {
		const char* err = dlerror();
		fail(msg, cap, SEGTRT_E_LIBRARY, "%s", err != nullptr ? err : path);
	}
	return h;
}

}  // namespace

Api& api() {
	static Api a;
	return a;
}

int currentDevice() { return __atomic_load_n(&device, __ATOMIC_RELAXED); }

void setCurrentDevice(int dev) { __atomic_store_n(&device, dev, __ATOMIC_RELAXED); }

nvinfer1::ILogger& logger() {
	static RingLogger l;
	return l;
}

}  // namespace segtrt

using namespace segtrt;

extern "C" {

segtrt_ring* segtrt_logger_ring(void) {
	// 512 messages of up to 1 KiB: a failed build logs a few dozen.
	static segtrt_ring* ring = segtrt_ring_new(512, 1024);
	return ring;
}

void segtrt_logger_set_level(int severity) { __atomic_store_n(&logLevel, severity, __ATOMIC_RELAXED); }

int32_t segtrt_shim_abi_version(void) { return SEGTRT_SHIM_ABI; }

int32_t segtrt_header_version(void) { return static_cast<int32_t>(NV_TENSORRT_VERSION); }

int segtrt_load_tensorrt(const char* nvinfer, const char* parser, const char* plugin, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		std::lock_guard<std::mutex> lock(loadMu);
		Api& a = api();
		if (a.trtLoaded) {
			return SEGTRT_OK;
		}
		if (nvinfer == nullptr || parser == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_load_tensorrt: NULL library path");
		}
		// GLOBAL: the parser and plugin libraries resolve nvinfer's symbols.
		void* inf = open(nvinfer, RTLD_NOW | RTLD_GLOBAL, msg, cap);
		if (inf == nullptr) {
			return SEGTRT_E_LIBRARY;
		}
		Api next = a;
		if (!sym(inf, "createInferBuilder_INTERNAL", next.createBuilder, nvinfer, msg, cap) ||
		    !sym(inf, "createInferRuntime_INTERNAL", next.createRuntime, nvinfer, msg, cap) ||
		    !sym(inf, "getInferLibVersion", next.libVersion, nvinfer, msg, cap)) {
			dlclose(inf);
			return SEGTRT_E_LIBRARY;
		}
		const int32_t have = next.libVersion();
		if (have / 10000 != NV_TENSORRT_MAJOR || have < NV_TENSORRT_VERSION) {
			dlclose(inf);
			return fail(msg, cap, SEGTRT_E_LIBRARY,
			            "%s is TensorRT %d.%d.%d, but this segtrt was compiled against the headers of TensorRT "
			            "%d.%d.%d: it needs the same major version, at least that minor version",
			            nvinfer, have / 10000, have / 100 % 100, have % 100, NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR,
			            NV_TENSORRT_PATCH);
		}
		void* par = open(parser, RTLD_NOW | RTLD_LOCAL, msg, cap);
		if (par == nullptr) {
			dlclose(inf);
			return SEGTRT_E_LIBRARY;
		}
		if (!sym(par, "createNvOnnxParser_INTERNAL", next.createParser, parser, msg, cap) ||
		    !sym(par, "getNvOnnxParserVersion", next.parserVersion, parser, msg, cap)) {
			dlclose(par);
			dlclose(inf);
			return SEGTRT_E_LIBRARY;
		}
		next.nvinfer = inf;
		next.parser = par;
		// TensorRT's own plugins are optional: segtrt's models need only
		// segtrt's plugin library. A failure is noted, not fatal.
		if (plugin != nullptr && plugin[0] != '\0') {
			char note[512];
			void* plg = open(plugin, RTLD_NOW | RTLD_LOCAL, note, sizeof note);
			decltype(&initLibNvInferPlugins) init = nullptr;
			if (plg != nullptr && sym(plg, "initLibNvInferPlugins", init, plugin, note, sizeof note) &&
			    init(&logger(), "")) {
				next.plugin = plg;
				next.stdPlugins = true;
			} else {
				if (plg != nullptr) {
					dlclose(plg);
				}
				std::string line = std::string("TensorRT's standard plugins not loaded: ") + note;
				segtrt_ring_push(segtrt_logger_ring(), static_cast<int>(nvinfer1::ILogger::Severity::kWARNING),
				                 callTag(), line.c_str());
			}
		}
		next.trtLoaded = true;
		a = next;
		return SEGTRT_OK;
	});
}

int segtrt_load_cudart(const char* path, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		std::lock_guard<std::mutex> lock(loadMu);
		Api& a = api();
		if (a.cudaLoaded) {
			return SEGTRT_OK;
		}
		if (path == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_load_cudart: NULL library path");
		}
		void* h = open(path, RTLD_NOW | RTLD_LOCAL, msg, cap);
		if (h == nullptr) {
			return SEGTRT_E_LIBRARY;
		}
		Api next = a;
		bool ok = sym(h, "cudaGetErrorString", next.getErrorString, path, msg, cap) &&
		          sym(h, "cudaRuntimeGetVersion", next.runtimeGetVersion, path, msg, cap) &&
		          sym(h, "cudaDriverGetVersion", next.driverGetVersion, path, msg, cap) &&
		          sym(h, "cudaGetDeviceCount", next.getDeviceCount, path, msg, cap) &&
		          sym(h, "cudaSetDevice", next.setDevice, path, msg, cap) &&
		          sym(h, "cudaDeviceGetAttribute", next.deviceGetAttribute, path, msg, cap) &&
		          sym(h, "cudaMalloc", next.malloc, path, msg, cap) && sym(h, "cudaFree", next.free, path, msg, cap) &&
		          sym(h, "cudaMallocHost", next.mallocHost, path, msg, cap) &&
		          sym(h, "cudaFreeHost", next.freeHost, path, msg, cap) &&
		          sym(h, "cudaMemcpyAsync", next.memcpyAsync, path, msg, cap) &&
		          sym(h, "cudaStreamCreateWithFlags", next.streamCreateWithFlags, path, msg, cap) &&
		          sym(h, "cudaStreamDestroy", next.streamDestroy, path, msg, cap) &&
		          sym(h, "cudaStreamSynchronize", next.streamSynchronize, path, msg, cap) &&
		          sym(h, "cudaEventCreate", next.eventCreate, path, msg, cap) &&
		          sym(h, "cudaEventDestroy", next.eventDestroy, path, msg, cap) &&
		          sym(h, "cudaEventRecord", next.eventRecord, path, msg, cap) &&
		          sym(h, "cudaEventSynchronize", next.eventSynchronize, path, msg, cap) &&
		          sym(h, "cudaEventElapsedTime", next.eventElapsedTime, path, msg, cap) &&
		          sym(h, "cudaStreamBeginCapture", next.streamBeginCapture, path, msg, cap) &&
		          sym(h, "cudaStreamEndCapture", next.streamEndCapture, path, msg, cap) &&
		          sym(h, "cudaGraphInstantiateWithFlags", next.graphInstantiateWithFlags, path, msg, cap) &&
		          sym(h, "cudaGraphLaunch", next.graphLaunch, path, msg, cap) &&
		          sym(h, "cudaGraphDestroy", next.graphDestroy, path, msg, cap) &&
		          sym(h, "cudaGraphExecDestroy", next.graphExecDestroy, path, msg, cap);
		if (!ok) {
			dlclose(h);
			return SEGTRT_E_LIBRARY;
		}
		// A runtime newer than the driver resolves every symbol and then fails
		// every call. One harmless call tells: refuse it so the caller tries
		// an older one. Versions are not compared, because minor-version
		// compatibility lets a 12.8 runtime run on a 12.4 driver. Other
		// answers (no device, say) are not the runtime's fault.
		int devices = 0;
		if (next.getDeviceCount(&devices) == cudaErrorInsufficientDriver) {
			int rt = 0, drv = 0;
			next.runtimeGetVersion(&rt);
			next.driverGetVersion(&drv);
			dlclose(h);
			return fail(msg, cap, SEGTRT_E_INSUFFICIENT_DRIVER,
			            "%s: CUDA runtime %d.%d needs a newer driver than the installed one (CUDA %d.%d): "
			            "cudaErrorInsufficientDriver",
			            path, rt / 1000, rt % 1000 / 10, drv / 1000, drv % 1000 / 10);
		}
		next.cudart = h;
		next.cudaLoaded = true;
		a = next;
		return SEGTRT_OK;
	});
}

int segtrt_versions(int32_t* trt, int32_t* parser, int* cudaRuntime, int* cudaDriver, int* stdPlugins, char* msg,
                    size_t cap) {
	return guard(msg, cap, [&]() -> int {
		Api& a = api();
		if (trt != nullptr) {
			*trt = a.trtLoaded ? a.libVersion() : 0;
		}
		if (parser != nullptr) {
			*parser = a.trtLoaded ? a.parserVersion() : 0;
		}
		if (stdPlugins != nullptr) {
			*stdPlugins = a.stdPlugins ? 1 : 0;
		}
		if (cudaRuntime != nullptr) {
			*cudaRuntime = 0;
			if (a.cudaLoaded && a.runtimeGetVersion(cudaRuntime) != cudaSuccess) {
				*cudaRuntime = 0;
			}
		}
		if (cudaDriver != nullptr) {
			*cudaDriver = 0;
			// 0 with cudaSuccess means no driver is installed.
			if (a.cudaLoaded && a.driverGetVersion(cudaDriver) != cudaSuccess) {
				*cudaDriver = 0;
			}
		}
		return SEGTRT_OK;
	});
}

}  // extern "C"
