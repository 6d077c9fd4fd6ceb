package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
)

func TestBuildCommand(t *testing.T) {
	dir := t.TempDir()
	plain := testmodels.Path("plain.onnx")
	out := filepath.Join(dir, "e.engine")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"build", "--out", out}, 2, "build needs --model and --out"},
		{[]string{"build", "--model", plain, "--out", out, "--precision", "int4"}, 2, `--precision "int4"`},
		{[]string{"build", "--model", plain, "--out", out, "--workspace", "2 parsecs"}, 2, "--workspace"},
		{[]string{"build", "--model", plain, "--out", out, "--hw-compat", "turing+"}, 2, "--hw-compat"},
		{[]string{"build", "--model", plain, "--out", out, "--opt", "input:1x3x40x30"}, 2, "fixed dimension 2 = 20"},
		{[]string{"build", "--model", plain, "--out", out, "--min", "input:1x3x30x30", "--opt", "input:1x3x20x30"}, 2, "min <= opt <= max"},
		{[]string{"build", "--model", plain, "--out", out, "--precision", "int8"}, 2, "--precision int8"},
		{[]string{"build", "extra"}, 2, "unknown command"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") > 1 {
			t.Errorf("%v: exit %d stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	// Valid options on a machine without TensorRT: exit 1, the reason on
	// one line, nothing written.
	code, _, stderr := runCLI("build", "--model", plain, "--out", out, "--precision", "fp32", "--workspace", "1GiB")
	// Without a shim next to the test binary the shim is what is missing;
	// with one (make native, copied) TensorRT's libnvinfer is named.
	if code != 1 || !strings.Contains(stderr, "library not found") ||
		!strings.Contains(stderr, "libsegtrt_trt11.so") && !strings.Contains(stderr, "libnvinfer.so.") {
		t.Errorf("exit %d %q", code, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %v", entries)
	}
	// An existing engine is not replaced without --force.
	os.WriteFile(out, []byte("old"), 0o644)
	code, _, stderr = runCLI("build", "--model", plain, "--out", out)
	if code != 1 || !strings.Contains(stderr, "e.engine exists; pass --force") {
		t.Errorf("overwrite: exit %d %q", code, stderr)
	}
}

func TestDoctorCommand(t *testing.T) {
	code, out, stderr := runCLI("doctor")
	if code != 0 || stderr != "" || !strings.Contains(out, "segtrt doctor") || !strings.Contains(out, "GPU") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runCLI("doctor", "--json")
	var r struct {
		Shims   []struct{ Name string } `json:"shims"`
		Missing []string                `json:"missing"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("--json: exit %d %s", code, out)
	}
	if len(r.Missing) == 0 {
		t.Error("nothing missing on a machine without TensorRT")
	}
}
