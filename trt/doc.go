// Package trt is segtrt's Go API over TensorRT: a builder with its config
// (precision flags, workspace, hardware compatibility, optimisation
// profiles, timing and calibration caches, plugin libraries), engines,
// execution contexts, and the CUDA objects a runner needs (device and
// pinned host buffers, streams, events, CUDA graphs).
//
// Start with the build tag. With -tags tensorrt (make trt), the package
// calls the C ABI shim in ../cgo, which loads TensorRT and the CUDA runtime
// with dlopen when Load is first called: the binary builds with headers
// only and starts on any machine. Without the tag (stub.go) every entry
// point returns ErrNoTensorRT, whose message says how to build with it.
//
// Files: errors.go (statusToError, the one C status -> Go error
// translation), libs.go (where the libraries are looked for, shared with
// segtrt doctor), types.go (values both builds share), cgo_*.go (the tagged
// build), stub.go (the default build), runner.go (the engine runner
// validate --backend trt uses), shim_*.cpp (one-line includes of ../cgo,
// tagged, because cgo compiles only a package's own C++ files).
//
// Sub-packages: enginemeta (E.engine.json and the compatibility check),
// enginebuild (segtrt build), internal/logring (the log ring buffer).
package trt
