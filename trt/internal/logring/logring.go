// Package logring wraps the C ring buffer (cgo/logring.c) that TensorRT's
// logger writes into. TensorRT logs from its own threads, where Go must not
// be called; the shim's logger copies each message into the ring and Go
// drains it after each call (package trt) or whenever it likes. Each
// message carries the tag of the call that logged it (the shim tags with the
// call's message buffer), so that Take gives each of several concurrent
// calls its own messages.
//
// It is built into segtrt itself (the shim has its own copy), so the ring is tested by a plain
// go test.
package logring

/*
#cgo CFLAGS: -std=c11 -O2 -Wall
#cgo LDFLAGS: -lpthread
#include <stdlib.h>
#include "../../../cgo/logring.h"
*/
import "C"

import (
	"sync"
	"unsafe"
)

// Message is one logged message.
type Message struct {
	Severity int
	Text     string
	Tag      uint64 // the call that logged it; 0 for none (another thread)
}

// Ring is a C ring buffer. Methods are safe for concurrent use.
type Ring struct {
	mu   sync.Mutex
	r    *C.segtrt_ring
	owns bool
	buf  []byte
	// pending holds messages drained by one call's Take that belong to
	// another call still running.
	pending map[uint64][]Message
}

// New makes a ring of slots messages of up to msgBytes-1 bytes; nil when
// a size is out of range.
func New(slots, msgBytes int) *Ring {
	if slots <= 0 || msgBytes <= 0 {
		return nil
	}
	r := C.segtrt_ring_new(C.size_t(slots), C.size_t(msgBytes))
	if r == nil {
		return nil
	}
	return &Ring{r: r, owns: true, buf: make([]byte, msgBytes)}
}

// FromPointer wraps a ring the C side owns (the shim's logger ring);
// msgBytes sizes the drain buffer. Free does nothing on it.
func FromPointer(p unsafe.Pointer, msgBytes int) *Ring {
	if p == nil {
		return nil
	}
	return &Ring{r: (*C.segtrt_ring)(p), buf: make([]byte, msgBytes)}
}

// Pointer is the C ring, for C code that pushes into it.
func (r *Ring) Pointer() unsafe.Pointer { return unsafe.Pointer(r.r) }

// Push copies msg into the ring, untagged.
func (r *Ring) Push(severity int, msg string) { r.PushTagged(severity, 0, msg) }

// PushTagged copies msg into the ring as logged by the call tagged tag.
func (r *Ring) PushTagged(severity int, tag uint64, msg string) {
	cs := C.CString(msg)
	defer C.free(unsafe.Pointer(cs))
	C.segtrt_ring_push(r.r, C.int(severity), C.uint64_t(tag), cs)
}

// Len is the number of messages waiting.
func (r *Ring) Len() int { return int(C.segtrt_ring_len(r.r)) }

// Drain pops every waiting message, oldest first, and says how many were
// overwritten (lost) since the last drain.
func (r *Ring) Drain() (msgs []Message, dropped uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drain()
}

// Take drains the ring for the call tagged tag, which has returned: every
// newly drained message goes to sink (if not nil) once, in order; Take
// returns the call's own messages, including those an earlier Take of
// another call set aside, and keeps other running calls' for them.
// Untagged messages (logged on a thread no call was running on) only go to
// the sink.
func (r *Ring) Take(tag uint64, sink func(Message)) (mine []Message, dropped uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	mine = r.pending[tag]
	delete(r.pending, tag)
	msgs, dropped := r.drain()
	for _, m := range msgs {
		if sink != nil {
			sink(m)
		}
		switch {
		case m.Tag == tag:
			mine = append(mine, m)
		case m.Tag != 0:
			if r.pending == nil {
				r.pending = map[uint64][]Message{}
			}
			r.pending[m.Tag] = append(r.pending[m.Tag], m)
		}
	}
	return mine, dropped
}

func (r *Ring) drain() (msgs []Message, dropped uint64) {
	if r.r == nil {
		return nil, 0
	}
	for {
		var sev C.int
		var tag, d C.uint64_t
		// The buffer is Go memory passed for the duration of the call only.
		ok := C.segtrt_ring_pop(r.r, &sev, &tag, (*C.char)(unsafe.Pointer(&r.buf[0])), C.size_t(len(r.buf)), &d)
		dropped += uint64(d)
		if ok == 0 {
			return msgs, dropped
		}
		msgs = append(msgs, Message{Severity: int(sev), Text: C.GoString((*C.char)(unsafe.Pointer(&r.buf[0]))), Tag: uint64(tag)})
	}
}

// Free releases a ring made by New; calling it twice is fine.
func (r *Ring) Free() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.owns && r.r != nil {
		C.segtrt_ring_free(r.r)
	}
	r.r = nil
}
