// cuda.cpp: device and pinned host memory, streams, events and CUDA graphs
// through the CUDA runtime found by segtrt_load_cudart.
#include "shim_internal.h"

using namespace segtrt;

extern "C" {

int segtrt_cuda_device_count(int* count, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (count == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_device_count: NULL count");
		}
		*count = 0;
		return cudaCheck(api().getDeviceCount(count), "cudaGetDeviceCount", msg, cap);
	});
}

int segtrt_cuda_set_device(int dev, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = cudaCheck(api().setDevice(dev), "cudaSetDevice", msg, cap)) {
			return rc;
		}
		setCurrentDevice(dev);
		return useDevice(msg, cap);
	});
}

int segtrt_cuda_compute_capability(int dev, int* major, int* minor, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (major == nullptr || minor == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_compute_capability: NULL output");
		}
		if (int rc = cudaCheck(api().deviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, dev),
		                       "cudaDeviceGetAttribute(major)", msg, cap)) {
			return rc;
		}
		return cudaCheck(api().deviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, dev),
		                 "cudaDeviceGetAttribute(minor)", msg, cap);
	});
}

int segtrt_cuda_malloc(void** ptr, size_t bytes, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (ptr == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_malloc: NULL output");
		}
		*ptr = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().malloc(ptr, bytes), "cudaMalloc", msg, cap);
	});
}

void segtrt_cuda_free(void* ptr) {
	if (ptr != nullptr && api().cudaLoaded) {
		useDeviceQuietly();
		api().free(ptr);
	}
}

int segtrt_cuda_host_alloc(void** ptr, size_t bytes, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (ptr == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_host_alloc: NULL output");
		}
		*ptr = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().mallocHost(ptr, bytes), "cudaMallocHost", msg, cap);
	});
}

void segtrt_cuda_host_free(void* ptr) {
	if (ptr != nullptr && api().cudaLoaded) {
		useDeviceQuietly();
		api().freeHost(ptr);
	}
}

int segtrt_cuda_memcpy_async(void* dst, const void* src, size_t bytes, int kind, void* stream, char* msg,
                             size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		cudaMemcpyKind k;
		switch (kind) {
		case 1: k = cudaMemcpyHostToDevice; break;
		case 2: k = cudaMemcpyDeviceToHost; break;
		case 3: k = cudaMemcpyDeviceToDevice; break;
		default: return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_memcpy_async: unknown kind %d", kind);
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().memcpyAsync(dst, src, bytes, k, static_cast<cudaStream_t>(stream)),
		                 "cudaMemcpyAsync", msg, cap);
	});
}

int segtrt_cuda_stream_create(void** stream, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (stream == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_stream_create: NULL output");
		}
		*stream = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		cudaStream_t s = nullptr;
		// Non-blocking: the legacy default stream must not serialise with
		// this one, and CUDA graph capture refuses the legacy stream.
		if (int rc = cudaCheck(api().streamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags",
		                       msg, cap)) {
			return rc;
		}
		*stream = s;
		return SEGTRT_OK;
	});
}

void segtrt_cuda_stream_destroy(void* stream) {
	if (stream != nullptr && api().cudaLoaded) {
		useDeviceQuietly();
		api().streamDestroy(static_cast<cudaStream_t>(stream));
	}
}

int segtrt_cuda_stream_sync(void* stream, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().streamSynchronize(static_cast<cudaStream_t>(stream)), "cudaStreamSynchronize", msg,
		                 cap);
	});
}

int segtrt_cuda_event_create(void** event, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (event == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_event_create: NULL output");
		}
		*event = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		cudaEvent_t e = nullptr;
		if (int rc = cudaCheck(api().eventCreate(&e), "cudaEventCreate", msg, cap)) {
			return rc;
		}
		*event = e;
		return SEGTRT_OK;
	});
}

void segtrt_cuda_event_destroy(void* event) {
	if (event != nullptr && api().cudaLoaded) {
		useDeviceQuietly();
		api().eventDestroy(static_cast<cudaEvent_t>(event));
	}
}

int segtrt_cuda_event_record(void* event, void* stream, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().eventRecord(static_cast<cudaEvent_t>(event), static_cast<cudaStream_t>(stream)),
		                 "cudaEventRecord", msg, cap);
	});
}

int segtrt_cuda_event_sync(void* event, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().eventSynchronize(static_cast<cudaEvent_t>(event)), "cudaEventSynchronize", msg, cap);
	});
}

int segtrt_cuda_event_elapsed(void* start, void* end, float* ms, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		if (ms == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_cuda_event_elapsed: NULL output");
		}
		return cudaCheck(
		    api().eventElapsedTime(ms, static_cast<cudaEvent_t>(start), static_cast<cudaEvent_t>(end)),
		    "cudaEventElapsedTime", msg, cap);
	});
}

int segtrt_cuda_graph_launch(void* graphExec, void* stream, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return cudaCheck(api().graphLaunch(static_cast<cudaGraphExec_t>(graphExec), static_cast<cudaStream_t>(stream)),
		                 "cudaGraphLaunch", msg, cap);
	});
}

void segtrt_cuda_graph_destroy(void* graphExec) {
	if (graphExec != nullptr && api().cudaLoaded) {
		useDeviceQuietly();
		api().graphExecDestroy(static_cast<cudaGraphExec_t>(graphExec));
	}
}

}  // extern "C"
