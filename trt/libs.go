package trt

import (
	"errors"
	"fmt"
	"strings"

	"github.com/segtrt/segtrt/internal/libfind"
	"github.com/segtrt/segtrt/internal/opterr"
)

// Environment variables that point at libraries (a file, or for the
// TensorRT and CUDA ones also a folder holding them).
const (
	EnvTensorRTLib = "SEGTRT_TRT_LIB"
	EnvCUDARTLib   = "SEGTRT_CUDART_LIB"
	// EnvPluginLib lists segtrt plugin libraries, separated by ':'.
	EnvPluginLib = "SEGTRT_PLUGIN_LIB"
	// EnvShim names the TensorRT shim (a file, or a folder holding
	// libsegtrt_trtN.so).
	EnvShim = "SEGTRT_TRT_SHIM"
)

// Majors are the TensorRT major versions segtrt has shims for, newest
// first: make native builds one shim and one plugin library per major.
var Majors = []int{11, 10}

// ShimName is the file of the shim for TensorRT major (cgo/, built by make
// native against that major's headers).
func ShimName(major int) string { return fmt.Sprintf("libsegtrt_trt%d.so", major) }

// PluginLibName is the file of segtrt's plugin library for TensorRT major
// (plugins/plugins.mk; IPluginV3's vtables differ between majors).
func PluginLibName(major int) string { return fmt.Sprintf("libsegtrt_plugins_trt%d.so", major) }

// TensorRTNames are the sonames of TensorRT's libraries for a major version.
type TensorRTNames struct{ NvInfer, Parser, Plugin string }

// TensorRTSonames returns the sonames of TensorRT major.
func TensorRTSonames(major int) TensorRTNames {
	return TensorRTNames{
		NvInfer: fmt.Sprintf("libnvinfer.so.%d", major),
		Parser:  fmt.Sprintf("libnvonnxparser.so.%d", major),
		Plugin:  fmt.Sprintf("libnvinfer_plugin.so.%d", major),
	}
}

// CUDARTSonames are the CUDA runtimes tried, newest first (TensorRT 11
// ships for CUDA 13, TensorRT 10 for 12 and 11.8). A runtime the driver is
// too old for is refused and the next one tried (chooseCUDART).
var CUDARTSonames = []string{"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"}

// Env is what library searches read of the process (libfind's order);
// tests replace it.
type Env = libfind.Env

// OSEnv is the real environment.
var OSEnv = libfind.OS

// PluginLibs returns the plugin libraries to load: the explicit ones if
// any, else those named by SEGTRT_PLUGIN_LIB, else the plugin library of
// TensorRT major next to the binary if it exists (major 0: of any major,
// newest first, for checks made before TensorRT is loaded). Explicit and
// environment paths must exist.
func PluginLibs(e Env, explicit []string, major int) ([]string, error) {
	majors := Majors
	if major != 0 {
		majors = []int{major}
	}
	var libs []string
	var from, missing string
	for _, m := range majors {
		// from is "" only when nothing was asked for and none lies next to
		// the binary: then try the next major.
		if libs, from, missing = e.List(explicit, EnvPluginLib, PluginLibName(m)); from != "" {
			break
		}
	}
	switch {
	case missing != "" && from == "flag":
		return nil, opterr.Hintf("{PluginLibs} %s: no such file", missing)
	case missing != "":
		return nil, fmt.Errorf("%s %s: no such file", from, missing)
	}
	return libs, nil
}

// notFound formats the "library not found: tried ..." error.
func notFound(what string, tried []string, failures map[string]string, hint string) error {
	parts := make([]string, 0, len(tried))
	for _, p := range tried {
		if why, ok := failures[p]; ok && why != "" {
			parts = append(parts, p+" ("+why+")")
		} else {
			parts = append(parts, p)
		}
	}
	return fmt.Errorf("%s %w: tried %s (%s)", what, ErrLibraryNotFound, strings.Join(parts, ", "), hint)
}

// Refusal is a library that was found and opened but not used, and why.
type Refusal struct {
	Path string `json:"path"`
	Why  string `json:"why"`
}

// chooseCUDART tries each soname's candidate paths (order) in turn and
// returns the first that open accepts. open loads a CUDA runtime and asks
// it one harmless question (cudaGetDeviceCount); a runtime that answers
// cudaErrorInsufficientDriver (ErrInsufficientDriver) is listed in refused
// and the search goes on, so a CUDA 13 runtime on the path does not shadow
// the CUDA 12 one a 12.x driver can run. Versions are never compared:
// minor-version compatibility lets a 12.8 runtime run on a 12.4 driver.
// failures holds every path's error, for the not-found message.
func chooseCUDART(sonames []string, order func(soname string) []string, open func(path string) error) (path string, refused []Refusal, failures map[string]string) {
	failures = map[string]string{}
	for _, soname := range sonames {
		for _, p := range order(soname) {
			if _, done := failures[p]; done {
				continue
			}
			err := open(p)
			if err == nil {
				return p, refused, failures
			}
			failures[p] = err.Error()
			if errors.Is(err, ErrInsufficientDriver) {
				refused = append(refused, Refusal{Path: p, Why: err.Error()})
			}
		}
	}
	return "", refused, failures
}
