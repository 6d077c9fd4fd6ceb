// builder.cpp: builder, ONNX parsing, builder configuration (flags,
// workspace, hardware compatibility, profiles, timing cache, calibration
// cache) and the build itself.
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "shim_internal.h"

using namespace segtrt;

namespace {

#if NV_TENSORRT_MAJOR < 11
// A calibrator that never calibrates: it hands TensorRT the scales of a
// cache segtrt calibrate wrote (the cache's algorithm line must match Base's
// algorithm, or TensorRT ignores the cache and fails to find batches).
template <typename Base>
class CacheOnlyCalibrator : public Base {
public:
	explicit CacheOnlyCalibrator(std::vector<char> cache) : cache_(std::move(cache)) {}
	int32_t getBatchSize() const noexcept override { return 1; }
	bool getBatch(void* /*bindings*/[], char const* /*names*/[], int32_t /*nb*/) noexcept override { return false; }
	void const* readCalibrationCache(std::size_t& length) noexcept override {
		length = cache_.size();
		return cache_.data();
	}
	void writeCalibrationCache(void const* /*ptr*/, std::size_t /*length*/) noexcept override {}

private:
	std::vector<char> cache_;
};
#endif

bool readFile(const char* path, std::vector<char>& out) {
	std::ifstream f(path, std::ios::binary);
	if (!f) {
		return false;
	}
	out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
	return !f.bad();
}

// appendf appends a formatted line to a bounded message.
__attribute__((format(printf, 2, 3))) void appendf(std::string& s, const char* format, ...) {
	char line[1024];
	va_list ap;
	va_start(ap, format);
	std::vsnprintf(line, sizeof line, format, ap);
	va_end(ap);
	s += line;
}

int toBlob(nvinfer1::IHostMemory* mem, segtrt_blob** out, const char* what, char* msg, size_t cap) {
	if (mem == nullptr) {
		return fail(msg, cap, SEGTRT_E_TENSORRT, "%s failed (see TensorRT's log)", what);
	}
	auto* b = new (std::nothrow) segtrt_blob;
	if (b == nullptr) {
		delete mem;
		return fail(msg, cap, SEGTRT_E_EXCEPTION, "out of host memory");
	}
	b->mem = mem;
	*out = b;
	return SEGTRT_OK;
}

}  // namespace

struct segtrt_config {
	nvinfer1::IBuilderConfig* config = nullptr;
	nvinfer1::ITimingCache* timingCache = nullptr;
#if NV_TENSORRT_MAJOR < 11
	std::unique_ptr<nvinfer1::IInt8Calibrator> calibrator;
#endif
	// The config refers to the cache and the calibrator: it goes first.
	~segtrt_config() {
		delete config;
		delete timingCache;
	}
};

extern "C" {

const void* segtrt_blob_data(const segtrt_blob* b) {
	if (b == nullptr) {
		return nullptr;
	}
	return b->mem != nullptr ? b->mem->data() : static_cast<const void*>(b->text.data());
}

size_t segtrt_blob_size(const segtrt_blob* b) {
	if (b == nullptr) {
		return 0;
	}
	return b->mem != nullptr ? b->mem->size() : b->text.size();
}

void segtrt_blob_destroy(segtrt_blob* b) { delete b; }

int segtrt_builder_create(segtrt_builder** out, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (int rc = needTensorRT(msg, cap)) {
			return rc;
		}
		if (out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_builder_create: NULL output");
		}
		*out = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		std::unique_ptr<segtrt_builder> b(new segtrt_builder);
		b->builder = static_cast<nvinfer1::IBuilder*>(api().createBuilder(&logger(), NV_TENSORRT_VERSION));
		if (b->builder == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "TensorRT could not create a builder (no usable GPU or CUDA driver? see TensorRT's log)");
		}
		*out = b.release();
		return SEGTRT_OK;
	});
}

void segtrt_builder_destroy(segtrt_builder* b) {
	if (b != nullptr) {
		useDeviceQuietly();
	}
	delete b;
}

int segtrt_builder_load_plugin(segtrt_builder* b, const char* path, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (b == nullptr || b->builder == nullptr || path == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_builder_load_plugin: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return loadPlugin(b->builder->getPluginRegistry(), path, msg, cap);
	});
}

int segtrt_builder_has_plugin_creator(segtrt_builder* b, const char* name, const char* version, const char* ns,
                                      int* found, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (b == nullptr || b->builder == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_builder_has_plugin_creator: NULL argument");
		}
		return hasCreator(b->builder->getPluginRegistry(), name, version, ns, found, msg, cap);
	});
}

int segtrt_network_parse(segtrt_builder* b, const char* path, int stronglyTyped, segtrt_network** out, char* msg,
                         size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (b == nullptr || b->builder == nullptr || path == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_network_parse: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		*out = nullptr;
		std::vector<char> data;
		if (!readFile(path, data)) {
			return fail(msg, cap, SEGTRT_E_IO, "%s: cannot read the ONNX file", path);
		}
		nvinfer1::NetworkDefinitionCreationFlags flags = 0;
#if NV_TENSORRT_MAJOR < 11
		if (stronglyTyped) {
			flags |= 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED);
		}
#else
		(void)stronglyTyped;  // TensorRT 11 networks are always strongly typed.
#endif
		std::unique_ptr<segtrt_network> n(new segtrt_network);
		n->network = b->builder->createNetworkV2(flags);
		if (n->network == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT could not create a network definition");
		}
		n->parser = static_cast<nvonnxparser::IParser*>(
		    api().createParser(n->network, &logger(), NV_ONNX_PARSER_VERSION));
		if (n->parser == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT could not create an ONNX parser");
		}
		if (!n->parser->parse(data.data(), data.size(), path)) {
			std::string all;
			const int count = n->parser->getNbErrors();
			for (int i = 0; i < count; i++) {
				const nvonnxparser::IParserError* e = n->parser->getError(i);
				if (e == nullptr) {
					continue;
				}
				const char* name = e->nodeName();
				const char* op = e->nodeOperator();
				if (e->node() >= 0) {
					appendf(all, "node %d '%s' (%s): %s\n", e->node(), name ? name : "", op ? op : "?",
					        e->desc() ? e->desc() : "");
				} else {
					appendf(all, "%s\n", e->desc() ? e->desc() : "");
				}
			}
			if (count == 0) {
				all = "the ONNX parser failed without saying why (see TensorRT's log)\n";
			}
			return fail(msg, cap, SEGTRT_E_PARSE, "%s", all.c_str());
		}
		*out = n.release();
		return SEGTRT_OK;
	});
}

void segtrt_network_destroy(segtrt_network* n) {
	if (n != nullptr) {
		useDeviceQuietly();
	}
	delete n;
}

int segtrt_network_num_io(const segtrt_network* n, int* count) {
	if (n == nullptr || n->network == nullptr || count == nullptr) {
		return SEGTRT_E_ARGUMENT;
	}
	*count = n->network->getNbInputs() + n->network->getNbOutputs();
	return SEGTRT_OK;
}

int segtrt_network_io(const segtrt_network* n, int index, segtrt_tensor_desc* desc, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (n == nullptr || n->network == nullptr || desc == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_network_io: NULL argument");
		}
		const int nin = n->network->getNbInputs();
		const int nout = n->network->getNbOutputs();
		if (index < 0 || index >= nin + nout) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "tensor index %d of %d", index, nin + nout);
		}
		nvinfer1::ITensor* t = index < nin ? n->network->getInput(index) : n->network->getOutput(index - nin);
		if (t == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "network tensor %d is missing", index);
		}
		describe(desc, t->getName(), index < nin, t->getType(), t->getDimensions());
		return SEGTRT_OK;
	});
}

int segtrt_network_num_layers(const segtrt_network* n, int* count) {
	if (n == nullptr || n->network == nullptr || count == nullptr) {
		return SEGTRT_E_ARGUMENT;
	}
	*count = n->network->getNbLayers();
	return SEGTRT_OK;
}

int segtrt_config_create(segtrt_builder* b, segtrt_config** out, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (b == nullptr || b->builder == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_create: NULL argument");
		}
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		*out = nullptr;
		std::unique_ptr<segtrt_config> c(new segtrt_config);
		c->config = b->builder->createBuilderConfig();
		if (c->config == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT could not create a builder config");
		}
		*out = c.release();
		return SEGTRT_OK;
	});
}

void segtrt_config_destroy(segtrt_config* c) {
	if (c != nullptr) {
		useDeviceQuietly();
	}
	delete c;
}

int segtrt_config_set_flag(segtrt_config* c, int flag, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_set_flag: NULL config");
		}
#if NV_TENSORRT_MAJOR < 11
		switch (flag) {
		case SEGTRT_FLAG_FP16: c->config->setFlag(nvinfer1::BuilderFlag::kFP16); return SEGTRT_OK;
		case SEGTRT_FLAG_INT8: c->config->setFlag(nvinfer1::BuilderFlag::kINT8); return SEGTRT_OK;
		}
		return fail(msg, cap, SEGTRT_E_ARGUMENT, "unknown builder flag %d", flag);
#else
		return fail(msg, cap, SEGTRT_E_UNSUPPORTED,
		            "TensorRT %d has no precision builder flags (flag %d): networks are strongly typed, so precision "
		            "comes from the ONNX model's types",
		            NV_TENSORRT_MAJOR, flag);
#endif
	});
}

int segtrt_config_set_workspace(segtrt_config* c, uint64_t bytes, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_set_workspace: NULL config");
		}
		c->config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, static_cast<std::size_t>(bytes));
		return SEGTRT_OK;
	});
}

int segtrt_config_set_hw_compat(segtrt_config* c, int level, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_set_hw_compat: NULL config");
		}
		nvinfer1::HardwareCompatibilityLevel l;
		switch (level) {
		case SEGTRT_HW_NONE: l = nvinfer1::HardwareCompatibilityLevel::kNONE; break;
		case SEGTRT_HW_AMPERE_PLUS: l = nvinfer1::HardwareCompatibilityLevel::kAMPERE_PLUS; break;
		case SEGTRT_HW_SAME_CC: l = nvinfer1::HardwareCompatibilityLevel::kSAME_COMPUTE_CAPABILITY; break;
		default: return fail(msg, cap, SEGTRT_E_ARGUMENT, "unknown hardware compatibility level %d", level);
		}
		c->config->setHardwareCompatibilityLevel(l);
		return SEGTRT_OK;
	});
}

int segtrt_config_set_detailed_profiling(segtrt_config* c, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_set_detailed_profiling: NULL config");
		}
		c->config->setProfilingVerbosity(nvinfer1::ProfilingVerbosity::kDETAILED);
		return SEGTRT_OK;
	});
}

int segtrt_config_add_profile(segtrt_builder* b, segtrt_config* c, int n, const char* const* names, const int* ranks,
                              const int64_t* mins, const int64_t* opts, const int64_t* maxs, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (b == nullptr || b->builder == nullptr || c == nullptr || c->config == nullptr || n < 0 ||
		    (n > 0 && (names == nullptr || ranks == nullptr || mins == nullptr || opts == nullptr || maxs == nullptr))) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_add_profile: bad argument");
		}
		// Owned by the builder.
		nvinfer1::IOptimizationProfile* p = b->builder->createOptimizationProfile();
		if (p == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT could not create an optimisation profile");
		}
		size_t off = 0;
		for (int i = 0; i < n; i++) {
			nvinfer1::Dims dmin, dopt, dmax;
			if (!toDims(mins + off, ranks[i], dmin) || !toDims(opts + off, ranks[i], dopt) ||
			    !toDims(maxs + off, ranks[i], dmax)) {
				return fail(msg, cap, SEGTRT_E_ARGUMENT, "input %s: rank %d is not 0..%d", names[i], ranks[i],
				            nvinfer1::Dims::MAX_DIMS);
			}
			off += static_cast<size_t>(ranks[i]);
			if (!p->setDimensions(names[i], nvinfer1::OptProfileSelector::kMIN, dmin) ||
			    !p->setDimensions(names[i], nvinfer1::OptProfileSelector::kOPT, dopt) ||
			    !p->setDimensions(names[i], nvinfer1::OptProfileSelector::kMAX, dmax)) {
				return fail(msg, cap, SEGTRT_E_TENSORRT,
				            "input %s: TensorRT refused the profile's shapes (see TensorRT's log)", names[i]);
			}
		}
		if (c->config->addOptimizationProfile(p) < 0) {
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "TensorRT refused the optimisation profile (does every dynamic input have shapes?)");
		}
		return SEGTRT_OK;
	});
}

int segtrt_config_set_timing_cache(segtrt_config* c, const void* data, size_t size, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_set_timing_cache: NULL config");
		}
		nvinfer1::ITimingCache* tc = c->config->createTimingCache(size > 0 ? data : nullptr, size);
		if (tc == nullptr) {
			return fail(msg, cap, SEGTRT_E_TENSORRT,
			            "TensorRT could not read the timing cache (made by another TensorRT version?)");
		}
		// ignoreMismatch=false: a cache from another device is refused
		// rather than silently used.
		if (!c->config->setTimingCache(*tc, false)) {
			delete tc;
			return fail(msg, cap, SEGTRT_E_TENSORRT, "TensorRT refused the timing cache (made on another device?)");
		}
		delete c->timingCache;
		c->timingCache = tc;
		return SEGTRT_OK;
	});
}

int segtrt_config_get_timing_cache(segtrt_config* c, segtrt_blob** out, char* msg, size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_get_timing_cache: NULL argument");
		}
		*out = nullptr;
		const nvinfer1::ITimingCache* tc = c->config->getTimingCache();
		if (tc == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "the config has no timing cache");
		}
		return toBlob(tc->serialize(), out, "serialising the timing cache", msg, cap);
	});
}

int segtrt_config_set_calibration_cache(segtrt_config* c, int algo, const void* data, size_t size, char* msg,
                                        size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (c == nullptr || c->config == nullptr || (size > 0 && data == nullptr)) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_config_set_calibration_cache: bad argument");
		}
#if NV_TENSORRT_MAJOR < 11
		std::vector<char> copy(static_cast<const char*>(data), static_cast<const char*>(data) + size);
		std::unique_ptr<nvinfer1::IInt8Calibrator> cal;
		switch (algo) {
		case SEGTRT_CALIB_ENTROPY2:
			cal.reset(new CacheOnlyCalibrator<nvinfer1::IInt8EntropyCalibrator2>(std::move(copy)));
			break;
		case SEGTRT_CALIB_MINMAX:
			cal.reset(new CacheOnlyCalibrator<nvinfer1::IInt8MinMaxCalibrator>(std::move(copy)));
			break;
		default: return fail(msg, cap, SEGTRT_E_ARGUMENT, "unknown calibrator %d", algo);
		}
		c->config->setInt8Calibrator(cal.get());
		c->calibrator = std::move(cal);
		return SEGTRT_OK;
#else
		(void)algo;
		return fail(msg, cap, SEGTRT_E_UNSUPPORTED,
		            "TensorRT %d has no implicit INT8 calibration: build from a Q/DQ model (segtrt calibrate --out)",
		            NV_TENSORRT_MAJOR);
#endif
	});
}

int segtrt_builder_build(segtrt_builder* b, segtrt_network* n, segtrt_config* c, segtrt_blob** out, char* msg,
                         size_t cap) {
	return guard(msg, cap, [&]() -> int {
		if (b == nullptr || b->builder == nullptr || n == nullptr || n->network == nullptr || c == nullptr ||
		    c->config == nullptr || out == nullptr) {
			return fail(msg, cap, SEGTRT_E_ARGUMENT, "segtrt_builder_build: NULL argument");
		}
		*out = nullptr;
		if (int rc = useDevice(msg, cap)) {
			return rc;
		}
		return toBlob(b->builder->buildSerializedNetwork(*n->network, *c->config), out, "building the engine", msg,
		              cap);
	});
}

}  // extern "C"
