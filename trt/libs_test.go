package trt

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPluginLibs(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, PluginLibName(10))
	os.WriteFile(lib, []byte("elf"), 0o644)
	exe := filepath.Join(dir, "segtrt")
	env := Env{Getenv: func(string) string { return "" }, Executable: func() (string, error) { return exe, nil }, Stat: os.Stat}

	got, err := PluginLibs(env, nil, 10)
	if err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("next to binary: %q %v", got, err)
	}
	// Before TensorRT is loaded (major 0) any major's will do, newest first;
	// after, only the loaded major's.
	if got, err := PluginLibs(env, nil, 0); err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("any major: %q %v", got, err)
	}
	lib11 := filepath.Join(dir, PluginLibName(11))
	os.WriteFile(lib11, []byte("elf"), 0o644)
	if got, _ := PluginLibs(env, nil, 0); !reflect.DeepEqual(got, []string{lib11}) {
		t.Fatalf("newest first: %q", got)
	}
	if got, _ := PluginLibs(env, nil, 10); !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("TensorRT 10's: %q", got)
	}
	env.Executable = func() (string, error) { return "/elsewhere/segtrt", nil }
	if got, err := PluginLibs(env, nil, 10); err != nil || got != nil {
		t.Fatalf("none: %q %v", got, err)
	}
	env.Getenv = func(k string) string {
		if k == EnvPluginLib {
			return lib + ":" + filepath.Join(dir, "missing.so")
		}
		return ""
	}
	if _, err := PluginLibs(env, nil, 10); err == nil || !strings.Contains(err.Error(), "$SEGTRT_PLUGIN_LIB") || !strings.Contains(err.Error(), "missing.so: no such file") {
		t.Fatalf("env with a missing file: %v", err)
	}
	// Explicit wins over the environment.
	if got, err := PluginLibs(env, []string{lib}, 10); err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("explicit: %q %v", got, err)
	}
	if _, err := PluginLibs(env, []string{"rel/none.so"}, 10); err == nil || !strings.Contains(err.Error(), "PluginLibs rel/none.so") {
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

func TestCUDARuntimeChoiceSkipsOneTheDriverCannotRun(t *testing.T) {
	dirs := map[string][]string{
		"libcudart.so.13":   {"/opt/cuda-13/libcudart.so.13"},
		"libcudart.so.12":   {"/opt/cuda-12.8/libcudart.so.12", "/usr/lib/libcudart.so.12"},
		"libcudart.so.11.0": {"/usr/lib/libcudart.so.11.0"},
	}
	order := func(soname string) []string { return dirs[soname] }
	// A 12.4 driver: the 13 runtime answers cudaErrorInsufficientDriver; the
	// 12.8 runtime runs on it (minor-version compatibility), so it is taken
	// though its version is above the driver's.
	answers := map[string]error{
		"/opt/cuda-13/libcudart.so.13": &Error{Status: StatusInsufficientDriver,
			Msg: "/opt/cuda-13/libcudart.so.13: CUDA runtime 13.0 needs a newer driver than the installed one (CUDA 12.4)"},
	}
	var opened []string
	open := func(p string) error { opened = append(opened, p); return answers[p] }
	path, refused, _ := chooseCUDART(CUDARTSonames, order, open)
	if path != "/opt/cuda-12.8/libcudart.so.12" || !reflect.DeepEqual(opened, []string{"/opt/cuda-13/libcudart.so.13", path}) {
		t.Fatalf("chose %q after %v", path, opened)
	}
	if len(refused) != 1 || refused[0].Path != "/opt/cuda-13/libcudart.so.13" || !strings.Contains(refused[0].Why, "needs a newer driver") {
		t.Fatalf("refused %v", refused)
	}

	// A missing library is not a refusal; nothing loading leaves path empty.
	answers = map[string]error{}
	for _, ps := range dirs {
		for _, p := range ps {
			answers[p] = &Error{Status: StatusLibrary, Msg: p + ": cannot open shared object file"}
		}
	}
	answers["/opt/cuda-13/libcudart.so.13"] = &Error{Status: StatusInsufficientDriver, Msg: "too new"}
	path, refused, failures := chooseCUDART(CUDARTSonames, order, open)
	if path != "" || len(refused) != 1 || len(failures) != 4 {
		t.Fatalf("path %q refused %v failures %v", path, refused, failures)
	}
	if !errors.Is(&Error{Status: StatusInsufficientDriver}, ErrInsufficientDriver) || errors.Is(&Error{Status: StatusLibrary}, ErrInsufficientDriver) {
		t.Fatal("errors.Is does not tell an insufficient driver")
	}
}
