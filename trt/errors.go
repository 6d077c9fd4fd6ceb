package trt

import (
	"errors"
	"fmt"
	"strings"
)

// ErrLibraryNotFound: no loadable TensorRT or CUDA runtime library.
var ErrLibraryNotFound = errors.New("library not found")

// ErrInsufficientDriver: a CUDA runtime that loads but answers
// cudaErrorInsufficientDriver (it is newer than the installed driver).
var ErrInsufficientDriver = errors.New("CUDA runtime newer than the driver")

// Status is the shim's int status (cgo/segtrt_trt.h).
type Status int

// Status values, as in segtrt_trt.h.
const (
	StatusOK          Status = 0
	StatusNotLoaded   Status = 1
	StatusLibrary     Status = 2
	StatusArgument    Status = 3
	StatusTensorRT    Status = 4
	StatusParse       Status = 5
	StatusCUDA        Status = 6
	StatusException   Status = 7
	StatusUnsupported Status = 8
	StatusIO          Status = 9
	// StatusInsufficientDriver: a CUDA runtime newer than the driver.
	StatusInsufficientDriver Status = 10
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusNotLoaded:
		return "not loaded"
	case StatusLibrary:
		return "library error"
	case StatusArgument:
		return "bad argument"
	case StatusTensorRT:
		return "TensorRT error"
	case StatusParse:
		return "ONNX parse error"
	case StatusCUDA:
		return "CUDA error"
	case StatusException:
		return "C++ exception"
	case StatusUnsupported:
		return "unsupported"
	case StatusIO:
		return "I/O error"
	case StatusInsufficientDriver:
		return "CUDA runtime newer than the driver"
	}
	return fmt.Sprintf("status %d", int(s))
}

// Error is a failed shim call: its status, the shim's message and the
// errors TensorRT logged during the call.
type Error struct {
	Status Status
	Msg    string
	// Log holds TensorRT's error-level messages logged during the call.
	Log []string
}

func (e *Error) Error() string {
	msg := strings.TrimRight(e.Msg, "\n")
	if msg == "" {
		msg = e.Status.String()
	}
	if len(e.Log) > 0 {
		msg += "; TensorRT said: " + strings.Join(e.Log, "; ")
	}
	return msg
}

// Is lets errors.Is(err, ErrLibraryNotFound) hold for library failures,
// and errors.Is(err, ErrInsufficientDriver) for a runtime the driver is too
// old for.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrLibraryNotFound:
		return e.Status == StatusLibrary
	case ErrInsufficientDriver:
		return e.Status == StatusInsufficientDriver
	}
	return false
}

// statusToError is the one translation of a shim status into a Go error:
// nil for StatusOK, otherwise an *Error carrying the message (trailing
// NULs and blanks trimmed) and TensorRT's logged errors.
func statusToError(code int, msg string, log []string) error {
	if Status(code) == StatusOK {
		return nil
	}
	if i := strings.IndexByte(msg, 0); i >= 0 {
		msg = msg[:i]
	}
	return &Error{Status: Status(code), Msg: strings.TrimSpace(msg), Log: log}
}

// ParseErrors splits a StatusParse message into one entry per parser error
// (each naming its node).
func ParseErrors(err error) []string {
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusParse {
		return nil
	}
	var out []string
	for _, line := range strings.Split(e.Msg, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
