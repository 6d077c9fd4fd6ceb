package doctor

import (
	"fmt"
	"path/filepath"
	"strconv"

	"strings"

	"github.com/segtrt/segtrt/internal/device"
	"github.com/segtrt/segtrt/ort"
	"github.com/segtrt/segtrt/trt"
)

// RealProber looks at this machine: it loads a TensorRT shim and through
// it TensorRT and the CUDA runtime with dlopen (trt.Load); without a shim
// it searches the usual library folders for TensorRT's files.
type RealProber struct {
	TRTLib, CUDARTLib string
	TRTShim           string
	Env               *trt.Env
}

func (p RealProber) env() trt.Env {
	if p.Env != nil {
		return *p.Env
	}
	return trt.OSEnv
}

// load is trt.Load with the prober's paths (once per process).
func (p RealProber) load() (trt.Info, error) {
	return trt.Load(trt.LoadOptions{Shim: p.TRTShim, TensorRTLib: p.TRTLib, CUDARTLib: p.CUDARTLib, Env: p.Env})
}

// Shims lists every shim file found where segtrt looks, marks the one
// loaded, and says why any other was refused.
func (p RealProber) Shims(flagPath string) []Library {
	env := p.env()
	info, _ := p.load()
	why := map[string]string{}
	for _, r := range info.ShimRefused {
		why[r.Path] = shortReason(r.Why)
	}
	out := []Library{}
	for _, c := range trt.ShimCandidates(env, flagPath) {
		if !env.IsFile(c) {
			continue
		}
		l := Library{Name: filepath.Base(c), Found: true, Path: c, Checked: "file", Note: why[c]}
		if c == info.ShimPath {
			l.Used, l.Checked, l.Version = true, "loaded", "(TensorRT "+info.HeaderVersion+" headers)"
		} else if l.Note == "" && info.ShimPath != "" {
			l.Note = "not needed: another shim loaded first"
		}
		out = append(out, l)
	}
	return out
}

// shortReason turns a refusal into a few words for the table: a missing
// TensorRT is said in its soname, not in the eleven folders looked in.
func shortReason(why string) string {
	if i := strings.Index(why, "TensorRT library not found: tried "); i >= 0 {
		for _, m := range trt.Majors {
			if n := trt.TensorRTSonames(m).NvInfer; strings.Contains(why, n) {
				return fmt.Sprintf("refused: TensorRT %d (%s) not found", m, n)
			}
		}
	}
	return "refused: " + why
}

// ONNXRuntime loads ONNX Runtime through package ort.
func (RealProber) ONNXRuntime(flagPath string) Library {
	l := Library{Name: ort.LibraryName}
	info, err := ort.Init(flagPath)
	if err != nil {
		l.Note = err.Error()
		return l
	}
	l.Found, l.Path, l.Version, l.Checked = true, info.Path, info.Version, "loaded"
	return l
}

// TensorRT loads TensorRT (tagged build) or looks for its files.
func (p RealProber) TensorRT(flagPath string) TensorRT {
	if info, err := p.load(); info.ShimPath != "" {
		if err != nil && info.NvInferPath == "" {
			names := trt.TensorRTSonames(info.TensorRTMajor)
			return TensorRT{Note: err.Error(), Libraries: []Library{{Name: names.NvInfer}, {Name: names.Parser}}}
		}
		t := TensorRT{Version: info.TensorRT, Libraries: []Library{
			{Name: filepath.Base(info.NvInferPath), Found: true, Path: info.NvInferPath, Version: info.TensorRT, Checked: "loaded"},
			{Name: filepath.Base(info.ParserPath), Found: true, Path: info.ParserPath, Version: info.Parser, Checked: "loaded"},
		}}
		if info.PluginPath != "" {
			t.Libraries = append(t.Libraries, Library{Name: filepath.Base(info.PluginPath), Found: true, Path: info.PluginPath, Checked: "loaded"})
		}
		if err != nil { // TensorRT loaded, the CUDA runtime did not
			t.Note = err.Error()
		}
		return t
	}
	// Without a shim nothing can be loaded: say which files are there.
	env := p.env()
	for _, major := range []int{11, 10} {
		names := trt.TensorRTSonames(major)
		path, _ := env.FindFile(names.NvInfer, flagPath, trt.EnvTensorRTLib)
		if path == "" {
			continue
		}
		t := TensorRT{Version: "", Note: "TensorRT " + strconv.Itoa(major) + " files found, not loaded (no segtrt shim for it)"}
		for _, n := range []string{names.NvInfer, names.Parser, names.Plugin} {
			t.Libraries = append(t.Libraries, fileLib(env, n, flagPath, trt.EnvTensorRTLib))
		}
		return t
	}
	names := trt.TensorRTSonames(10)
	_, tried := env.FindFile(names.NvInfer, flagPath, trt.EnvTensorRTLib)
	return TensorRT{
		Note:      "no libnvinfer.so.10 or .11 in " + strings.Join(dirsOf(tried), ", "),
		Libraries: []Library{{Name: names.NvInfer}, {Name: names.Parser}},
	}
}

// CUDA reports the runtime (loaded by trt.Load in the tagged build, else
// found on disk) and the driver library.
func (p RealProber) CUDA(flagPath string) CUDA {
	env := p.env()
	var c CUDA
	if info, err := p.load(); info.ShimPath != "" {
		c.Refused = info.CUDARTRefused
		if err == nil {
			c.Runtime = Library{Name: filepath.Base(info.CUDARTPath), Found: true, Path: info.CUDARTPath, Version: info.CUDARuntime, Checked: "loaded"}
			c.DriverCUDA = info.CUDADriver
		}
	}
	if !c.Runtime.Found {
		for _, n := range trt.CUDARTSonames {
			if l := fileLib(env, n, flagPath, trt.EnvCUDARTLib); l.Found {
				c.Runtime = l
				break
			}
		}
		if !c.Runtime.Found {
			c.Runtime = Library{Name: strings.Join(trt.CUDARTSonames, " | ")}
		}
	}
	c.Driver = fileLib(env, "libcuda.so.1", "", "")
	return c
}

// Device asks NVML through internal/device.
func (RealProber) Device() device.Facts { return device.Probe() }

// Plugins finds segtrt's plugin libraries the way build and the runner do,
// one per TensorRT major, and marks the loaded TensorRT's.
func (p RealProber) Plugins(explicit []string) Plugins {
	info, _ := p.load()
	out := Plugins{Libraries: []Library{}}
	seen := map[string]bool{}
	for _, m := range trt.Majors {
		libs, err := trt.PluginLibs(p.env(), explicit, m)
		if err != nil {
			return Plugins{Libraries: []Library{}, Note: err.Error()}
		}
		for _, l := range libs {
			if !seen[l] {
				seen[l] = true
				used := info.NvInferPath != "" && m == info.TensorRTMajor
				out.Libraries = append(out.Libraries, Library{Name: filepath.Base(l), Found: true, Path: l, Checked: "file", Used: used})
			}
		}
	}
	if len(out.Libraries) == 0 {
		out.Note = "none found (--plugin-lib, $" + trt.EnvPluginLib + ", or " + trt.PluginLibName(10) + " / " + trt.PluginLibName(11) + " next to the binary)"
	}
	return out
}

func fileLib(env trt.Env, name, explicit, envVar string) Library {
	path, _ := env.FindFile(name, explicit, envVar)
	if path == "" {
		return Library{Name: name}
	}
	return Library{Name: name, Found: true, Path: path, Checked: "file"}
}

func dirsOf(paths []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		d := filepath.Dir(p)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

func majorOf(v string) int {
	m, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(m); err == nil && n > 0 {
		return n
	}
	return 10
}
