// Package trt is segtrt's Go API over TensorRT: a builder with its config
// (precision flags, workspace, hardware compatibility, optimisation
// profiles, timing and calibration caches, plugin libraries), engines,
// execution contexts, and the CUDA objects a runner needs (device and
// pinned host buffers, streams, events, CUDA graphs).
//
// Start with Load. The binary links nothing of TensorRT's or CUDA's: Load
// opens segtrt's shim for a TensorRT major (libsegtrt_trt10.so or
// libsegtrt_trt11.so, built from ../cgo by make native), fills a table of
// its C entry points with dlsym (shim.c, shimtable.h), and through it opens
// TensorRT and the CUDA runtime. One binary therefore serves TensorRT 10 and
// 11 users, and starts on any machine; without a shim or TensorRT, Load
// says what it looked for.
//
// Files: errors.go (statusToError, the one C status -> Go error
// translation), libs.go (where the libraries are looked for, shared with
// segtrt doctor), types.go, cgo.go (loading, logs), cgo_build.go,
// cgo_run.go, cgo_cuda.go (the API over the shim), pluginlibs.go (plugin
// libraries once per process), runner.go (the engine runner validate
// --backend trt uses), shim.c and shimtable.h (the table; shimtable.h is
// generated from ../cgo/segtrt_trt.h by internal/shimgen: go generate).
//
// Sub-packages: enginemeta (E.engine.json and the compatibility check),
// enginebuild (segtrt build), internal/logring (the log ring buffer),
// internal/shimgen (the table's generator).
package trt

//go:generate go run ./internal/shimgen ../cgo/segtrt_trt.h shimtable.h
