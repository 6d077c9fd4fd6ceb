package trt

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeFS is a machine's files for the library search.
type fakeFS struct {
	files map[string]bool
	dirs  map[string]bool
	env   map[string]string
	exe   string
}

type fakeInfo struct {
	name string
	dir  bool
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return 1 }
func (f fakeInfo) Mode() fs.FileMode  { return 0o644 }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.dir }
func (f fakeInfo) Sys() any           { return nil }

func (f fakeFS) env_() Env {
	return Env{
		Getenv:     func(k string) string { return f.env[k] },
		Executable: func() (string, error) { return f.exe, nil },
		Stat: func(p string) (os.FileInfo, error) {
			switch {
			case f.files[p]:
				return fakeInfo{filepath.Base(p), false}, nil
			case f.dirs[p]:
				return fakeInfo{filepath.Base(p), true}, nil
			}
			return nil, fs.ErrNotExist
		},
	}
}

func TestCandidatesOrder(t *testing.T) {
	m := fakeFS{
		dirs: map[string]bool{"/opt/TensorRT-10.16/lib": true},
		env:  map[string]string{EnvTensorRTLib: "/opt/TensorRT-10.16/lib", "LD_LIBRARY_PATH": "/a:/b/"},
		exe:  "/usr/local/bin/segtrt",
	}
	got := m.env_().Candidates("libnvinfer.so.10", "/flag/libnvinfer.so.10", EnvTensorRTLib)
	want := []string{
		"/flag/libnvinfer.so.10",
		"/opt/TensorRT-10.16/lib/libnvinfer.so.10",
		"/a/libnvinfer.so.10", "/b/libnvinfer.so.10",
		"/usr/local/bin/libnvinfer.so.10",
	}
	if !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("got %q", got)
	}
	if got[len(want)] != "/usr/lib/x86_64-linux-gnu/libnvinfer.so.10" {
		t.Fatalf("system folders do not follow: %q", got)
	}
	// Listed once: /usr/local/lib is both in LD_LIBRARY_PATH and LibDirs.
	m.env["LD_LIBRARY_PATH"] = "/usr/local/lib"
	seen := map[string]int{}
	for _, p := range m.env_().Candidates("x.so", "", "") {
		seen[p]++
		if seen[p] > 1 {
			t.Fatalf("%s listed twice", p)
		}
	}
}

func TestFindFileAndLoadOrder(t *testing.T) {
	m := fakeFS{
		files: map[string]bool{"/usr/lib/x86_64-linux-gnu/libnvinfer.so.10": true, "/usr/local/cuda/lib64/libcudart.so.12": true},
		env:   map[string]string{},
		exe:   "/home/u/bin/segtrt",
	}
	env := m.env_()
	p, tried := env.FindFile("libnvinfer.so.10", "", EnvTensorRTLib)
	if p != "/usr/lib/x86_64-linux-gnu/libnvinfer.so.10" || len(tried) < 3 {
		t.Fatalf("found %q after %q", p, tried)
	}
	if p, tried := env.FindFile("libnvinfer.so.11", "", EnvTensorRTLib); p != "" || len(tried) == 0 {
		t.Fatalf("found %q", p)
	}
	got := env.LoadOrder("libcudart.so.12", "", EnvCUDARTLib)
	if !reflect.DeepEqual(got, []string{"/usr/local/cuda/lib64/libcudart.so.12", "libcudart.so.12"}) {
		t.Fatalf("load order %q", got)
	}
	// An explicit path that does not exist is still tried first, so the
	// error names it.
	got = env.LoadOrder("libnvinfer.so.10", "/nowhere/libnvinfer.so.10", EnvTensorRTLib)
	if got[0] != "/nowhere/libnvinfer.so.10" || got[len(got)-1] != "libnvinfer.so.10" {
		t.Fatalf("load order %q", got)
	}
}

func TestPluginLibs(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, PluginLibName)
	os.WriteFile(lib, []byte("elf"), 0o644)
	exe := filepath.Join(dir, "segtrt")
	env := Env{Getenv: func(string) string { return "" }, Executable: func() (string, error) { return exe, nil }, Stat: os.Stat}

	got, err := env.PluginLibs(nil)
	if err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("next to binary: %q %v", got, err)
	}
	env.Executable = func() (string, error) { return "/elsewhere/segtrt", nil }
	if got, err := env.PluginLibs(nil); err != nil || got != nil {
		t.Fatalf("none: %q %v", got, err)
	}
	env.Getenv = func(k string) string {
		if k == EnvPluginLib {
			return lib + ":" + filepath.Join(dir, "missing.so")
		}
		return ""
	}
	if _, err := env.PluginLibs(nil); err == nil || !strings.Contains(err.Error(), "$SEGTRT_PLUGIN_LIB") || !strings.Contains(err.Error(), "missing.so: no such file") {
		t.Fatalf("env with a missing file: %v", err)
	}
	// Explicit wins over the environment.
	if got, err := env.PluginLibs([]string{lib}); err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("explicit: %q %v", got, err)
	}
	if _, err := env.PluginLibs([]string{"rel/none.so"}); err == nil || !strings.Contains(err.Error(), "PluginLibs rel/none.so") {
		t.Fatalf("explicit missing: %v", err)
	}
}

func TestNotFoundMessage(t *testing.T) {
	err := notFound("TensorRT", []string{"/a/libnvinfer.so.10", "libnvinfer.so.10"}, map[string]string{"libnvinfer.so.10": "not in the loader's search path"}, "install TensorRT 10")
	want := "TensorRT library not found: tried /a/libnvinfer.so.10, libnvinfer.so.10 (not in the loader's search path) (install TensorRT 10)"
	if err.Error() != want || !errors.Is(err, ErrLibraryNotFound) {
		t.Fatalf("got %q", err)
	}
}

func TestSonames(t *testing.T) {
	n := TensorRTSonames(11)
	if n.NvInfer != "libnvinfer.so.11" || n.Parser != "libnvonnxparser.so.11" || n.Plugin != "libnvinfer_plugin.so.11" {
		t.Fatal(n)
	}
}
