package trt

import (
	"fmt"
	"strings"

	"github.com/segtrt/segtrt/trt/enginemeta"
)

// Flag is a builder precision flag (TensorRT 10 weakly typed networks).
type Flag int

// Flags, numbered as in segtrt_trt.h.
const (
	FlagFP16 Flag = 1
	FlagINT8 Flag = 2
)

func (f Flag) String() string {
	switch f {
	case FlagFP16:
		return "fp16"
	case FlagINT8:
		return "int8"
	}
	return fmt.Sprintf("flag%d", int(f))
}

// HWCompat is an engine's hardware compatibility level.
type HWCompat int

// Levels, valued as TensorRT's HardwareCompatibilityLevel.
const (
	HWCompatNone       HWCompat = 0
	HWCompatAmperePlus HWCompat = 1
	HWCompatSameCC     HWCompat = 2
)

// String gives the CLI spelling: none, ampere+, same-cc.
func (h HWCompat) String() string {
	switch h {
	case HWCompatNone:
		return "none"
	case HWCompatAmperePlus:
		return "ampere+"
	case HWCompatSameCC:
		return "same-cc"
	}
	return fmt.Sprintf("hw-compat(%d)", int(h))
}

// ParseHWCompat reads none, ampere+ or same-cc.
func ParseHWCompat(s string) (HWCompat, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "":
		return HWCompatNone, nil
	case "ampere+", "ampere-plus", "ampereplus":
		return HWCompatAmperePlus, nil
	case "same-cc", "same-compute-capability":
		return HWCompatSameCC, nil
	}
	return 0, fmt.Errorf("hardware compatibility %q: want none, ampere+ or same-cc", s)
}

// CalibAlgo is the calibrator class a legacy calibration cache is read
// through; its name is the cache header's last field.
type CalibAlgo int

// Calibrators, numbered as in segtrt_trt.h.
const (
	CalibEntropy2 CalibAlgo = 1
	CalibMinMax   CalibAlgo = 2
)

// ParseCalibAlgo maps a cache header's class (EntropyCalibration2,
// MinMaxCalibration) to a calibrator.
func ParseCalibAlgo(class string) (CalibAlgo, error) {
	switch class {
	case "EntropyCalibration2":
		return CalibEntropy2, nil
	case "MinMaxCalibration":
		return CalibMinMax, nil
	}
	return 0, fmt.Errorf("calibrator %q: segtrt build reads EntropyCalibration2 and MinMaxCalibration caches", class)
}

func (a CalibAlgo) String() string {
	switch a {
	case CalibEntropy2:
		return "EntropyCalibration2"
	case CalibMinMax:
		return "MinMaxCalibration"
	}
	return fmt.Sprintf("calibrator(%d)", int(a))
}

// DataType is a tensor element type, valued as nvinfer1::DataType.
type DataType int

// Data types.
const (
	Float DataType = 0
	Half  DataType = 1
	Int8  DataType = 2
	Int32 DataType = 3
	Bool  DataType = 4
	Uint8 DataType = 5
	FP8   DataType = 6
	BF16  DataType = 7
	Int64 DataType = 8
)

func (d DataType) String() string {
	names := []string{"float32", "float16", "int8", "int32", "bool", "uint8", "fp8", "bfloat16", "int64"}
	if int(d) >= 0 && int(d) < len(names) {
		return names[d]
	}
	return fmt.Sprintf("dtype(%d)", int(d))
}

// Size is the bytes of one element (0 for sub-byte or unknown types).
func (d DataType) Size() int {
	switch d {
	case Float, Int32:
		return 4
	case Half, BF16:
		return 2
	case Int8, Bool, Uint8, FP8:
		return 1
	case Int64:
		return 8
	}
	return 0
}

// TensorDesc is one input or output of a network or engine. A dimension
// of -1 is dynamic.
type TensorDesc struct {
	Name    string   `json:"name"`
	Input   bool     `json:"input"`
	DType   DataType `json:"-"`
	Type    string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	IsShape bool     `json:"-"`
}

// ProfileInput is one input's shapes in an optimisation profile (as
// E.engine.json records it).
type ProfileInput = enginemeta.ProfileInput

// severity of a TensorRT log message (ILogger::severity).
type severity int

// Severities.
const (
	sevInternalError severity = 0
	sevError         severity = 1
	sevWarning       severity = 2
	sevInfo          severity = 3
	sevVerbose       severity = 4
)

func (s severity) String() string {
	switch s {
	case sevInternalError:
		return "internal error"
	case sevError:
		return "error"
	case sevWarning:
		return "warning"
	case sevInfo:
		return "info"
	case sevVerbose:
		return "verbose"
	}
	return fmt.Sprintf("severity %d", int(s))
}

// logMessage is one message TensorRT logged.
type logMessage struct {
	Severity severity
	Text     string
}

// Info says which TensorRT and CUDA this process loaded.
type Info struct {
	// ShimPath is the shim loaded (libsegtrt_trtN.so); HeaderVersion the
	// TensorRT whose headers built it.
	ShimPath      string `json:"shim"`
	HeaderVersion string `json:"header_version"`
	// ShimRefused lists shims found but not used, and why (another ABI, no
	// TensorRT of their major on this machine).
	ShimRefused   []Refusal `json:"shim_refused,omitempty"`
	TensorRT      string    `json:"tensorrt"`
	TensorRTMajor int       `json:"-"`
	Parser        string    `json:"onnx_parser"`
	NvInferPath   string    `json:"nvinfer"`
	ParserPath    string    `json:"nvonnxparser"`
	// PluginPath is libnvinfer_plugin (TensorRT's own plugins), optional.
	PluginPath  string `json:"nvinfer_plugin,omitempty"`
	CUDARuntime string `json:"cuda_runtime"`
	CUDARTPath  string `json:"cudart"`
	// CUDADriver is the newest CUDA the driver supports ("" without one).
	CUDADriver string `json:"cuda_driver"`
	// CUDARTRefused lists runtimes that loaded but need a newer driver.
	CUDARTRefused []Refusal `json:"cudart_refused,omitempty"`
}

// VersionString formats a TensorRT version code (major*10000+minor*100+patch).
func VersionString(code int) string {
	if code <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", code/10000, code/100%100, code%100)
}

// CUDAVersionString formats a CUDA version code (1000*major + 10*minor).
func CUDAVersionString(code int) string {
	if code <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", code/1000, code%1000/10)
}

// BuildSpec is everything one engine build needs.
type BuildSpec struct {
	ONNX          string
	StronglyTyped bool
	Flags         []Flag
	// WorkspaceBytes limits the workspace pool; 0 keeps TensorRT's default.
	WorkspaceBytes uint64
	HWCompat       HWCompat
	// Profile is one optimisation profile (empty: a static model).
	Profile []ProfileInput
	// UseTimingCache loads TimingCache (empty: a new cache) and returns
	// the updated one.
	UseTimingCache bool
	TimingCache    []byte
	// CalibCache, when set, is read through CalibAlgo (TensorRT 10).
	CalibCache []byte
	CalibAlgo  CalibAlgo
	PluginLibs []string
	Device     int
}

// BuildResult is what a build produced.
type BuildResult struct {
	Engine      []byte
	TimingCache []byte
	// LayerInfo is the engine inspector's JSON.
	LayerInfo string
	IO        []TensorDesc
	// Profiles are the engine's own min/opt/max per input and profile.
	Profiles [][]ProfileInput
	HWCompat HWCompat
	Layers   int
	// Warnings are TensorRT's warnings during the build.
	Warnings []string
}
