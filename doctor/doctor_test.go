package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/device"
	"github.com/segtrt/segtrt/trt"
)

// fakeMachine is a Prober with canned facts.
type fakeMachine struct {
	shims   []Library
	ort     Library
	trt     TensorRT
	cuda    CUDA
	dev     device.Facts
	plugins Plugins
	asked   []string
}

func (f *fakeMachine) Shims(p string) []Library { f.asked = append(f.asked, "shim:"+p); return f.shims }
func (f *fakeMachine) ONNXRuntime(p string) Library {
	f.asked = append(f.asked, "ort:"+p)
	return f.ort
}
func (f *fakeMachine) TensorRT(p string) TensorRT { f.asked = append(f.asked, "trt:"+p); return f.trt }
func (f *fakeMachine) CUDA(p string) CUDA         { f.asked = append(f.asked, "cudart:"+p); return f.cuda }
func (f *fakeMachine) Device() device.Facts       { return f.dev }
func (f *fakeMachine) Plugins(e []string) Plugins {
	f.asked = append(f.asked, "plugins:"+strings.Join(e, ","))
	return f.plugins
}

// This machine's kind: a CPU box with ONNX Runtime only.
func cpuBox() *fakeMachine {
	return &fakeMachine{
		ort:     Library{Name: "libonnxruntime.so.1", Found: true, Path: "/x/libonnxruntime.so.1", Version: "1.30.0", Checked: "loaded"},
		trt:     TensorRT{Note: "no libnvinfer.so.10 or .11 in /usr/lib", Libraries: []Library{{Name: "libnvinfer.so.10"}, {Name: "libnvonnxparser.so.10"}}},
		cuda:    CUDA{Runtime: Library{Name: "libcudart.so.12"}, Driver: Library{Name: "libcuda.so.1"}},
		dev:     device.Facts{CPU: "AMD EPYC", Cores: 2, OS: "linux/amd64", GPUs: []device.GPU{}, GPUNote: "no GPU: NVML unavailable (Driver Not Loaded)"},
		plugins: Plugins{Libraries: []Library{}, Note: "none found"},
	}
}

// A GPU runner with everything.
func gpuBox() *fakeMachine {
	return &fakeMachine{
		shims: []Library{
			{Name: "libsegtrt_trt11.so", Found: true, Path: "/opt/segtrt/libsegtrt_trt11.so", Checked: "file", Note: "refused: TensorRT 11 (libnvinfer.so.11) not found"},
			{Name: "libsegtrt_trt10.so", Found: true, Path: "/opt/segtrt/libsegtrt_trt10.so", Checked: "loaded", Version: "(TensorRT 10.16.0 headers)", Used: true},
		},
		ort: Library{Name: "libonnxruntime.so.1", Found: true, Path: "/x/libonnxruntime.so.1", Version: "1.30.0"},
		trt: TensorRT{Version: "10.16.0", Libraries: []Library{
			{Name: "libnvinfer.so.10", Found: true, Path: "/usr/lib/x86_64-linux-gnu/libnvinfer.so.10", Version: "10.16.0", Checked: "loaded"},
			{Name: "libnvonnxparser.so.10", Found: true, Path: "/usr/lib/x86_64-linux-gnu/libnvonnxparser.so.10", Checked: "loaded"},
		}},
		cuda: CUDA{Runtime: Library{Name: "libcudart.so.12", Found: true, Path: "/usr/local/cuda/lib64/libcudart.so.12", Version: "12.8", Checked: "loaded"},
			Driver: Library{Name: "libcuda.so.1", Found: true, Path: "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}, DriverCUDA: "12.9"},
		dev: device.Facts{CPU: "Xeon", Cores: 32, OS: "linux/amd64", GPUs: []device.GPU{{Name: "NVIDIA A10", UUID: "GPU-123", ComputeCapability: "8.6",
			MemoryMiB: 23028, SMClockMHz: 1695, MemClockMHz: 6251, Driver: "570.86"}}},
		plugins: Plugins{Libraries: []Library{{Name: "libsegtrt_plugins_trt10.so", Found: true, Path: "/opt/segtrt/libsegtrt_plugins_trt10.so", Checked: "file", Used: true}}},
	}
}

func TestCPUMachineListsWhatIsMissing(t *testing.T) {
	var out bytes.Buffer
	m := cpuBox()
	if err := Run(context.Background(), Options{Stdout: &out, Probe: m, Version: "v1", ORTLib: "/o.so", TRTShim: "/s.so", PluginLibs: []string{"p.so"}}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"segtrt        v1",
		"shims         none found",
		"ONNX Runtime  libonnxruntime.so.1 1.30.0: /x/libonnxruntime.so.1 [loaded]",
		"TensorRT      not found (no libnvinfer.so.10 or .11 in /usr/lib)",
		"GPUs          no GPU: NVML unavailable (Driver Not Loaded)",
		"missing:",
		"segtrt's TensorRT shim libsegtrt_trt10.so or libsegtrt_trt11.so (build, validate --backend trt): `make native`",
		"TensorRT library libnvinfer.so.10",
		"CUDA runtime libcudart.so.12",
		"NVIDIA driver's libcuda.so.1",
		"GPU (build, validate --backend trt): no GPU",
		"segtrt plugin library",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "ONNX Runtime (calibrate") {
		t.Error("ONNX Runtime listed as missing")
	}
	// Flags reach the prober.
	if strings.Join(m.asked, " ") != "shim:/s.so ort:/o.so trt: cudart: plugins:p.so" {
		t.Errorf("asked %q", m.asked)
	}
}

func TestGPUMachineMissesNothing(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Stdout: &out, Probe: gpuBox()}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"shim          libsegtrt_trt11.so: /opt/segtrt/libsegtrt_trt11.so [file] (refused: TensorRT 11 (libnvinfer.so.11) not found)",
		"shim          libsegtrt_trt10.so (TensorRT 10.16.0 headers): /opt/segtrt/libsegtrt_trt10.so [loaded] (used)",
		"TensorRT      10.16.0",
		"libnvinfer.so.10 10.16.0: /usr/lib/x86_64-linux-gnu/libnvinfer.so.10 [loaded]",
		"CUDA runtime  libcudart.so.12 12.8",
		"supports CUDA 12.9",
		"GPU 0         NVIDIA A10, compute capability 8.6, 23028 MiB, SM 1695 MHz, memory 6251 MHz, driver 570.86, GPU-123",
		"plugins       libsegtrt_plugins_trt10.so: /opt/segtrt/libsegtrt_plugins_trt10.so [file] (used)",
		"nothing missing",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestJSON(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Stdout: &out, Probe: cpuBox(), JSON: true}); err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, key := range []string{"segtrt_version", "shims", "onnxruntime", "tensorrt", "cuda", "machine", "plugins", "missing"} {
		if _, ok := r[key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	if shims := r["shims"].([]any); len(shims) != 0 {
		t.Errorf("shims %v", shims)
	}
	if gpus := r["machine"].(map[string]any)["gpus"].([]any); len(gpus) != 0 {
		t.Errorf("gpus %v", gpus)
	}
	if len(r["missing"].([]any)) < 4 {
		t.Errorf("missing %v", r["missing"])
	}
}

// The real prober on this machine: no panic; with the shims make native
// built next to the binary, both are listed and TensorRT is missing.
func TestRealProber(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, trt.PluginLibName(10))
	os.WriteFile(lib, []byte("x"), 0o644)
	var shims []string
	for _, m := range trt.Majors {
		if data, err := os.ReadFile(filepath.Join("..", "bin", trt.ShimName(m))); err == nil {
			os.WriteFile(filepath.Join(dir, trt.ShimName(m)), data, 0o755)
			shims = append(shims, trt.ShimName(m))
		}
	}
	env := trt.Env{
		Getenv:     func(k string) string { return "" },
		Executable: func() (string, error) { return filepath.Join(dir, "segtrt"), nil },
		Stat:       os.Stat,
	}
	p := RealProber{Env: &env}
	r := Collect(p, Options{})
	if len(r.Plugins.Libraries) != 1 || r.Plugins.Libraries[0].Path != lib {
		t.Errorf("plugins %+v", r.Plugins)
	}
	if len(r.Shims) != len(shims) {
		t.Errorf("shims %+v, want %v", r.Shims, shims)
	}
	for i, l := range r.Shims {
		// No TensorRT here: each shim is refused for want of its libnvinfer.
		if l.Name != shims[i] || l.Used || !strings.Contains(l.Note, "not found") {
			t.Errorf("shim %+v", l)
		}
	}
	if r.TensorRT.Version != "" {
		t.Errorf("TensorRT %+v on a machine without it", r.TensorRT)
	}
	if r.Machine.Cores == 0 || r.CUDA.Driver.Name != "libcuda.so.1" {
		t.Errorf("machine %+v cuda %+v", r.Machine, r.CUDA)
	}
	var out bytes.Buffer
	if err := r.WriteText(&out); err != nil || !strings.Contains(out.String(), "segtrt doctor") {
		t.Fatal(err, out.String())
	}
}
