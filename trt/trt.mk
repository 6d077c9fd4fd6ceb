# segtrt's TensorRT backend: make targets, for `include trt/trt.mk` from the
# top-level Makefile (after plugins/plugins.mk) or `make -f trt/trt.mk TARGET`
# from the repository root.
#
#   native        for each TensorRT header set found (TENSORRT_INCLUDE, one version's include
#                 folder; else every TENSORRT_HEADERS/<version>/ holding NvInfer.h), builds the shim
#                 bin/libsegtrt_trtN.so (cgo/, C ABI over TensorRT's C++ API; links nothing of
#                 NVIDIA's) and the plugin library bin/libsegtrt_plugins_trtN.so (needs nvcc: make
#                 cuda-toolkit). bin/segtrt loads them at run time. Without headers it says so and
#                 does nothing.
#   shim          one shim, for TENSORRT_INCLUDE (TRT_MAJOR read from its NvInferVersion.h).
#   trt-clean     removes what native built.

TRT_MK := $(lastword $(MAKEFILE_LIST))
TRT_DIR := $(patsubst %/,%,$(dir $(TRT_MK)))
trt_saved_goal := $(.DEFAULT_GOAL)
TRT_ROOT := $(abspath $(TRT_DIR)/..)

GO ?= go
# Folder holding NvInfer.h and NvOnnxParser.h (TensorRT 10.x or 11.x).
TENSORRT_INCLUDE ?=
# Folder of TensorRT header sets, one subfolder per version holding NvInfer.h
# (e.g. 10.16/, 11.1/): third_party/tensorrt-headers (git-ignored), else the
# workplace's shared copy next to the repository.
TENSORRT_HEADERS ?= $(firstword $(wildcard $(TRT_ROOT)/third_party/tensorrt-headers $(abspath $(TRT_ROOT)/../shared/third_party/tensorrt-headers)))
# Folder holding cuda_runtime_api.h; Debian's nvidia-cuda-dev puts it in /usr/include.
CUDA_INCLUDE ?= /usr/include
NVCC ?= nvcc
CUDA_HOSTCXX ?= g++-11
# -isystem keeps TensorRT's deprecation warnings quiet. Never -isystem
# /usr/include: it breaks libstdc++'s #include_next.
TRT_CUDA_INC = $(if $(filter /usr/include /usr/include/,$(CUDA_INCLUDE)),,-isystem $(abspath $(CUDA_INCLUDE)))
TRT_CGO_CPPFLAGS = -isystem $(abspath $(TENSORRT_INCLUDE)) $(TRT_CUDA_INC)

.PHONY: native shim trt-need-headers trt-clean

trt-need-headers:
	@if [ -z "$(TENSORRT_INCLUDE)" ]; then \
		echo "trt: TENSORRT_INCLUDE is not set. Point it at TensorRT's include folder (the one holding NvInfer.h),"; \
		echo "  e.g. /usr/include/x86_64-linux-gnu for NVIDIA's Debian packages, a tarball's include/, or"; \
		echo "  third_party/tensorrt-headers/10.16 (NVIDIA/TensorRT's include/ at tag v10.16; 11.1 for 11.x)."; \
		exit 1; fi >&2
	@for h in NvInfer.h NvOnnxParser.h NvInferPlugin.h NvInferVersion.h; do \
		[ -f "$(TENSORRT_INCLUDE)/$$h" ] || { echo "trt: $(TENSORRT_INCLUDE)/$$h does not exist: TENSORRT_INCLUDE must be TensorRT's include folder." >&2; exit 1; }; done
	@[ -f "$(CUDA_INCLUDE)/cuda_runtime_api.h" ] || { \
		echo "trt: $(CUDA_INCLUDE)/cuda_runtime_api.h does not exist. TensorRT's headers include it:" >&2; \
		echo "  apt-get install nvidia-cuda-dev (contrib non-free; puts it in /usr/include), or set CUDA_INCLUDE." >&2; exit 1; }
	@printf 'trt: TensorRT headers %s (%s), CUDA headers %s\n' "$(TENSORRT_INCLUDE)" \
		"$$(awk '/^#define TRT_(MAJOR|MINOR|PATCH)_ENTERPRISE/ {v = v (v == "" ? "" : ".") $$3} \
			/^#define NV_TENSORRT_(MAJOR|MINOR|PATCH) [0-9]/ {w = w (w == "" ? "" : ".") $$3} \
			END {print (v != "" ? v : w)}' "$(TENSORRT_INCLUDE)/NvInferVersion.h")" "$(CUDA_INCLUDE)"

# The major version of a header set: NV_TENSORRT_MAJOR, or the number it
# is defined from (TRT_MAJOR_ENTERPRISE in 10.x and 11.x).
trt_major = $(shell awk '/^\#define (TRT_MAJOR_ENTERPRISE|NV_TENSORRT_MAJOR) [0-9]/ {print $$3; exit}' $(1)/NvInferVersion.h 2>/dev/null)

TRT_MAJOR ?= $(call trt_major,$(TENSORRT_INCLUDE))
SHIM_BUILD := $(TRT_ROOT)/bin/shim
SHIM_LIB = $(TRT_ROOT)/bin/libsegtrt_trt$(TRT_MAJOR).so
SHIM_STAMP = $(SHIM_BUILD)/trt$(TRT_MAJOR).headers
SHIM_SRCS := $(addprefix $(TRT_ROOT)/cgo/,loader.cpp builder.cpp runtime.cpp cuda.cpp)
SHIM_DEPS := $(SHIM_SRCS) $(wildcard $(TRT_ROOT)/cgo/*.h) $(TRT_ROOT)/cgo/logring.c
SHIM_CXX ?= $(CXX)
SHIM_CXXFLAGS ?= -std=c++17 -O2 -Wall -Wextra -Wno-deprecated-declarations -fPIC

.PHONY: shim-force
$(SHIM_STAMP): shim-force
	@mkdir -p $(dir $@)
	@echo '$(abspath $(TENSORRT_INCLUDE)) $(CUDA_INCLUDE)' | cmp -s - $@ 2>/dev/null || echo '$(abspath $(TENSORRT_INCLUDE)) $(CUDA_INCLUDE)' >$@

# --no-undefined: everything of TensorRT and CUDA is reached through dlsym
# or virtual calls, so the shim links against nothing of NVIDIA's.
$(SHIM_LIB): $(SHIM_DEPS) $(SHIM_STAMP)
	@mkdir -p $(dir $@)
	$(SHIM_CXX) $(SHIM_CXXFLAGS) $(TRT_CGO_CPPFLAGS) -shared -Wl,--no-undefined,-soname,$(notdir $@) \
		-o $@.tmp $(SHIM_SRCS) -x c++ $(TRT_ROOT)/cgo/logring.c -ldl -lpthread
	@mv $@.tmp $@

shim: trt-need-headers $(SHIM_LIB)
	@echo "shim: built $(SHIM_LIB) against TensorRT $(TRT_MAJOR) headers"

# Header sets: TENSORRT_INCLUDE, else TENSORRT_HEADERS/*/ holding NvInfer.h.
native_sets = $(if $(TENSORRT_INCLUDE),$(TENSORRT_INCLUDE),$(patsubst %/,%,$(dir $(wildcard $(TENSORRT_HEADERS)/*/NvInfer.h))))

native:
	@set -e; sets="$(native_sets)"; \
	if [ -z "$$sets" ]; then \
		echo "native: SKIPPED: no TensorRT headers (set TENSORRT_INCLUDE to one version's include folder, or"; \
		echo "  TENSORRT_HEADERS to a folder of them, e.g. TENSORRT_HEADERS/10.16/NvInfer.h)"; exit 0; fi; \
	havenvcc=1; command -v $(NVCC) >/dev/null 2>&1 && command -v $(CUDA_HOSTCXX) >/dev/null 2>&1 || havenvcc=0; \
	for d in $$sets; do \
		major=$$(awk '/^#define (TRT_MAJOR_ENTERPRISE|NV_TENSORRT_MAJOR) [0-9]/ {print $$3; exit}' $$d/NvInferVersion.h); \
		$(MAKE) --no-print-directory -f $(TRT_MK) shim TENSORRT_INCLUDE=$$d TRT_MAJOR=$$major CUDA_INCLUDE=$(CUDA_INCLUDE); \
		if [ $$havenvcc = 1 ]; then \
			$(MAKE) --no-print-directory -f $(TRT_ROOT)/plugins/plugins.mk plugins TENSORRT_INCLUDE=$$d CUDA_INCLUDE=$(CUDA_INCLUDE) \
				PLUGINS_BUILD=$(TRT_ROOT)/bin/plugins/trt$$major PLUGINS_LIB=$(TRT_ROOT)/bin/libsegtrt_plugins_trt$$major.so; \
		else \
			echo "native: plugins SKIPPED for TensorRT $$major: no $(NVCC) or $(CUDA_HOSTCXX) (make cuda-toolkit)"; \
		fi; \
	done

trt-clean:
	rm -rf $(SHIM_BUILD) $(TRT_ROOT)/bin/libsegtrt_trt*.so $(TRT_ROOT)/bin/plugins $(TRT_ROOT)/bin/libsegtrt_plugins_trt*.so

ifeq ($(firstword $(MAKEFILE_LIST)),$(TRT_MK))
.DEFAULT_GOAL := native
else
.DEFAULT_GOAL := $(trt_saved_goal)
endif
