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
	lib := filepath.Join(dir, PluginLibName)
	os.WriteFile(lib, []byte("elf"), 0o644)
	exe := filepath.Join(dir, "segtrt")
	env := Env{Getenv: func(string) string { return "" }, Executable: func() (string, error) { return exe, nil }, Stat: os.Stat}

	got, err := PluginLibs(env, nil)
	if err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("next to binary: %q %v", got, err)
	}
	env.Executable = func() (string, error) { return "/elsewhere/segtrt", nil }
	if got, err := PluginLibs(env, nil); err != nil || got != nil {
		t.Fatalf("none: %q %v", got, err)
	}
	env.Getenv = func(k string) string {
		if k == EnvPluginLib {
			return lib + ":" + filepath.Join(dir, "missing.so")
		}
		return ""
	}
	if _, err := PluginLibs(env, nil); err == nil || !strings.Contains(err.Error(), "$SEGTRT_PLUGIN_LIB") || !strings.Contains(err.Error(), "missing.so: no such file") {
		t.Fatalf("env with a missing file: %v", err)
	}
	// Explicit wins over the environment.
	if got, err := PluginLibs(env, []string{lib}); err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("explicit: %q %v", got, err)
	}
	if _, err := PluginLibs(env, []string{"rel/none.so"}); err == nil || !strings.Contains(err.Error(), "PluginLibs rel/none.so") {
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
