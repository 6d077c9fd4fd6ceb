// runtime.cpp: runtime, engine (I/O tensors, profiles, inspector) and
// execution context (shapes, addresses, enqueue, CUDA graph capture).
#include <memory>

#include "shim_internal.h"

using namespace segtrt;

namespace {

bool ioIsInput(const nvinfer1::ICudaEngine* e, const char* name) {
	return e->getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT;
}

}  // namespace

extern "C" {

int segtrt_runtime_create(segtrt_runtime** out, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needTensorRT(msg, cap)) {
			return rc;
		}
		if (out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_runtime_create: NULL output");
		}
		*out = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		std::unique_ptr<segtrt_runtime> r(new segtrt_runtime);
		r->runtime = static_cast<nvinfer1::IRuntime*>(api().createRuntime(&logger(), NV_TENSORRT_VERSION));
		if (r->runtime == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT could not create a runtime (see TensorRT's log)");
		}
		*out = r.release();
		return SEGTRT_OK;
	});
}

void segtrt_runtime_destroy(segtrt_runtime* r) {
	if (r != nullptr) {
		useDeviceQuietly();
	}
	delete r;
}

int segtrt_runtime_load_plugin(segtrt_runtime* r, const char* path, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (r == nullptr || r->runtime == nullptr || path == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_runtime_load_plugin: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return loadPlugin(r->runtime->getPluginRegistry(), path, msg, cap);
	});
}

int segtrt_runtime_has_plugin_creator(segtrt_runtime* r, const char* name, const char* version, const char* ns,
                                      int* found, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (r == nullptr || r->runtime == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_runtime_has_plugin_creator: NULL argument");
		}
		return hasCreator(r->runtime->getPluginRegistry(), name, version, ns, found, msg, cap);
	});
}

int segtrt_engine_deserialize(segtrt_runtime* r, const void* data, size_t size, segtrt_engine** out, char* msg,
                              size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (r == nullptr || r->runtime == nullptr || data == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_engine_deserialize: NULL argument");
		}
		*out = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		std::unique_ptr<segtrt_engine> e(new segtrt_engine);
		// TensorRT copies what it needs: data may be freed after the call.
		e->engine = r->runtime->deserializeCudaEngine(data, size);
		if (e->engine == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "TensorRT could not deserialise the engine (another TensorRT version or GPU, or a plugin "
			            "library missing? see TensorRT's log)");
		}
		*out = e.release();
		return SEGTRT_OK;
	});
}

void segtrt_engine_destroy(segtrt_engine* e) {
	if (e != nullptr) {
		useDeviceQuietly();
	}
	delete e;
}

int segtrt_engine_num_io(const segtrt_engine* e, int* count) {
	if (e == nullptr || e->engine == nullptr || count == nullptr) {
		return SEGTRT_E_ARGUMENT;
	}
	*count = e->engine->getNbIOTensors();
	return SEGTRT_OK;
}

int segtrt_engine_io(const segtrt_engine* e, int index, segtrt_tensor_desc* desc, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (e == nullptr || e->engine == nullptr || desc == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_engine_io: NULL argument");
		}
		const int n = e->engine->getNbIOTensors();
		if (index < 0 || index >= n) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "tensor index %d of %d", index, n);
		}
		const char* name = e->engine->getIOTensorName(index);
		if (name == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "engine tensor %d has no name", index);
		}
		describe(desc, name, ioIsInput(e->engine, name), e->engine->getTensorDataType(name),
		         e->engine->getTensorShape(name));
		return SEGTRT_OK;
	});
}

int segtrt_engine_num_layers(const segtrt_engine* e, int* count) {
	if (e == nullptr || e->engine == nullptr || count == nullptr) {
		return SEGTRT_E_ARGUMENT;
	}
	*count = e->engine->getNbLayers();
	return SEGTRT_OK;
}

int segtrt_engine_num_profiles(const segtrt_engine* e, int* count) {
	if (e == nullptr || e->engine == nullptr || count == nullptr) {
		return SEGTRT_E_ARGUMENT;
	}
	*count = e->engine->getNbOptimizationProfiles();
	return SEGTRT_OK;
}

int segtrt_engine_hw_compat(const segtrt_engine* e, int* level) {
	if (e == nullptr || e->engine == nullptr || level == nullptr) {
		return SEGTRT_E_ARGUMENT;
	}
	*level = static_cast<int>(e->engine->getHardwareCompatibilityLevel());
	return SEGTRT_OK;
}

int segtrt_engine_profile_shape(const segtrt_engine* e, const char* name, int profile, int which, int64_t* dims,
                                int* nbDims, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (e == nullptr || e->engine == nullptr || name == nullptr || dims == nullptr || nbDims == nullptr ||
		    which < 0 || which > 2) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_engine_profile_shape: bad argument");
		}
		const auto sel = which == 0 ? nvinfer1::OptProfileSelector::kMIN
		                            : (which == 1 ? nvinfer1::OptProfileSelector::kOPT : nvinfer1::OptProfileSelector::kMAX);
		const nvinfer1::Dims d = e->engine->getProfileShape(name, profile, sel);
		if (d.nbDims < 0) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "input %s has no shape in profile %d", name, profile);
		}
		*nbDims = d.nbDims > SEGTRT_MAX_DIMS ? SEGTRT_MAX_DIMS : d.nbDims;
		for (int i = 0; i < *nbDims; i++) {
			dims[i] = d.d[i];
		}
		return SEGTRT_OK;
	});
}

int segtrt_engine_layer_info(const segtrt_engine* e, segtrt_blob** out, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (e == nullptr || e->engine == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_engine_layer_info: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		*out = nullptr;
		std::unique_ptr<nvinfer1::IEngineInspector> inspector(e->engine->createEngineInspector());
		if (!inspector) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT could not create an engine inspector");
		}
		const char* info = inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kJSON);
		if (info == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "the engine inspector returned nothing");
		}
		std::unique_ptr<segtrt_blob> b(new segtrt_blob);
		b->text = info;  // copied: the inspector owns info
		*out = b.release();
		return SEGTRT_OK;
	});
}

int segtrt_context_create(segtrt_engine* e, segtrt_context** out, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (e == nullptr || e->engine == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_context_create: NULL argument");
		}
		*out = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		std::unique_ptr<segtrt_context> c(new segtrt_context);
		c->context = e->engine->createExecutionContext();
		if (c->context == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "TensorRT could not create an execution context (out of GPU memory? see TensorRT's log)");
		}
		*out = c.release();
		return SEGTRT_OK;
	});
}

void segtrt_context_destroy(segtrt_context* c) {
	if (c != nullptr) {
		useDeviceQuietly();
	}
	delete c;
}

int segtrt_context_set_input_shape(segtrt_context* c, const char* name, const int64_t* dims, int nbDims, char* msg,
                                   size_t cap) {
	return guard(msg, cap, [&]() -> int {
		nvinfer1::Dims d;
		if (c == nullptr || c->context == nullptr || name == nullptr || !toDims(dims, nbDims, d)) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_context_set_input_shape: bad argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		if (!c->context->setInputShape(name, d)) {
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "input %s: TensorRT refused the shape (outside the engine's profile? see TensorRT's log)",
			            name);
		}
		return SEGTRT_OK;
	});
}

int segtrt_context_tensor_shape(const segtrt_context* c, const char* name, int64_t* dims, int* nbDims, char* msg,
                                size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->context == nullptr || name == nullptr || dims == nullptr || nbDims == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_context_tensor_shape: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		const nvinfer1::Dims d = c->context->getTensorShape(name);
		if (d.nbDims < 0) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "tensor %s: no such tensor or shape not yet known", name);
		}
		*nbDims = d.nbDims > SEGTRT_MAX_DIMS ? SEGTRT_MAX_DIMS : d.nbDims;
		for (int i = 0; i < *nbDims; i++) {
			dims[i] = d.d[i];
		}
		return SEGTRT_OK;
	});
}

int segtrt_context_set_tensor_address(segtrt_context* c, const char* name, void* ptr, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->context == nullptr || name == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_context_set_tensor_address: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		if (!c->context->setTensorAddress(name, ptr)) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "tensor %s: TensorRT refused the address", name);
		}
		return SEGTRT_OK;
	});
}

int segtrt_context_enqueue(segtrt_context* c, void* stream, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->context == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_context_enqueue: NULL context");
		}
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		if (!c->context->enqueueV3(static_cast<cudaStream_t>(stream))) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "enqueueV3 failed (see TensorRT's log)");
		}
		return SEGTRT_OK;
	});
}

int segtrt_context_capture_graph(segtrt_context* c, void* stream, void** graphExec, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->context == nullptr || graphExec == nullptr || stream == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_context_capture_graph: bad argument");
		}
		*graphExec = nullptr;
		if (int rc = needCuda(msg, cap)) {
			return rc;
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		Api& a = api();
		auto s = static_cast<cudaStream_t>(stream);
		// Begin, enqueue and end in one call, hence on one OS thread, which
		// thread-local capture mode needs.
		if (int rc = cudaCheck(a.streamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture",
		                       msg, cap)) {
			return rc;
		}
		const bool enqueued = c->context->enqueueV3(s);
		cudaGraph_t graph = nullptr;
		const cudaError_t endErr = a.streamEndCapture(s, &graph);
		if (!enqueued) {
			if (graph != nullptr) {
				a.graphDestroy(graph);
			}
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "enqueueV3 failed during CUDA graph capture (the engine may not be capturable)");
		}
		if (int rc = cudaCheck(endErr, "cudaStreamEndCapture", msg, cap)) {
			return rc;
		}
		cudaGraphExec_t exec = nullptr;
		const cudaError_t instErr = a.graphInstantiateWithFlags(&exec, graph, 0);
		a.graphDestroy(graph);
		if (int rc = cudaCheck(instErr, "cudaGraphInstantiateWithFlags", msg, cap)) {
			return rc;
		}
		*graphExec = exec;
		return SEGTRT_OK;
	});
}

}  // extern "C"
