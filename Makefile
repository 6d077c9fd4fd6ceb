# segtrt: every target a user or CI runs. `make demo` and `make test` each
# do all set-up on a fresh Debian 12 machine (through `deps`), and are quick
# when everything is already there.

PYTHON ?= /usr/bin/python3
GO ?= go
BIN := bin/segtrt
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
ORT_LIB_ABS = $(CURDIR)/$(ORT_LIB)
LDFLAGS = -X main.version=$(VERSION) -X github.com/segtrt/segtrt/ort.installedLibrary=$(ORT_LIB_ABS)
# Tests find ONNX Runtime where deps put it.
export SEGTRT_ORT_LIB ?= $(ORT_LIB_ABS)
FUZZTIME ?= 15s

# ONNX Runtime comes from the npm registry's onnxruntime-node package, which
# ships libonnxruntime.so.1 for linux-x64. We unpack that one file; `npm
# install` would run a postinstall script that downloads CUDA binaries.
ORT_VERSION := 1.30.0
ORT_SHA256 := 6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75
ORT_DIR := .deps/onnxruntime
ORT_LIB := $(ORT_DIR)/libonnxruntime.so.1

# What building the Go binary links against (cgo: libdeflate for fast PNG
# decoding), then what the tests, fixtures and demo use besides.
APT_BUILD := g++ libdeflate-dev
APT_PACKAGES := $(APT_BUILD) python3-torch python3-torchvision python3-onnx python3-numpy \
	python3-scipy python3-pil protobuf-compiler
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps apt-deps build-deps go-deps build test pytest lint vet fuzz bench bench-e2e bench-calib int8-table gpu-check bench-scale demo generate fixtures fixtures-onnx testdata-mini clean

all: build

deps: apt-deps go-deps $(ORT_LIB)

# Installs only what is missing, so it is fast on a machine that has it all.
apt-install = missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done; \
		$(2)); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

apt-deps:
	@$(call apt-install,$(APT_PACKAGES),command -v npm >/dev/null || echo npm)

build-deps:
	@$(call apt-install,$(APT_BUILD),true)

go-deps:
	@$(GO) mod download

$(ORT_LIB):
	@mkdir -p $(ORT_DIR)/pack
	cd $(ORT_DIR)/pack && npm pack --silent onnxruntime-node@$(ORT_VERSION) >/dev/null
	echo "$(ORT_SHA256)  $(ORT_DIR)/pack/onnxruntime-node-$(ORT_VERSION).tgz" | sha256sum -c --quiet
	tar -xzf $(ORT_DIR)/pack/onnxruntime-node-$(ORT_VERSION).tgz -C $(ORT_DIR)/pack \
		package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	mv $(ORT_DIR)/pack/package/bin/napi-v6/linux/x64/libonnxruntime.so.1 $@.tmp && mv $@.tmp $@
	rm -rf $(ORT_DIR)/pack

build: build-deps go-deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/segtrt

test: deps lint
	SEGTRT_PYTHON=$(PYTHON) $(GO) test -timeout 60m ./...
	$(MAKE) --no-print-directory pytest
	$(MAKE) --no-print-directory fuzz

# The PyTorch side (export/torch). A missing torch fails here, loudly.
pytest:
	$(PYTHON) -c "import torch, torchvision, onnx, scipy" || { echo "python3-torch, python3-torchvision, python3-onnx and python3-scipy are needed: run make deps"; exit 1; }
	$(PYTHON) -m unittest discover -s export/torch -t .
	$(PYTHON) calib/testdata/amax_oracle.py

# A few seconds of each fuzz target: the loaders must never panic.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s ./onnx/onnxio
	$(GO) test -run='^$$' -fuzz='^FuzzInspectPipeline$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s ./inspect
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s ./dataset/internal/fastpng

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

bench: deps
	SEGTRT_PYTHON=$(PYTHON) $(GO) test -run='^$$' -bench=. -benchmem ./...

# validate's end-to-end rate against the runner alone, six runs
# summarised by benchstat: the ratio is noisy on a shared machine.
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
bench-e2e: deps
	@mkdir -p out
	$(GO) test -run='^$$' -bench='EndToEndVsRunner|OverlapRunnerOnOneCore' -benchtime=3x -count=6 ./validate \
		> out/bench-e2e.txt || { cat out/bench-e2e.txt; exit 1; }
	$(GO) run $(BENCHSTAT) out/bench-e2e.txt

# calibrate's wall time per image against the model's own inference
# (validate's runner), both in every run; six runs summarised by benchstat.
bench-calib: deps
	@mkdir -p out
	SEGTRT_PYTHON=$(PYTHON) $(GO) test -run='^$$' -bench='CalibrateVsRunner' -benchtime=1x -count=6 -timeout 60m ./calib \
		> out/bench-calib.txt || { cat out/bench-calib.txt; exit 1; }
	$(GO) run $(BENCHSTAT) out/bench-calib.txt

# The README's INT8 table: every method on both fixtures and three fresh
# synthetic splits (about half an hour on two cores).
int8-table: deps build
	scripts/int8-table.sh out/int8-table

# The main job on embedded defaults: synthesize a small Cityscapes-layout
# set if absent, calibrate the shipped SGCPNet fixture to INT8 with the
# default method (auto: every method scored on held-out train images; Q/DQ
# ONNX and TensorRT cache), then validate INT8 against FP32 with a targets
# file. A few minutes on two cores.
DEMO_DIR ?= out/demo
DEMO_MODEL ?= testdata/models/sgcpnet-256x512.onnx
DEMO_TRAIN ?= 120
DEMO_VAL ?= 50
demo: deps build
	./$(BIN) inspect $(DEMO_MODEL)
	@if [ ! -d $(DEMO_DIR)/data/leftImg8bit ]; then \
		echo "synthesizing $(DEMO_TRAIN) train and $(DEMO_VAL) val images into $(DEMO_DIR)/data"; \
		./$(BIN) dataset synth --out $(DEMO_DIR)/data --train $(DEMO_TRAIN) --val $(DEMO_VAL) --seed 0; \
	fi
	./$(BIN) calibrate --model $(DEMO_MODEL) --data $(DEMO_DIR)/data --images $(DEMO_TRAIN) \
		--out $(DEMO_DIR)/sgcpnet.int8.onnx --cache $(DEMO_DIR)/sgcpnet.calib --report $(DEMO_DIR)/calib.json
	./$(BIN) validate --model $(DEMO_DIR)/sgcpnet.int8.onnx --reference $(DEMO_MODEL) \
		--data $(DEMO_DIR)/data --targets testdata/demo/targets.yaml --report $(DEMO_DIR)/report

# Regenerate the protobuf Go code from onnx/onnxpb/onnx.proto.
generate: apt-deps
	GOBIN=$(CURDIR)/bin $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	$(GO) generate ./onnx/onnxpb ./trt

# Retrain the fixture models under testdata/models (about 15 minutes on two
# cores; same seed, same mIoU within noise). CI never retrains.
fixtures: deps
	$(PYTHON) -m export.torch.train_synthetic --generate

# Regenerate the small torch exports under testdata/onnx.
fixtures-onnx: apt-deps
	$(PYTHON) testdata/onnx/make_fixtures.py

# Regenerate the small synthetic Cityscapes set the tests read. synth
# refuses a folder holding files it would not write, hence the rm.
testdata-mini:
	rm -rf testdata/cityscapes-mini
	$(GO) run ./cmd/segtrt dataset synth --out testdata/cityscapes-mini --train 3 --val 3 --test 3 --height 128 --width 256 --seed 0

# calibrate and validate at 1024x2048 on this machine: per-image time and
# peak RSS (scripts/bench-scale.sh; exports and images cached in testdata/cache).
bench-scale: build
	scripts/bench-scale.sh

# The plugin kernels on a real GPU, without TensorRT (plugins/gpucheck): on a
# machine without one it builds the harness, says so and exits 0. Needs nvcc
# only, never make deps (GPU machines may have no network).
gpu-check:
	scripts/gpu-check.sh

clean: plugins-clean
	rm -rf bin out testdata/cache

# TensorRT plugins: kernels, trt-check, plugins, plugins-smoke, cuda-toolkit.
include plugins/plugins.mk
# TensorRT shims and per-major plugin libraries: native.
include trt/trt.mk

