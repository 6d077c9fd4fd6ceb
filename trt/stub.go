//go:build !tensorrt

package trt

import "context"

// The default build: the same API as the tagged build (api_test.go checks
// that), and every entry point returns ErrNoTensorRT. Close methods return
// nil so that cleanup code runs unchanged.

// Compiled reports whether this binary was built with TensorRT support.
const Compiled = false

// SetLogSink is a no-op without TensorRT.
func SetLogSink(func(LogMessage)) {}

// SetLogLevel is a no-op without TensorRT.
func SetLogLevel(Severity) {}

// HeaderVersion is "" without TensorRT.
func HeaderVersion() string { return "" }

// LoadOptions say where TensorRT and the CUDA runtime are.
type LoadOptions struct {
	TensorRTLib string
	CUDARTLib   string
	Env         *Env
}

// Load returns ErrNoTensorRT.
func Load(LoadOptions) (Info, error) { return Info{}, ErrNoTensorRT }

// BuildEngine returns ErrNoTensorRT.
func BuildEngine(context.Context, BuildSpec) (*BuildResult, error) { return nil, ErrNoTensorRT }

// Builder is unavailable without TensorRT.
type Builder struct{}

// NewBuilder returns ErrNoTensorRT.
func NewBuilder() (*Builder, error) { return nil, ErrNoTensorRT }

// Close does nothing.
func (*Builder) Close() error { return nil }

// LoadPlugin returns ErrNoTensorRT.
func (*Builder) LoadPlugin(string) error { return ErrNoTensorRT }

// ParseONNX returns ErrNoTensorRT.
func (*Builder) ParseONNX(string, bool) (*Network, error) { return nil, ErrNoTensorRT }

// NewConfig returns ErrNoTensorRT.
func (*Builder) NewConfig() (*Config, error) { return nil, ErrNoTensorRT }

// Build returns ErrNoTensorRT.
func (*Builder) Build(*Network, *Config) ([]byte, error) { return nil, ErrNoTensorRT }

// Network is unavailable without TensorRT.
type Network struct{}

// Close does nothing.
func (*Network) Close() error { return nil }

// IO returns ErrNoTensorRT.
func (*Network) IO() ([]TensorDesc, error) { return nil, ErrNoTensorRT }

// Config is unavailable without TensorRT.
type Config struct{}

// Close does nothing.
func (*Config) Close() error { return nil }

// SetFlag returns ErrNoTensorRT.
func (*Config) SetFlag(Flag) error { return ErrNoTensorRT }

// SetWorkspace returns ErrNoTensorRT.
func (*Config) SetWorkspace(uint64) error { return ErrNoTensorRT }

// SetHardwareCompat returns ErrNoTensorRT.
func (*Config) SetHardwareCompat(HWCompat) error { return ErrNoTensorRT }

// SetDetailedProfiling returns ErrNoTensorRT.
func (*Config) SetDetailedProfiling() error { return ErrNoTensorRT }

// AddProfile returns ErrNoTensorRT.
func (*Config) AddProfile(*Builder, []ProfileInput) error { return ErrNoTensorRT }

// SetTimingCache returns ErrNoTensorRT.
func (*Config) SetTimingCache([]byte) error { return ErrNoTensorRT }

// TimingCache returns ErrNoTensorRT.
func (*Config) TimingCache() ([]byte, error) { return nil, ErrNoTensorRT }

// SetCalibrationCache returns ErrNoTensorRT.
func (*Config) SetCalibrationCache(CalibAlgo, []byte) error { return ErrNoTensorRT }

// Runtime is unavailable without TensorRT.
type Runtime struct{}

// NewRuntime returns ErrNoTensorRT.
func NewRuntime() (*Runtime, error) { return nil, ErrNoTensorRT }

// Close does nothing.
func (*Runtime) Close() error { return nil }

// LoadPlugin returns ErrNoTensorRT.
func (*Runtime) LoadPlugin(string) error { return ErrNoTensorRT }

// Deserialize returns ErrNoTensorRT.
func (*Runtime) Deserialize([]byte) (*Engine, error) { return nil, ErrNoTensorRT }

// Engine is unavailable without TensorRT.
type Engine struct{}

// Close does nothing.
func (*Engine) Close() error { return nil }

// IO returns ErrNoTensorRT.
func (*Engine) IO() ([]TensorDesc, error) { return nil, ErrNoTensorRT }

// NumLayers is 0.
func (*Engine) NumLayers() int { return 0 }

// HardwareCompat is HWCompatNone.
func (*Engine) HardwareCompat() HWCompat { return HWCompatNone }

// Profiles returns ErrNoTensorRT.
func (*Engine) Profiles() ([][]ProfileInput, error) { return nil, ErrNoTensorRT }

// LayerInfo returns ErrNoTensorRT.
func (*Engine) LayerInfo() (string, error) { return "", ErrNoTensorRT }

// NewContext returns ErrNoTensorRT.
func (*Engine) NewContext() (*Context, error) { return nil, ErrNoTensorRT }

// Context is unavailable without TensorRT.
type Context struct{}

// Close does nothing.
func (*Context) Close() error { return nil }

// SetInputShape returns ErrNoTensorRT.
func (*Context) SetInputShape(string, []int64) error { return ErrNoTensorRT }

// TensorShape returns ErrNoTensorRT.
func (*Context) TensorShape(string) ([]int64, error) { return nil, ErrNoTensorRT }

// SetTensorAddress returns ErrNoTensorRT.
func (*Context) SetTensorAddress(string, *DeviceBuffer) error { return ErrNoTensorRT }

// Enqueue returns ErrNoTensorRT.
func (*Context) Enqueue(*Stream) error { return ErrNoTensorRT }

// CaptureGraph returns ErrNoTensorRT.
func (*Context) CaptureGraph(*Stream) (*Graph, error) { return nil, ErrNoTensorRT }

// DeviceCount returns ErrNoTensorRT.
func DeviceCount() (int, error) { return 0, ErrNoTensorRT }

// SetDevice returns ErrNoTensorRT.
func SetDevice(int) error { return ErrNoTensorRT }

// ComputeCapability returns ErrNoTensorRT.
func ComputeCapability(int) (string, error) { return "", ErrNoTensorRT }

// DeviceBuffer is unavailable without TensorRT.
type DeviceBuffer struct{}

// NewDeviceBuffer returns ErrNoTensorRT.
func NewDeviceBuffer(int) (*DeviceBuffer, error) { return nil, ErrNoTensorRT }

// Size is 0.
func (*DeviceBuffer) Size() int { return 0 }

// Close does nothing.
func (*DeviceBuffer) Close() error { return nil }

// HostBuffer is unavailable without TensorRT.
type HostBuffer struct{}

// NewHostBuffer returns ErrNoTensorRT.
func NewHostBuffer(int) (*HostBuffer, error) { return nil, ErrNoTensorRT }

// Bytes is nil.
func (*HostBuffer) Bytes() []byte { return nil }

// Float32s is nil.
func (*HostBuffer) Float32s() []float32 { return nil }

// Size is 0.
func (*HostBuffer) Size() int { return 0 }

// Close does nothing.
func (*HostBuffer) Close() error { return nil }

// Stream is unavailable without TensorRT.
type Stream struct{}

// NewStream returns ErrNoTensorRT.
func NewStream() (*Stream, error) { return nil, ErrNoTensorRT }

// Close does nothing.
func (*Stream) Close() error { return nil }

// Sync returns ErrNoTensorRT.
func (*Stream) Sync() error { return ErrNoTensorRT }

// CopyToDevice returns ErrNoTensorRT.
func (*Stream) CopyToDevice(*DeviceBuffer, *HostBuffer, int) error { return ErrNoTensorRT }

// CopyToHost returns ErrNoTensorRT.
func (*Stream) CopyToHost(*HostBuffer, *DeviceBuffer, int) error { return ErrNoTensorRT }

// Event is unavailable without TensorRT.
type Event struct{}

// NewEvent returns ErrNoTensorRT.
func NewEvent() (*Event, error) { return nil, ErrNoTensorRT }

// Close does nothing.
func (*Event) Close() error { return nil }

// Record returns ErrNoTensorRT.
func (*Event) Record(*Stream) error { return ErrNoTensorRT }

// Sync returns ErrNoTensorRT.
func (*Event) Sync() error { return ErrNoTensorRT }

// ElapsedMs returns ErrNoTensorRT.
func ElapsedMs(*Event, *Event) (float64, error) { return 0, ErrNoTensorRT }

// Graph is unavailable without TensorRT.
type Graph struct{}

// Launch returns ErrNoTensorRT.
func (*Graph) Launch(*Stream) error { return ErrNoTensorRT }

// Close does nothing.
func (*Graph) Close() error { return nil }
