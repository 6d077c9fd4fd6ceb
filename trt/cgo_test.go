//go:build tensorrt

package trt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
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
	lib := filepath.Join(t.TempDir(), "x.so")
	os.WriteFile(lib, []byte("x"), 0o644)
	err := (&Builder{}).LoadPlugin(lib)
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

// fakeCUDART writes and compiles a libcudart stand-in whose every entry
// point the shim resolves exists; cudaGetDeviceCount answers answer, and
// the versions are runtime and driver (1000*major + 10*minor).
func fakeCUDART(t *testing.T, answer, runtime, driver int) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to make a fake CUDA runtime")
	}
	var src strings.Builder
	fmt.Fprintf(&src, "int cudaGetDeviceCount(int* n) { *n = 0; return %d; }\n", answer)
	fmt.Fprintf(&src, "int cudaRuntimeGetVersion(int* v) { *v = %d; return 0; }\n", runtime)
	fmt.Fprintf(&src, "int cudaDriverGetVersion(int* v) { *v = %d; return 0; }\n", driver)
	src.WriteString("const char* cudaGetErrorString(int e) { return \"fake\"; }\n")
	for _, name := range []string{"cudaSetDevice", "cudaDeviceGetAttribute", "cudaMalloc", "cudaFree", "cudaMallocHost",
		"cudaFreeHost", "cudaMemcpyAsync", "cudaStreamCreateWithFlags", "cudaStreamDestroy", "cudaStreamSynchronize",
		"cudaEventCreate", "cudaEventDestroy", "cudaEventRecord", "cudaEventSynchronize", "cudaEventElapsedTime",
		"cudaStreamBeginCapture", "cudaStreamEndCapture", "cudaGraphInstantiateWithFlags", "cudaGraphLaunch",
		"cudaGraphDestroy", "cudaGraphExecDestroy"} {
		fmt.Fprintf(&src, "int %s(void) { return 0; }\n", name)
	}
	dir := t.TempDir()
	c, lib := filepath.Join(dir, "fake.c"), filepath.Join(dir, "libcudart.so.13")
	os.WriteFile(c, []byte(src.String()), 0o644)
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", lib, c).CombinedOutput(); err != nil {
		t.Skipf("cc: %v %s", err, out)
	}
	return lib
}

// The shim itself refuses a runtime that answers cudaErrorInsufficientDriver
// (35), says both versions, and stays unloaded so the next one can be tried.
func TestShimRefusesARuntimeNewerThanTheDriver(t *testing.T) {
	lib := fakeCUDART(t, 35, 13000, 12040)
	err := openCUDART(lib)
	if !errors.Is(err, ErrInsufficientDriver) ||
		!strings.Contains(err.Error(), lib+": CUDA runtime 13.0 needs a newer driver than the installed one (CUDA 12.4)") {
		t.Fatalf("got %v", err)
	}
	// Not loaded: a CUDA call still says so.
	if err := (&Stream{}).Sync(); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Fatalf("after the refusal: %v", err)
	}
}
