package trt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The shim tests open a real shim (bin/libsegtrt_trtN.so, make native)
// when one is built, else are skipped; the fake-shim tests build their own
// from C with the machine's compiler. No TensorRT or GPU is needed.

// realShim opens the newest shim make native built, for one test.
func realShim(t *testing.T) (path string, major int) {
	t.Helper()
	for _, m := range Majors {
		p, _ := filepath.Abs(filepath.Join("..", "bin", ShimName(m)))
		if _, err := os.Stat(p); err != nil {
			continue
		}
		hv, err := openShim(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		t.Cleanup(closeShim)
		if hv/10000 != m {
			t.Fatalf("%s reports TensorRT %s headers", p, VersionString(hv))
		}
		return p, m
	}
	t.Skip("no shim built (make native)")
	return "", 0
}

// hiddenEnv shows the loader only dir: the binary lives there, and it is
// LD_LIBRARY_PATH.
func hiddenEnv(dir string) Env {
	return Env{
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
}

func TestLoadWithoutAShimSaysWhatItTried(t *testing.T) {
	dir := t.TempDir()
	env := hiddenEnv(dir)
	_, err := load(LoadOptions{Env: &env})
	if err == nil {
		t.Skip("a shim is installed where the loader finds it by name")
	}
	msg := err.Error()
	if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(msg, "TensorRT shim library not found: no libsegtrt_trt11.so or libsegtrt_trt10.so in "+dir+", ") ||
		!strings.Contains(msg, "make native") || strings.Count(msg, dir) != 1 {
		t.Fatalf("got %v", err)
	}
	// Entry points answer "not loaded" through the empty table.
	if err := (&cudaStream{}).Sync(); err == nil || !strings.Contains(err.Error(), "shim (libsegtrt_trtN.so) is not loaded") {
		t.Fatalf("got %v", err)
	}
}

// With the real shim next to the binary and no TensorRT anywhere, Load
// names the libnvinfer it looked for.
func TestLoadNamesTheMissingTensorRT(t *testing.T) {
	shim, major := realShim(t)
	closeShim() // load opens it itself
	dir := t.TempDir()
	data, _ := os.ReadFile(shim)
	os.WriteFile(filepath.Join(dir, ShimName(major)), data, 0o755)
	env := hiddenEnv(dir)
	names := TensorRTSonames(major)
	info, err := load(LoadOptions{Env: &env})
	t.Cleanup(closeShim)
	if err == nil {
		t.Skip("a TensorRT library is installed where the loader finds it by soname")
	}
	msg := err.Error()
	if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(msg, "TensorRT library not found: no "+names.NvInfer+" in "+dir+", ") ||
		!strings.Contains(msg, "nor where the loader looks") {
		t.Fatalf("got %v", err)
	}
	if len(info.ShimRefused) != 1 || info.ShimRefused[0].Path != filepath.Join(dir, ShimName(major)) {
		t.Fatalf("refusals %+v", info.ShimRefused)
	}

	// A file that exists but is no library is named with dlopen's reason.
	bogus := filepath.Join(dir, names.NvInfer)
	os.WriteFile(bogus, []byte("not an ELF file"), 0o644)
	_, err = load(LoadOptions{Env: &env})
	if err == nil || !strings.Contains(err.Error(), bogus+" cannot be loaded") {
		t.Fatalf("bogus library: %v", err)
	}
}

// fakeShim compiles a shim from C: every entry point of the table exists
// (returning 0) unless skip names it, and overrides replaces some.
func fakeShim(t *testing.T, name string, overrides string, skip ...string) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to make a fake shim")
	}
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n" + overrides + "\n")
	for _, sym := range shimSymbols() {
		if slices.Contains(skip, sym) || strings.Contains(overrides, " "+sym+"(") {
			continue
		}
		fmt.Fprintf(&src, "int %s() { return 0; }\n", sym)
	}
	dir := t.TempDir()
	c, lib := filepath.Join(dir, "fake.c"), filepath.Join(dir, name)
	os.WriteFile(c, []byte(src.String()), 0o644)
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", lib, c).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v %s", err, out)
	}
	return lib
}

const fakeABI = "int segtrt_shim_abi_version(void) { return %d; }\nint segtrt_header_version(void) { return %d; }\n"

func TestShimTableIsFilledAndChecked(t *testing.T) {
	good := fmt.Sprintf(fakeABI, shimABI, 101600)
	// Missing entry points: refused, naming them.
	lib := fakeShim(t, ShimName(10), good, "segtrt_builder_build", "segtrt_context_enqueue")
	if _, err := openShim(lib); err == nil || !strings.Contains(err.Error(), "lacks segtrt_builder_build segtrt_context_enqueue") {
		t.Fatalf("missing symbols: %v", err)
	}
	// Another ABI version: refused.
	lib = fakeShim(t, ShimName(10), fmt.Sprintf(fakeABI, shimABI+1, 101600))
	if _, err := openShim(lib); err == nil || !strings.Contains(err.Error(), "speaks shim ABI") {
		t.Fatalf("abi: %v", err)
	}
	// A complete one: the table routes calls into it.
	lib = fakeShim(t, ShimName(10), good+`
int segtrt_load_tensorrt(const char* a, const char* b, const char* c, char* msg, size_t cap) { return 0; }
int segtrt_load_cudart(const char* p, char* msg, size_t cap) { return 0; }
int segtrt_versions(int* trt, int* parser, int* rt, int* drv, int* std, char* msg, size_t cap) {
	*trt = 101600; *parser = 101600; *rt = 12080; *drv = 12090; *std = 0; return 0;
}
int segtrt_cuda_stream_sync(void* s, char* msg, size_t cap) { snprintf(msg, cap, "fake sync"); return 6; }`)
	dir := filepath.Dir(lib)
	env := hiddenEnv(dir)
	info, err := load(LoadOptions{Env: &env})
	t.Cleanup(closeShim)
	if err != nil || info.ShimPath != lib || info.TensorRT != "10.16.0" || info.TensorRTMajor != 10 || info.CUDARuntime != "12.8" {
		t.Fatalf("load: %+v %v", info, err)
	}
	if err := (&cudaStream{}).Sync(); err == nil || err.Error() != "fake sync" {
		t.Fatalf("call through the table: %v", err)
	}
}

// A shim named for one major but built for another is refused, and the
// next candidate is tried.
func TestMismatchedShimIsRefused(t *testing.T) {
	lib := fakeShim(t, ShimName(11), fmt.Sprintf(fakeABI, shimABI, 101600))
	env := hiddenEnv(filepath.Dir(lib))
	info, err := load(LoadOptions{Env: &env})
	t.Cleanup(closeShim)
	if err == nil || len(info.ShimRefused) != 1 || !strings.Contains(info.ShimRefused[0].Why, "built with TensorRT 10.16.0 headers, not 11's") {
		t.Fatalf("got %+v %v", info, err)
	}
}

func TestShimReportsBadArguments(t *testing.T) {
	realShim(t)
	// Handles that were never made: the shim answers with a status and a
	// message, statusToError turns it into *Error.
	lib := filepath.Join(t.TempDir(), "x.so")
	os.WriteFile(lib, []byte("x"), 0o644)
	err := (&builder{}).LoadPlugin(lib)
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusArgument || !strings.Contains(e.Msg, "NULL argument") {
		t.Fatalf("got %#v", err)
	}
	if err := (&builderConfig{}).SetWorkspace(1 << 20); err == nil || !strings.Contains(err.Error(), "NULL config") {
		t.Fatalf("got %v", err)
	}
	if _, err := (&trtRuntime{}).Deserialize(nil); err == nil || !strings.Contains(err.Error(), "empty engine") {
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
	realShim(t)
	lib := fakeCUDART(t, 35, 13000, 12040)
	err := openCUDART(lib)
	if !errors.Is(err, ErrInsufficientDriver) ||
		!strings.Contains(err.Error(), lib+": CUDA runtime 13.0 needs a newer driver than the installed one (CUDA 12.4)") {
		t.Fatalf("got %v", err)
	}
	// Not loaded: a CUDA call still says so.
	if err := (&cudaStream{}).Sync(); err == nil || !strings.Contains(err.Error(), "CUDA runtime is not loaded") {
		t.Fatalf("after the refusal: %v", err)
	}
}
