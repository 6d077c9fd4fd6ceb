package trt

/*
#include "shimtable.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// DeviceCount is the number of CUDA devices; Load must have succeeded.
func DeviceCount() (int, error) {
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

// SetDevice makes dev the device every later call uses.
func SetDevice(dev int) error {
	if err := loaded(); err != nil {
		return err
	}
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_set_device(C.int(dev), m.ptr(), m.size()), m)
}

// ComputeCapability returns dev's compute capability, e.g. "8.6".
func ComputeCapability(dev int) (string, error) {
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

// DeviceBuffer is device memory (cudaMalloc).
type DeviceBuffer struct {
	ptr   unsafe.Pointer
	bytes int
}

// NewDeviceBuffer allocates bytes of device memory.
func NewDeviceBuffer(bytes int) (*DeviceBuffer, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_malloc(&p, C.size_t(bytes), m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &DeviceBuffer{ptr: p, bytes: bytes}, nil
}

// Size is the buffer's size in bytes.
func (d *DeviceBuffer) Size() int { return d.bytes }

// Close frees the memory; safe on nil and twice.
func (d *DeviceBuffer) Close() error {
	if d != nil && d.ptr != nil {
		C.segtrt_cuda_free(d.ptr)
		d.ptr = nil
	}
	return nil
}

// HostBuffer is pinned (page-locked) host memory (cudaMallocHost), for
// copies the GPU can do asynchronously. Its slices point into C memory.
type HostBuffer struct {
	ptr   unsafe.Pointer
	bytes int
}

// NewHostBuffer allocates bytes of pinned host memory.
func NewHostBuffer(bytes int) (*HostBuffer, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_host_alloc(&p, C.size_t(bytes), m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &HostBuffer{ptr: p, bytes: bytes}, nil
}

// Bytes views the buffer; invalid after Close.
func (h *HostBuffer) Bytes() []byte { return unsafe.Slice((*byte)(h.ptr), h.bytes) }

// Float32s views the buffer as float32s; invalid after Close.
func (h *HostBuffer) Float32s() []float32 { return unsafe.Slice((*float32)(h.ptr), h.bytes/4) }

// Size is the buffer's size in bytes.
func (h *HostBuffer) Size() int { return h.bytes }

// Close frees the memory; safe on nil and twice.
func (h *HostBuffer) Close() error {
	if h != nil && h.ptr != nil {
		C.segtrt_cuda_host_free(h.ptr)
		h.ptr = nil
	}
	return nil
}

// Stream is a non-blocking CUDA stream.
type Stream struct{ h unsafe.Pointer }

// NewStream makes a stream.
func NewStream() (*Stream, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_stream_create(&p, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &Stream{h: p}, nil
}

// Close destroys the stream; safe on nil and twice.
func (s *Stream) Close() error {
	if s != nil && s.h != nil {
		C.segtrt_cuda_stream_destroy(s.h)
		s.h = nil
	}
	return nil
}

// Sync waits for everything queued on the stream.
func (s *Stream) Sync() error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_stream_sync(s.h, m.ptr(), m.size()), m)
}

// CopyToDevice queues a copy of the first n bytes of src into dst.
func (s *Stream) CopyToDevice(dst *DeviceBuffer, src *HostBuffer, n int) error {
	if n > dst.bytes || n > src.bytes {
		return fmt.Errorf("copy of %d bytes: buffers have %d (device) and %d (host)", n, dst.bytes, src.bytes)
	}
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_memcpy_async(dst.ptr, src.ptr, C.size_t(n), 1, s.h, m.ptr(), m.size()), m)
}

// CopyToHost queues a copy of the first n bytes of src into dst.
func (s *Stream) CopyToHost(dst *HostBuffer, src *DeviceBuffer, n int) error {
	if n > dst.bytes || n > src.bytes {
		return fmt.Errorf("copy of %d bytes: buffers have %d (host) and %d (device)", n, dst.bytes, src.bytes)
	}
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_memcpy_async(dst.ptr, src.ptr, C.size_t(n), 2, s.h, m.ptr(), m.size()), m)
}

// Event is a CUDA event, for GPU-side timing.
type Event struct{ h unsafe.Pointer }

// NewEvent makes an event.
func NewEvent() (*Event, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_event_create(&p, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &Event{h: p}, nil
}

// Close destroys the event; safe on nil and twice.
func (e *Event) Close() error {
	if e != nil && e.h != nil {
		C.segtrt_cuda_event_destroy(e.h)
		e.h = nil
	}
	return nil
}

// Record queues the event on s.
func (e *Event) Record(s *Stream) error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_event_record(e.h, s.h, m.ptr(), m.size()), m)
}

// Sync waits for the event.
func (e *Event) Sync() error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_event_sync(e.h, m.ptr(), m.size()), m)
}

// ElapsedMs is the GPU time between two recorded, completed events.
func ElapsedMs(start, end *Event) (float64, error) {
	var ms C.float
	m := newMsg(msgCap)
	if err := check(C.segtrt_cuda_event_elapsed(start.h, end.h, &ms, m.ptr(), m.size()), m); err != nil {
		return 0, err
	}
	return float64(ms), nil
}

// Graph is an instantiated CUDA graph (one captured enqueue).
type Graph struct{ h unsafe.Pointer }

// Launch queues the graph on s.
func (g *Graph) Launch(s *Stream) error {
	m := newMsg(msgCap)
	return check(C.segtrt_cuda_graph_launch(g.h, s.h, m.ptr(), m.size()), m)
}

// Close destroys the graph; safe on nil and twice.
func (g *Graph) Close() error {
	if g != nil && g.h != nil {
		C.segtrt_cuda_graph_destroy(g.h)
		g.h = nil
	}
	return nil
}
