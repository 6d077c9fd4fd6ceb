package libfind

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

const envTRT, envCUDA = "SEGTRT_TRT_LIB", "SEGTRT_CUDART_LIB"

func sys(name string) []string {
	var out []string
	for _, d := range SystemDirs {
		out = append(out, filepath.Join(d, name))
	}
	return out
}

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
		env:  map[string]string{envTRT: "/opt/TensorRT-10.16/lib", "LD_LIBRARY_PATH": "/a::rel:./x:/b/"},
		exe:  "/usr/local/bin/segtrt",
	}
	got := m.env_().Candidates("libnvinfer.so.10", "/flag/libnvinfer.so.10", envTRT, "/build/libnvinfer.so.10")
	// The documented order: flag, environment, the binary's folder, where
	// the build installed it, LD_LIBRARY_PATH, system folders.
	want := []string{
		"/flag/libnvinfer.so.10",
		"/opt/TensorRT-10.16/lib/libnvinfer.so.10",
		"/usr/local/bin/libnvinfer.so.10",
		"/build/libnvinfer.so.10",
		"/a/libnvinfer.so.10", "/b/libnvinfer.so.10",
	}
	if !reflect.DeepEqual(got[:len(want)], want) {
		t.Fatalf("got %q", got)
	}
	if !reflect.DeepEqual(got[len(want):], sys("libnvinfer.so.10")) {
		t.Fatalf("system folders do not follow: %q", got)
	}
	// Never the current directory: LD_LIBRARY_PATH's empty and relative
	// entries are skipped.
	for _, p := range got {
		if !filepath.IsAbs(p) {
			t.Fatalf("relative candidate %q", p)
		}
	}
	if !slices.Contains(SystemDirs, "/usr/local/nvidia/lib64") {
		t.Fatal("the Kubernetes driver mount is not searched")
	}
	// Listed once: /usr/local/lib is both in LD_LIBRARY_PATH and SystemDirs.
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
	p, tried := env.FindFile("libnvinfer.so.10", "", envTRT)
	if p != "/usr/lib/x86_64-linux-gnu/libnvinfer.so.10" || len(tried) < 3 {
		t.Fatalf("found %q after %q", p, tried)
	}
	if p, tried := env.FindFile("libnvinfer.so.11", "", envTRT); p != "" || len(tried) == 0 {
		t.Fatalf("found %q", p)
	}
	got := env.LoadOrder("libcudart.so.12", "", envCUDA)
	if !reflect.DeepEqual(got, []string{"/usr/local/cuda/lib64/libcudart.so.12", "libcudart.so.12"}) {
		t.Fatalf("load order %q", got)
	}
	// An explicit path that does not exist is still tried first, so the
	// error names it.
	got = env.LoadOrder("libnvinfer.so.10", "/nowhere/libnvinfer.so.10", envTRT)
	if got[0] != "/nowhere/libnvinfer.so.10" || got[len(got)-1] != "libnvinfer.so.10" {
		t.Fatalf("load order %q", got)
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "libp.so")
	os.WriteFile(lib, []byte("elf"), 0o644)
	env := Env{Getenv: func(string) string { return "" }, Executable: func() (string, error) { return filepath.Join(dir, "segtrt"), nil }, Stat: os.Stat}
	if libs, from, missing := env.List(nil, "P", "libp.so"); !reflect.DeepEqual(libs, []string{lib}) || from != "binary" || missing != "" {
		t.Fatalf("next to the binary: %q %q %q", libs, from, missing)
	}
	env.Getenv = func(k string) string {
		if k == "P" {
			return lib + ":" + filepath.Join(dir, "none.so")
		}
		return ""
	}
	if _, from, missing := env.List(nil, "P", "libp.so"); from != "$P" || missing != filepath.Join(dir, "none.so") {
		t.Fatalf("environment: %q %q", from, missing)
	}
	if libs, from, _ := env.List([]string{lib}, "P", "libp.so"); from != "flag" || !reflect.DeepEqual(libs, []string{lib}) {
		t.Fatalf("flag: %q %q", libs, from)
	}
}
