package trt

/*
#include "shimtable.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// deviceCount is the number of CUDA devices; Load must have succeeded.
func deviceCount() (int, error) {
	if err := loaded(); err != nil {
		return 0, err
	}
	var n C.int
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_device_count(&n, m.ptr(), m.size()), m); err != nil {
		return 0, err
	}
	return int(n), nil
}

// setDevice makes dev the device every later call uses.
func setDevice(dev int) error {
	if err := loaded(); err != nil {
		return err
	}
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_set_device(C.int(dev), m.ptr(), m.size()), m)
}

// computeCapability returns dev's compute capability, e.g. "8.6".
func computeCapability(dev int) (string, error) {
	if err := loaded(); err != nil {
		return "", err
	}
	var major, minor C.int
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_compute_capability(C.int(dev), &major, &minor, m.ptr(), m.size()), m); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d", int(major), int(minor)), nil
}

// deviceBuffer is device memory (cudaMalloc).
type deviceBuffer struct {
	ptr   unsafe.Pointer
	bytes int
}

// newDeviceBuffer allocates bytes of device memory.
func newDeviceBuffer(bytes int) (*deviceBuffer, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_malloc(&p, C.size_t(bytes), m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &deviceBuffer{ptr: p, bytes: bytes}, nil
}

// Size is the buffer's size in bytes.
func (d *deviceBuffer) Size() int { return d.bytes }

// Close frees the memory; safe on nil and twice.
func (d *deviceBuffer) Close() error {
	if d != nil && d.ptr != nil {
		C.segtrt_cuda_free(d.ptr)
		d.ptr = nil
	}
	return nil
}

// hostBuffer is pinned (page-locked) host memory (cudaMallocHost), for
// copies the GPU can do asynchronously. Its slices point into C memory.
type hostBuffer struct {
	ptr   unsafe.Pointer
	bytes int
}

// newHostBuffer allocates bytes of pinned host memory.
func newHostBuffer(bytes int) (*hostBuffer, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_host_alloc(&p, C.size_t(bytes), m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &hostBuffer{ptr: p, bytes: bytes}, nil
}

// Bytes views the buffer; invalid after Close.
func (h *hostBuffer) Bytes() []byte { return unsafe.Slice((*byte)(h.ptr), h.bytes) }

// Float32s views the buffer as float32s; invalid after Close.
func (h *hostBuffer) Float32s() []float32 { return unsafe.Slice((*float32)(h.ptr), h.bytes/4) }

// Size is the buffer's size in bytes.
func (h *hostBuffer) Size() int { return h.bytes }

// Close frees the memory; safe on nil and twice.
func (h *hostBuffer) Close() error {
	if h != nil && h.ptr != nil {
		C.segtrt_cuda_host_free(h.ptr)
		h.ptr = nil
	}
	return nil
}

// cudaStream is a non-blocking CUDA stream.
type cudaStream struct{ h unsafe.Pointer }

// newStream makes a stream.
func newStream() (*cudaStream, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_stream_create(&p, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &cudaStream{h: p}, nil
}

// Close destroys the stream; safe on nil and twice.
func (s *cudaStream) Close() error {
	if s != nil && s.h != nil {
		C.segtrt_cuda_stream_destroy(s.h)
		s.h = nil
	}
	return nil
}

// Sync waits for everything queued on the stream.
func (s *cudaStream) Sync() error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_stream_sync(s.h, m.ptr(), m.size()), m)
}

// CopyToDevice queues a copy of the first n bytes of src into dst.
func (s *cudaStream) CopyToDevice(dst *deviceBuffer, src *hostBuffer, n int) error {
	if n > dst.bytes || n > src.bytes {
		return fmt.Errorf("copy of %d bytes: buffers have %d (device) and %d (host)", n, dst.bytes, src.bytes)
	}
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_memcpy_async(dst.ptr, src.ptr, C.size_t(n), 1, s.h, m.ptr(), m.size()), m)
}

// CopyToHost queues a copy of the first n bytes of src into dst.
func (s *cudaStream) CopyToHost(dst *hostBuffer, src *deviceBuffer, n int) error {
	if n > dst.bytes || n > src.bytes {
		return fmt.Errorf("copy of %d bytes: buffers have %d (host) and %d (device)", n, dst.bytes, src.bytes)
	}
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_memcpy_async(dst.ptr, src.ptr, C.size_t(n), 2, s.h, m.ptr(), m.size()), m)
}

// cudaEvent is a CUDA event, for GPU-side timing.
type cudaEvent struct{ h unsafe.Pointer }

// newEvent makes an event.
func newEvent() (*cudaEvent, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_event_create(&p, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &cudaEvent{h: p}, nil
}

// Close destroys the event; safe on nil and twice.
func (e *cudaEvent) Close() error {
	if e != nil && e.h != nil {
		C.segtrt_cuda_event_destroy(e.h)
		e.h = nil
	}
	return nil
}

// Record queues the event on s.
func (e *cudaEvent) Record(s *cudaStream) error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_event_record(e.h, s.h, m.ptr(), m.size()), m)
}

// Sync waits for the event.
func (e *cudaEvent) Sync() error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_event_sync(e.h, m.ptr(), m.size()), m)
}

// elapsedMs is the GPU time between two recorded, completed events.
func elapsedMs(start, end *cudaEvent) (float64, error) {
	var ms C.float
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_event_elapsed(start.h, end.h, &ms, m.ptr(), m.size()), m); err != nil {
		return 0, err
	}
	return float64(ms), nil
}

// cudaGraph is an instantiated CUDA graph (one captured enqueue).
type cudaGraph struct{ h unsafe.Pointer }

// Launch queues the graph on s.
func (g *cudaGraph) Launch(s *cudaStream) error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_graph_launch(g.h, s.h, m.ptr(), m.size()), m)
}

// Close destroys the graph; safe on nil and twice.
func (g *cudaGraph) Close() error {
	if g != nil && g.h != nil {
		C.segtrt_cuda_graph_destroy(g.h)
		g.h = nil
	}
	return nil
}
