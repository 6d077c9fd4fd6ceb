package trt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
)

// Environment variables that point at libraries (a file, or for the
// TensorRT and CUDA ones also a folder holding them).
const (
	EnvTensorRTLib = "SEGTRT_TRT_LIB"
	EnvCUDARTLib   = "SEGTRT_CUDART_LIB"
	// EnvPluginLib lists segtrt plugin libraries, separated by ':'.
	EnvPluginLib = "SEGTRT_PLUGIN_LIB"
)

// PluginLibName is the file plugins/plugins.mk builds.
const PluginLibName = "libsegtrt_plugins.so"

// LibDirs are the folders searched after the environment and the
// binary's own folder: Debian/Ubuntu multiarch (NVIDIA's packages), the
// tarball and container locations, CUDA's.
var LibDirs = []string{
	"/usr/lib/x86_64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu",
	"/usr/local/tensorrt/lib",
	"/opt/tensorrt/lib",
	"/usr/local/cuda/lib64",
	"/usr/local/cuda/targets/x86_64-linux/lib",
	"/usr/lib64",
	"/usr/lib",
	"/usr/local/lib",
}

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
// ships for CUDA 13, TensorRT 10 for 12 and 11.8).
var CUDARTSonames = []string{"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"}

// Env reads the environment; tests replace it.
type Env struct {
	Getenv     func(string) string
	Executable func() (string, error)
	Stat       func(string) (os.FileInfo, error)
}

// OSEnv is the real environment.
var OSEnv = Env{Getenv: os.Getenv, Executable: os.Executable, Stat: os.Stat}

func (e Env) isFile(p string) bool {
	st, err := e.Stat(p)
	return err == nil && !st.IsDir()
}

func (e Env) isDir(p string) bool {
	st, err := e.Stat(p)
	return err == nil && st.IsDir()
}

// Candidates lists where library name is looked for, in order: explicit
// (a flag's path or folder), the environment variable envVar (file or
// folder), every folder of LD_LIBRARY_PATH, the binary's folder, LibDirs.
// Paths are cleaned and listed once. The bare soname, which dlopen
// resolves through ld.so.cache, is not included: LoadOrder adds it.
func (e Env) Candidates(name, explicit, envVar string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" {
			return
		}
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	fileOrDir := func(p string) {
		if p == "" {
			return
		}
		if e.isDir(p) {
			add(filepath.Join(p, name))
		} else {
			add(p)
		}
	}
	fileOrDir(explicit)
	if envVar != "" {
		fileOrDir(e.Getenv(envVar))
	}
	for _, d := range filepath.SplitList(e.Getenv("LD_LIBRARY_PATH")) {
		if d != "" {
			add(filepath.Join(d, name))
		}
	}
	if exe, err := e.Executable(); err == nil {
		add(filepath.Join(filepath.Dir(exe), name))
	}
	for _, d := range LibDirs {
		add(filepath.Join(d, name))
	}
	return out
}

// Found is one library a file search found.
type Found struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// FindFile returns the first candidate that exists, or "" and the list
// of candidates tried.
func (e Env) FindFile(name, explicit, envVar string) (string, []string) {
	cands := e.Candidates(name, explicit, envVar)
	for _, p := range cands {
		if e.isFile(p) {
			return p, cands
		}
	}
	return "", cands
}

// LoadOrder is the order the tagged build dlopens name in: the existing
// candidate files, then the bare soname (ld.so.cache, RUNPATH). Explicit
// paths that do not exist stay in the list so that the error names them.
func (e Env) LoadOrder(name, explicit, envVar string) []string {
	var out []string
	for i, p := range e.Candidates(name, explicit, envVar) {
		if e.isFile(p) || (i == 0 && explicit != "") {
			out = append(out, p)
		}
	}
	return append(out, name)
}

// PluginLibs returns the plugin libraries to load: the explicit ones if
// any, else those named by SEGTRT_PLUGIN_LIB, else libsegtrt_plugins.so
// next to the binary if it exists. Explicit and environment paths must
// exist.
func (e Env) PluginLibs(explicit []string) ([]string, error) {
	var list []string
	from := "" // the caller's option
	if len(explicit) > 0 {
		list = explicit
	} else if v := e.Getenv(EnvPluginLib); v != "" {
		from = "$" + EnvPluginLib
		for _, p := range strings.Split(v, ":") {
			if p != "" {
				list = append(list, p)
			}
		}
	} else {
		if exe, err := e.Executable(); err == nil {
			p := filepath.Join(filepath.Dir(exe), PluginLibName)
			if e.isFile(p) {
				return []string{p}, nil
			}
		}
		return nil, nil
	}
	out := make([]string, 0, len(list))
	for _, p := range list {
		if !e.isFile(p) {
			if from == "" {
				return nil, opterr.Hintf("{PluginLibs} %s: no such file", p)
			}
			return nil, fmt.Errorf("%s %s: no such file", from, p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		out = append(out, abs)
	}
	return out, nil
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
