# segtrt TensorRT plugins: make targets, for `include plugins/plugins.mk`
# from the top-level Makefile or for `make -f plugins/plugins.mk TARGET`
# from the repository root.
#
#   cuda-toolkit  installs nvcc (Debian's nvidia-cuda-toolkit 11.8, from
#                 contrib non-free) and g++-11 when missing (plugins/install-cuda-toolkit.sh)
#   kernels       compiles the .cu kernels with nvcc: SASS for $(CUDA_ARCHS), PTX for
#                 compute_$(CUDA_PTX_ARCH). Needs no TensorRT header.
#   trt-check     compile-only check of the plugin classes against the TensorRT headers in
#                 TENSORRT_INCLUDE and the CUDA runtime headers in CUDA_INCLUDE. Needs no nvcc.
#   plugins       builds $(PLUGINS_LIB) (kernels + plugin classes + registration).
#   plugins-smoke builds the library, then loads it the way TensorRT does and drives its creators and
#                 plugins through the TensorRT interfaces with fakes (no TensorRT library, no GPU).
#   plugins-clean removes what the targets above built.
#
# The CPU twins are a Go package (plugins/cputwin) and build with `go test ./...`.

PLUGINS_MK := $(lastword $(MAKEFILE_LIST))
PLUGINS_DIR := $(patsubst %/,%,$(dir $(PLUGINS_MK)))
# Included from another makefile, this file must not change its default goal.
plugins_saved_goal := $(.DEFAULT_GOAL)
PLUGINS_ROOT := $(abspath $(PLUGINS_DIR)/..)

NVCC ?= nvcc
# CUDA 11.8 accepts host compilers up to GCC 11; Debian 12's default is 12.
CUDA_HOSTCXX ?= g++-11
# The compiler trt-check uses (any C++17 compiler; no nvcc needed).
PLUGINS_CXX ?= $(CXX)
# Folder holding NvInferRuntime.h (TensorRT 10.x or 11.x).
TENSORRT_INCLUDE ?=
# Folder holding cuda_runtime_api.h; Debian's nvidia-cuda-dev puts it in /usr/include.
CUDA_INCLUDE ?= /usr/include
CUDA_ARCHS ?= 75 80 86 89 90
CUDA_PTX_ARCH ?= 90

PLUGINS_BUILD ?= $(PLUGINS_ROOT)/bin/plugins/trt$(call plugins_major,$(TENSORRT_INCLUDE))
# One library per TensorRT major (IPluginV3's vtables differ): the major is
# read from the headers' NvInferVersion.h.
plugins_major = $(shell awk '/^\#define (TRT_MAJOR_ENTERPRISE|NV_TENSORRT_MAJOR) [0-9]/ {print $$3; exit}' $(1)/NvInferVersion.h 2>/dev/null)
PLUGINS_LIB ?= $(PLUGINS_ROOT)/bin/libsegtrt_plugins_trt$(call plugins_major,$(TENSORRT_INCLUDE)).so

PLUGINS_CU := $(PLUGINS_DIR)/spgexcite/spgExciteKernel.cu $(PLUGINS_DIR)/avgpoolinfer/avgPoolInferKernel.cu
PLUGINS_CPP := $(PLUGINS_DIR)/common/pluginCommon.cpp $(PLUGINS_DIR)/spgexcite/spgExcitePlugin.cpp \
	$(PLUGINS_DIR)/avgpoolinfer/avgPoolInferPlugin.cpp $(PLUGINS_DIR)/registration.cpp
PLUGINS_HEADERS := $(wildcard $(PLUGINS_DIR)/common/*.h $(PLUGINS_DIR)/spgexcite/*.h $(PLUGINS_DIR)/avgpoolinfer/*.h)

PLUGINS_KERNEL_OBJS := $(patsubst $(PLUGINS_DIR)/%.cu,$(PLUGINS_BUILD)/%.cu.o,$(PLUGINS_CU))
PLUGINS_CPP_OBJS := $(patsubst $(PLUGINS_DIR)/%.cpp,$(PLUGINS_BUILD)/%.o,$(PLUGINS_CPP))

PLUGINS_GENCODE := $(foreach a,$(CUDA_ARCHS),-gencode arch=compute_$(a),code=sm_$(a)) \
	-gencode arch=compute_$(CUDA_PTX_ARCH),code=compute_$(CUDA_PTX_ARCH)
# No --use_fast_math: the kernels must round as the CPU twins do.
PLUGINS_NVCCFLAGS ?= -O3 -std=c++17 -ccbin $(CUDA_HOSTCXX) $(PLUGINS_GENCODE) \
	-Xcompiler -fPIC,-fvisibility=hidden,-Wall,-Wextra --Werror all-warnings
PLUGINS_CXXFLAGS ?= -O2 -std=c++17 -Wall -Wextra -Wpedantic -Werror
# -isystem keeps TensorRT's own deprecation warnings out of -Werror. Never
# -isystem /usr/include: it breaks libstdc++'s #include_next.
PLUGINS_CUDA_INC = $(if $(filter /usr/include /usr/include/,$(CUDA_INCLUDE)),,-isystem $(CUDA_INCLUDE))
PLUGINS_TRT_INC = -isystem $(TENSORRT_INCLUDE) $(PLUGINS_CUDA_INC)

PLUGINS_SMOKE := $(PLUGINS_BUILD)/pluginSmokeTest
# Which TensorRT headers (and host compiler) built the objects: rewritten only
# when that changes, so that switching TENSORRT_INCLUDE rebuilds.
PLUGINS_STAMP := $(PLUGINS_BUILD)/tensorrt-headers.txt

.PHONY: cuda-toolkit kernels plugins trt-check plugins-smoke plugins-clean plugins-need-nvcc plugins-need-trt plugins-force

cuda-toolkit:
	$(PLUGINS_DIR)/install-cuda-toolkit.sh

plugins-need-nvcc:
	@command -v $(NVCC) >/dev/null 2>&1 || { \
		echo "plugins: nvcc ($(NVCC)) not found. Install Debian's CUDA toolkit 11.8 and g++-11 with"; \
		echo "  make cuda-toolkit   (runs $(PLUGINS_DIR)/install-cuda-toolkit.sh: adds contrib non-free, apt-get install nvidia-cuda-toolkit g++-11)"; \
		echo "or set NVCC=/path/to/nvcc."; exit 1; } >&2
	@command -v $(CUDA_HOSTCXX) >/dev/null 2>&1 || { \
		echo "plugins: host compiler $(CUDA_HOSTCXX) not found (CUDA 11.8 needs GCC <= 11): apt-get install g++-11,"; \
		echo "or set CUDA_HOSTCXX to a compiler your nvcc accepts."; exit 1; } >&2

plugins-need-trt:
	@if [ -z "$(TENSORRT_INCLUDE)" ]; then \
		echo "plugins: TENSORRT_INCLUDE is not set. Point it at TensorRT's include folder (the one holding"; \
		echo "  NvInferRuntime.h), e.g. TENSORRT_INCLUDE=/usr/include/x86_64-linux-gnu for NVIDIA's Debian packages,"; \
		echo "  or the include/ of a TensorRT tarball or of a NVIDIA/TensorRT checkout (tag v10.16 or main)."; \
		exit 1; fi >&2
	@[ -f "$(TENSORRT_INCLUDE)/NvInferRuntime.h" ] || { \
		echo "plugins: $(TENSORRT_INCLUDE)/NvInferRuntime.h does not exist: TENSORRT_INCLUDE must be TensorRT's include folder."; \
		exit 1; } >&2
	@[ -f "$(TENSORRT_INCLUDE)/NvInferVersion.h" ] || { \
		echo "plugins: $(TENSORRT_INCLUDE)/NvInferVersion.h is missing: an incomplete TensorRT include folder."; \
		exit 1; } >&2
	@[ -f "$(CUDA_INCLUDE)/cuda_runtime_api.h" ] || { \
		echo "plugins: $(CUDA_INCLUDE)/cuda_runtime_api.h does not exist. TensorRT's headers include it:"; \
		echo "  apt-get install nvidia-cuda-dev (contrib non-free; puts it in /usr/include), or set CUDA_INCLUDE."; \
		exit 1; } >&2
	@printf 'plugins: TensorRT headers %s (%s)\n' "$(TENSORRT_INCLUDE)" \
		"$$(awk '/^#define TRT_(MAJOR|MINOR|PATCH)_ENTERPRISE/ {v = v (v == "" ? "" : ".") $$3} \
			/^#define NV_TENSORRT_(MAJOR|MINOR|PATCH) [0-9]/ {w = w (w == "" ? "" : ".") $$3} \
			END {print (v != "" ? v : w)}' "$(TENSORRT_INCLUDE)/NvInferVersion.h")"

kernels: plugins-need-nvcc $(PLUGINS_KERNEL_OBJS)
	@echo "kernels: $(notdir $(PLUGINS_KERNEL_OBJS)) in $(PLUGINS_BUILD): SASS $(addprefix sm_,$(CUDA_ARCHS)), PTX compute_$(CUDA_PTX_ARCH)"

$(PLUGINS_BUILD)/%.cu.o: $(PLUGINS_DIR)/%.cu $(PLUGINS_HEADERS) | plugins-need-nvcc
	@mkdir -p $(dir $@)
	$(NVCC) $(PLUGINS_NVCCFLAGS) -c $< -o $@

trt-check: plugins-need-trt
	@set -e; for f in $(PLUGINS_CPP); do \
		echo "$(PLUGINS_CXX) -fsyntax-only $$f"; \
		$(PLUGINS_CXX) $(PLUGINS_CXXFLAGS) -fsyntax-only $(PLUGINS_TRT_INC) $$f; \
	done
	@echo "trt-check: the plugin classes compile against $(TENSORRT_INCLUDE)"

$(PLUGINS_STAMP): plugins-force
	@mkdir -p $(dir $@)
	@echo '$(abspath $(TENSORRT_INCLUDE)) $(CUDA_HOSTCXX)' | cmp -s - $@ 2>/dev/null || echo '$(abspath $(TENSORRT_INCLUDE)) $(CUDA_HOSTCXX)' >$@

$(PLUGINS_BUILD)/%.o: $(PLUGINS_DIR)/%.cpp $(PLUGINS_HEADERS) $(PLUGINS_STAMP) | plugins-need-trt plugins-need-nvcc
	@mkdir -p $(dir $@)
	$(CUDA_HOSTCXX) $(PLUGINS_CXXFLAGS) -fPIC -fvisibility=hidden $(PLUGINS_TRT_INC) -c $< -o $@

# The library needs no TensorRT library to link: it only calls TensorRT
# through the interfaces TensorRT hands it. The CUDA runtime is linked
# statically (nvcc's default), so a runner needs only a driver for CUDA 11.8
# or newer. --no-undefined proves nothing else is missing.
$(PLUGINS_LIB): $(PLUGINS_KERNEL_OBJS) $(PLUGINS_CPP_OBJS)
	@mkdir -p $(dir $@)
	$(NVCC) -shared -ccbin $(CUDA_HOSTCXX) -Xlinker --no-undefined,-soname=$(notdir $(PLUGINS_LIB)) -o $@.tmp $^
	@nm -D --defined-only $@.tmp | grep -q ' T getCreators$$' || { echo "plugins: $@ does not export getCreators" >&2; exit 1; }
	@nm -D --defined-only $@.tmp | grep -q ' T setLoggerFinder$$' || { echo "plugins: $@ does not export setLoggerFinder" >&2; exit 1; }
	@mv $@.tmp $@

plugins: plugins-need-nvcc plugins-need-trt $(PLUGINS_LIB)
	@echo "plugins: built $(PLUGINS_LIB)"

$(PLUGINS_SMOKE): $(PLUGINS_DIR)/test/pluginSmokeTest.cpp $(PLUGINS_STAMP) | plugins-need-trt plugins-need-nvcc
	@mkdir -p $(dir $@)
	$(CUDA_HOSTCXX) $(PLUGINS_CXXFLAGS) $(PLUGINS_TRT_INC) -rdynamic $< -o $@ -ldl

plugins-smoke: plugins-need-nvcc plugins-need-trt $(PLUGINS_LIB) $(PLUGINS_SMOKE)
	$(PLUGINS_SMOKE) $(PLUGINS_LIB)

plugins-clean:
	rm -rf $(PLUGINS_BUILD) $(PLUGINS_LIB)

ifeq ($(firstword $(MAKEFILE_LIST)),$(PLUGINS_MK))
.DEFAULT_GOAL := kernels
else
.DEFAULT_GOAL := $(plugins_saved_goal)
endif
