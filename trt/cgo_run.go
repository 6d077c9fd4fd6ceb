package trt

/*
#include <stdlib.h>
#include "shimtable.h"
*/
import "C"

import (
	"unsafe"
)

// trtRuntime deserialises engines (nvinfer1::IRuntime). It must outlive the
// engines it made: close engines first.
type trtRuntime struct{ h *C.segtrt_runtime }

// newRuntime makes a runtime; Load must have succeeded.
func newRuntime() (*trtRuntime, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	m := newMsg(msgCap)
	var h *C.segtrt_runtime
	if err := check(C.segtrt_runtime_create(&h, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &trtRuntime{h: h}, nil
}

// Close frees the runtime; safe on nil and twice.
func (r *trtRuntime) Close() error {
	if r != nil && r.h != nil {
		C.segtrt_runtime_destroy(r.h)
		r.h = nil
	}
	return nil
}

// LoadPlugin makes the plugins of a library registered (once per process,
// like the builder's).
func (r *trtRuntime) LoadPlugin(path string) error { return loadPlugin(runtimeRegistry{r}, path) }

type runtimeRegistry struct{ r *trtRuntime }

func (rr runtimeRegistry) loadLibrary(path string) error {
	m := newMsg(msgCap)
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	return check(C.segtrt_runtime_load_plugin(rr.r.h, cp, m.ptr(), m.size()), m)
}

func (rr runtimeRegistry) hasCreator(name, version, ns string) (bool, error) {
	cs := newCStrings([]string{name, version, ns})
	defer cs.free()
	m := newMsg(msgCap)
	var found C.int
	err := check(C.segtrt_runtime_has_plugin_creator(rr.r.h, cs[0], cs[1], cs[2], &found, m.ptr(), m.size()), m)
	return found != 0, err
}

// trtEngine is a deserialised engine (nvinfer1::ICudaEngine). It must
// outlive its contexts.
type trtEngine struct{ h *C.segtrt_engine }

// Deserialize reads a serialised engine; data is not kept.
func (r *trtRuntime) Deserialize(data []byte) (*trtEngine, error) {
	if len(data) == 0 {
		return nil, statusToError(int(StatusArgument), "empty engine", nil)
	}
	m := newMsg(msgCap)
	var h *C.segtrt_engine
	if err := check(C.segtrt_engine_deserialize(r.h, unsafe.Pointer(&data[0]), C.size_t(len(data)), &h, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &trtEngine{h: h}, nil
}

// Close frees the engine; safe on nil and twice.
func (e *trtEngine) Close() error {
	if e != nil && e.h != nil {
		C.segtrt_engine_destroy(e.h)
		e.h = nil
	}
	return nil
}

// IO lists the engine's input and output tensors in engine order.
func (e *trtEngine) IO() ([]TensorDesc, error) {
	var count C.int
	if rc := C.segtrt_engine_num_io(e.h, &count); rc != C.SEGTRT_OK {
		return nil, statusToError(int(rc), "engine I/O count", nil)
	}
	out := make([]TensorDesc, 0, int(count))
	for i := 0; i < int(count); i++ {
		var d C.segtrt_tensor_desc
		m := newMsg(msgCap)
		if err := check(C.segtrt_engine_io(e.h, C.int(i), &d, m.ptr(), m.size()), m); err != nil {
			return nil, err
		}
		out = append(out, desc(&d))
	}
	return out, nil
}

// NumLayers is the engine's layer count.
func (e *trtEngine) NumLayers() int {
	var n C.int
	C.segtrt_engine_num_layers(e.h, &n)
	return int(n)
}

// HardwareCompat is the level the engine was built with.
func (e *trtEngine) HardwareCompat() HWCompat {
	var l C.int
	C.segtrt_engine_hw_compat(e.h, &l)
	return HWCompat(l)
}

// Profiles returns every optimisation profile's min/opt/max per input.
func (e *trtEngine) Profiles() ([][]ProfileInput, error) {
	var n C.int
	C.segtrt_engine_num_profiles(e.h, &n)
	io, err := e.IO()
	if err != nil {
		return nil, err
	}
	var out [][]ProfileInput
	for p := 0; p < int(n); p++ {
		var prof []ProfileInput
		for _, t := range io {
			if !t.Input {
				continue
			}
			in := ProfileInput{Name: t.Name}
			for which, dst := range []*[]int64{&in.Min, &in.Opt, &in.Max} {
				var dims [C.SEGTRT_MAX_DIMS]C.int64_t
				var nb C.int
				m := newMsg(msgCap)
				cn := C.CString(t.Name)
				rc := C.segtrt_engine_profile_shape(e.h, cn, C.int(p), C.int(which), &dims[0], &nb, m.ptr(), m.size())
				C.free(unsafe.Pointer(cn))
				if err := check(rc, m); err != nil {
					return nil, err
				}
				for k := 0; k < int(nb); k++ {
					*dst = append(*dst, int64(dims[k]))
				}
			}
			prof = append(prof, in)
		}
		out = append(out, prof)
	}
	return out, nil
}

// LayerInfo is the engine inspector's JSON (per-layer details when the
// engine was built with detailed profiling).
func (e *trtEngine) LayerInfo() (string, error) {
	m := newMsg(msgCap)
	var b *C.segtrt_blob
	if err := check(C.segtrt_engine_layer_info(e.h, &b, m.ptr(), m.size()), m); err != nil {
		return "", err
	}
	return string(blobBytes(b)), nil
}

// execContext runs an engine (nvinfer1::IExecutionContext). One goroutine at
// a time.
type execContext struct{ h *C.segtrt_context }

// NewContext makes an execution context with its own device memory.
func (e *trtEngine) NewContext() (*execContext, error) {
	m := newMsg(msgCap)
	var h *C.segtrt_context
	if err := check(C.segtrt_context_create(e.h, &h, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &execContext{h: h}, nil
}

// Close frees the context; safe on nil and twice.
func (c *execContext) Close() error {
	if c != nil && c.h != nil {
		C.segtrt_context_destroy(c.h)
		c.h = nil
	}
	return nil
}

// SetInputShape fixes a dynamic input's shape.
func (c *execContext) SetInputShape(name string, dims []int64) error {
	cd := make([]C.int64_t, len(dims)+1)
	for i, d := range dims {
		cd[i] = C.int64_t(d)
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	m := newMsg(msgCap)
	return check(C.segtrt_context_set_input_shape(c.h, cn, &cd[0], C.int(len(dims)), m.ptr(), m.size()), m)
}

// TensorShape is a tensor's shape given the input shapes set so far.
func (c *execContext) TensorShape(name string) ([]int64, error) {
	var dims [C.SEGTRT_MAX_DIMS]C.int64_t
	var nb C.int
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	m := newMsg(msgCap)
	if err := check(C.segtrt_context_tensor_shape(c.h, cn, &dims[0], &nb, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	out := make([]int64, int(nb))
	for i := range out {
		out[i] = int64(dims[i])
	}
	return out, nil
}

// SetTensorAddress binds a tensor to device memory.
func (c *execContext) SetTensorAddress(name string, buf *deviceBuffer) error {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	m := newMsg(msgCap)
	return check(C.segtrt_context_set_tensor_address(c.h, cn, buf.ptr, m.ptr(), m.size()), m)
}

// Enqueue runs the engine once on stream (asynchronously).
func (c *execContext) Enqueue(s *cudaStream) error {
	m := newMsg(msgCap)
	return check(C.segtrt_context_enqueue(c.h, s.h, m.ptr(), m.size()), m)
}

// CaptureGraph records one enqueue on s into a CUDA graph. Enqueue once
// (and synchronise) before, so that TensorRT's lazy set-up is not
// captured; shapes and addresses must not change afterwards.
func (c *execContext) CaptureGraph(s *cudaStream) (*cudaGraph, error) {
	m := newMsg(msgCap)
	var exec unsafe.Pointer
	if err := check(C.segtrt_context_capture_graph(c.h, s.h, &exec, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &cudaGraph{h: exec}, nil
}
