# segtrt's TensorRT backend: make targets, for `include trt/trt.mk` from the
# top-level Makefile (after its variables: GO, LDFLAGS, BIN) or for
# `make -f trt/trt.mk TARGET` from the repository root.
#
#   trt           builds the tensorrt-tagged binary $(TRT_BIN) against the TensorRT headers in
#                 TENSORRT_INCLUDE and the CUDA runtime headers in CUDA_INCLUDE. Nothing is linked
#                 against TensorRT or CUDA: the binary dlopens them at run time and starts anywhere.
#   trt-check-go  compile check of the whole module with -tags tensorrt (go build + go vet) plus the
#                 tagged unit tests (no TensorRT library or GPU needed), against TENSORRT_INCLUDE.
#   trt-check-go-all  trt-check-go against every header set in TENSORRT_HEADERS (one folder per
#                 version, each holding NvInfer.h: TENSORRT_HEADERS/10.16, TENSORRT_HEADERS/11.1).
#   gpu-smoke     the one command for a GPU machine with TensorRT: FP16 and INT8 engines of the
#                 fixtures, validated with --backend trt against FP32, reports printed. It cannot
#                 run on a machine without an NVIDIA GPU and TensorRT (see trt/README.md).
#   trt-clean     removes what the targets above built.

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
TRT_BIN ?= bin/segtrt
TRT_VERSION ?= $(shell git -C $(TRT_ROOT) describe --always --dirty 2>/dev/null || echo dev)
TRT_LDFLAGS ?= -X main.version=$(TRT_VERSION)
# -isystem keeps TensorRT's deprecation warnings quiet. Never -isystem
# /usr/include: it breaks libstdc++'s #include_next.
TRT_CUDA_INC = $(if $(filter /usr/include /usr/include/,$(CUDA_INCLUDE)),,-isystem $(abspath $(CUDA_INCLUDE)))
TRT_CGO_CPPFLAGS = -isystem $(abspath $(TENSORRT_INCLUDE)) $(TRT_CUDA_INC)

# gpu-smoke inputs.
SMOKE_DIR ?= $(TRT_ROOT)/bin/gpu-smoke
SMOKE_MODELS ?= sgcpnet-256x512 spgnet-micro-256x512
SMOKE_FIXTURES ?= $(TRT_ROOT)/testdata/models
SMOKE_DATA ?= $(SMOKE_DIR)/data
SMOKE_TRAIN ?= 64
SMOKE_VAL ?= 32
SMOKE_TARGETS ?= $(TRT_DIR)/gpu-smoke-targets.yaml
SMOKE_PLUGIN_LIB ?= $(TRT_ROOT)/bin/libsegtrt_plugins.so

.PHONY: trt trt-need-headers trt-check-go trt-check-go-all gpu-smoke trt-clean

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

trt: trt-need-headers
	cd $(TRT_ROOT) && CGO_CPPFLAGS="$(TRT_CGO_CPPFLAGS)" $(GO) build -tags tensorrt -ldflags "$(TRT_LDFLAGS)" -o $(TRT_BIN) ./cmd/segtrt
	@echo "trt: built $(TRT_BIN) with TensorRT support (TensorRT and CUDA are loaded at run time; see segtrt doctor)"

trt-check-go: trt-need-headers
	cd $(TRT_ROOT) && CGO_CPPFLAGS="$(TRT_CGO_CPPFLAGS)" $(GO) build -tags tensorrt ./...
	cd $(TRT_ROOT) && CGO_CPPFLAGS="$(TRT_CGO_CPPFLAGS)" $(GO) vet -tags tensorrt ./trt/... ./doctor/... ./cmd/segtrt/
	cd $(TRT_ROOT) && CGO_CPPFLAGS="$(TRT_CGO_CPPFLAGS)" $(GO) test -tags tensorrt ./trt/... ./doctor/... ./cmd/segtrt/
	@echo "trt-check-go: the module builds, vets and passes its tagged tests against $(TENSORRT_INCLUDE)"

trt-check-go-all:
	@set -e; found=0; for d in $(TENSORRT_HEADERS)/*/; do \
		d=$${d%/}; [ -f "$$d/NvInfer.h" ] || continue; found=1; \
		$(MAKE) --no-print-directory -f $(TRT_MK) trt-check-go TENSORRT_INCLUDE=$$d CUDA_INCLUDE=$(CUDA_INCLUDE); \
	done; [ $$found = 1 ] || { echo "trt-check-go-all: no folder with NvInfer.h under TENSORRT_HEADERS=$(TENSORRT_HEADERS) (see trt/README.md)" >&2; exit 1; }

# One model's smoke: prepare, FP16 and INT8 engines, validation against
# FP32 (every report printed; exit 3 if any target is missed).
define smoke_rule
.PHONY: gpu-smoke-$(1)
gpu-smoke-$(1): gpu-smoke-prep
	@echo "== gpu-smoke: $(1)"
	$$(TRT_BIN) export --model $$(SMOKE_FIXTURES)/$(1).onnx --out $$(SMOKE_DIR)/$(1).trt.onnx --plugins spg,avgpool
	$$(TRT_BIN) export --model $$(SMOKE_DIR)/$(1).trt.onnx --out $$(SMOKE_DIR)/$(1).fp16.onnx --fp16
	$$(TRT_BIN) build --model $$(SMOKE_DIR)/$(1).fp16.onnx --out $$(SMOKE_DIR)/$(1).fp16.engine --precision fp16 \
		--plugin-lib $$(SMOKE_PLUGIN_LIB) --timing-cache $$(SMOKE_DIR)/timing.cache --force
	$$(TRT_BIN) calibrate --model $$(SMOKE_DIR)/$(1).trt.onnx --data $$(SMOKE_DATA) --split train --images $$(SMOKE_TRAIN) \
		--out $$(SMOKE_DIR)/$(1).int8.onnx --cache $$(SMOKE_DIR)/$(1).calib --report $$(SMOKE_DIR)/$(1).calib.json
	$$(TRT_BIN) build --model $$(SMOKE_DIR)/$(1).int8.onnx --out $$(SMOKE_DIR)/$(1).int8.engine --precision int8 \
		--plugin-lib $$(SMOKE_PLUGIN_LIB) --timing-cache $$(SMOKE_DIR)/timing.cache --force
	@failed=0; for p in fp16 int8; do \
		status=0; \
		$$(TRT_BIN) validate --model $$(SMOKE_DIR)/$(1).$$$$p.engine --backend trt --reference $$(SMOKE_FIXTURES)/$(1).onnx \
			--data $$(SMOKE_DATA) --split val --targets $$(SMOKE_TARGETS) --report $$(SMOKE_DIR)/report-$(1)-$$$$p || status=$$$$?; \
		echo "-- $(1) $$$$p: validate exit $$$$status"; \
		cat $$(SMOKE_DIR)/report-$(1)-$$$$p/report.md 2>/dev/null || true; \
		[ $$$$status = 0 ] || failed=$$$$status; \
	done; exit $$$$failed
endef
$(foreach m,$(SMOKE_MODELS),$(eval $(call smoke_rule,$(m))))

.PHONY: gpu-smoke-prep
gpu-smoke-prep: trt
	@[ -f $(SMOKE_PLUGIN_LIB) ] || { echo "gpu-smoke: $(SMOKE_PLUGIN_LIB) is missing: make plugins TENSORRT_INCLUDE=$(TENSORRT_INCLUDE)" >&2; exit 1; }
	@for m in $(SMOKE_MODELS); do [ -f $(SMOKE_FIXTURES)/$$m.onnx ] || { echo "gpu-smoke: fixture $(SMOKE_FIXTURES)/$$m.onnx is missing" >&2; exit 1; }; done
	$(TRT_BIN) doctor --plugin-lib $(SMOKE_PLUGIN_LIB)
	@mkdir -p $(SMOKE_DIR)
	rm -rf $(SMOKE_DATA)
	$(TRT_BIN) dataset synth --out $(SMOKE_DATA) --train $(SMOKE_TRAIN) --val $(SMOKE_VAL) --height 256 --width 512 --seed 0

# Models one after another: they share the GPU and the timing cache.
gpu-smoke: gpu-smoke-prep
	@for m in $(SMOKE_MODELS); do $(MAKE) --no-print-directory -f $(TRT_MK) gpu-smoke-$$m TENSORRT_INCLUDE=$(TENSORRT_INCLUDE) CUDA_INCLUDE=$(CUDA_INCLUDE) TRT_BIN=$(TRT_BIN) || exit $$?; done
	@echo "gpu-smoke: every engine met $(SMOKE_TARGETS); reports in $(SMOKE_DIR)"

trt-clean:
	rm -rf $(SMOKE_DIR)

ifeq ($(firstword $(MAKEFILE_LIST)),$(TRT_MK))
.DEFAULT_GOAL := trt
else
.DEFAULT_GOAL := $(trt_saved_goal)
endif
