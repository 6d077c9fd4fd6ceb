// Package testmodels locates the ONNX fixtures under testdata/onnx and
// their JSON sidecars (what torch said about each model), and builds the
// larger torch exports that are too big to commit, for tests only.
package testmodels

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// init lets a plain `go test ./...` find the ONNX Runtime library that
// `make deps` installed, as a binary built by `make build` does.
func init() {
	if os.Getenv("SEGTRT_ORT_LIB") == "" {
		os.Setenv("SEGTRT_ORT_LIB", filepath.Join(Root(), ".deps", "onnxruntime", "libonnxruntime.so.1"))
	}
}

// Meta is a fixture's sidecar, written by testdata/onnx/make_fixtures.py.
type Meta struct {
	Opset           int                `json:"opset"`
	InputShape      []int64            `json:"input_shape"`
	TorchParams     int64              `json:"torch_params"`
	HookMACs        int64              `json:"hook_macs"`
	OutputShapes    [][]int64          `json:"output_shapes"`
	OutputNames     []string           `json:"output_names"`
	ONNXValueShapes map[string][]int64 `json:"onnx_value_shapes"`
	AltInputShape   []int64            `json:"alt_input_shape"`
	AltOutputShapes [][]int64          `json:"alt_output_shapes"`
}

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path returns testdata/onnx/name.
func Path(name string) string { return filepath.Join(Root(), "testdata", "onnx", name) }

// LoadMeta reads the sidecar of fixture name.
func LoadMeta(t testing.TB, name string) Meta {
	t.Helper()
	data, err := os.ReadFile(Path(name) + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Python is the interpreter with torch: $SEGTRT_PYTHON or Debian's.
func Python() string {
	if p := os.Getenv("SEGTRT_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// ResNet18 returns a torch.onnx export of a freshly initialised torchvision
// ResNet-18 (46 MB, so built into testdata/cache instead of committed). A
// missing torch fails the test: it must not pass by skipping.
func ResNet18(t testing.TB) string {
	t.Helper()
	path := filepath.Join(Root(), "testdata", "cache", "resnet18.onnx")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Python(), filepath.Join(Root(), "testdata", "onnx", "make_fixtures.py"), "--resnet18", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("exporting ResNet-18 with %s (needs python3-torch, python3-torchvision; run make deps): %v\n%s", Python(), err, out)
	}
	return path
}

// TorchvisionZoo returns the folder of torchvision segmentation exports
// (testdata/onnx/torchvision_zoo.py names them), made once into the
// git-ignored testdata/cache: FCN-ResNet50 is 135 MB.
func TorchvisionZoo(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(Root(), "testdata", "cache", "torchvision")
	cmd := exec.Command(Python(), filepath.Join(Root(), "testdata", "onnx", "torchvision_zoo.py"), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("exporting torchvision models with %s (needs python3-torch, python3-torchvision; run make deps): %v\n%s", Python(), err, out)
	}
	return dir
}
