//go:build tensorrt

package trt

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These run with `go test -tags tensorrt` (make trt-check-go's tests) on
// any machine: they exercise the shim without TensorRT or a GPU.

func TestTaggedBuildKnowsItsHeaders(t *testing.T) {
	if !Compiled || HeaderVersion() == "" || headerMajor() < 10 {
		t.Fatalf("Compiled %v, headers %q", Compiled, HeaderVersion())
	}
}

func TestLoadNamesWhatItTried(t *testing.T) {
	dir := t.TempDir()
	env := Env{
		Getenv: func(k string) string {
			if k == "LD_LIBRARY_PATH" {
				return dir
			}
			return ""
		},
		Executable: func() (string, error) { return filepath.Join(dir, "segtrt"), nil },
		Stat: func(p string) (os.FileInfo, error) {
			if strings.HasPrefix(p, dir) {
				return os.Stat(p)
			}
			return nil, fs.ErrNotExist // hide the real machine's libraries
		},
	}
	names := TensorRTSonames(headerMajor())
	_, err := load(LoadOptions{Env: &env})
	if err == nil {
		t.Skip("a TensorRT library is installed where the loader finds it by soname")
	}
	msg := err.Error()
	if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(msg, "TensorRT library not found: tried ") ||
		!strings.Contains(msg, filepath.Join(dir, names.NvInfer)) || !strings.Contains(msg, names.NvInfer+" (not in the loader's search path)") {
		t.Fatalf("got %v", err)
	}

	// A file that exists but is no library is named with dlopen's reason.
	bogus := filepath.Join(dir, names.NvInfer)
	os.WriteFile(bogus, []byte("not an ELF file"), 0o644)
	_, err = load(LoadOptions{Env: &env})
	if err == nil || !strings.Contains(err.Error(), bogus+" cannot be loaded") {
		t.Fatalf("bogus library: %v", err)
	}
}

func TestShimReportsBadArguments(t *testing.T) {
	// Handles that were never made: the shim answers with a status and a
	// message, statusToError turns it into *Error.
	err := (&Builder{}).LoadPlugin("x.so")
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusArgument || !strings.Contains(e.Msg, "NULL argument") {
		t.Fatalf("got %#v", err)
	}
	if err := (&Config{}).SetWorkspace(1 << 20); err == nil || !strings.Contains(err.Error(), "NULL config") {
		t.Fatalf("got %v", err)
	}
	if _, err := (&Runtime{}).Deserialize(nil); err == nil || !strings.Contains(err.Error(), "empty engine") {
		t.Fatalf("got %v", err)
	}
}
