package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segtrt/segtrt/internal/interrupt"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// TestMain lets the subprocess tests (interrupts, ONNX Runtime's quiet,
// a stray NVML) run this test binary as segtrt itself.
func TestMain(m *testing.M) {
	if os.Getenv("SEGTRT_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// Each long-running command, signalled with SIGINT or SIGTERM when a named
// stage starts (the interrupt package's test hook, not a sleep), stops
// within 2 seconds, writes no output, says so on one line and exits 130
// or 143.
func TestInterruptsStopCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs segtrt in subprocesses")
	}
	set := filepath.Join(testmodels.Root(), "testdata", "cityscapes-mini")
	model := filepath.Join(testmodels.Root(), "testdata", "models", "sgcpnet-256x512.onnx")
	cases := []struct {
		stage string
		args  func(out string) []string
	}{
		{"calibrate.collect", func(out string) []string {
			return []string{"calibrate", "--model", model, "--data", set, "--images", "3", "--out", filepath.Join(out, "q.onnx"), "--cache", filepath.Join(out, "q.calib")}
		}},
		{"calibrate.ranges:TERM", func(out string) []string {
			return []string{"calibrate", "--model", model, "--data", set, "--images", "3", "--out", filepath.Join(out, "q.onnx"), "--report", filepath.Join(out, "calib.json")}
		}},
		{"calibrate.auto", func(out string) []string {
			return []string{"calibrate", "--model", model, "--data", set, "--images", "3", "--out", filepath.Join(out, "q.onnx")}
		}},
		{"calibrate.sensitivity", func(out string) []string {
			return []string{"calibrate", "--model", model, "--data", set, "--images", "3", "--method", "minmax", "--max-miou-drop", "0.01",
				"--sensitivity-images", "2", "--out", filepath.Join(out, "q.onnx")}
		}},
		{"validate.pass", func(out string) []string {
			return []string{"validate", "--model", model, "--data", set, "--report", filepath.Join(out, "report"),
				"--save-predictions", filepath.Join(out, "pred"), "--duration", "0s"}
		}},
		{"validate.timing:TERM", func(out string) []string {
			return []string{"validate", "--model", model, "--data", set, "--report", filepath.Join(out, "report"), "--duration", "30s"}
		}},
		{"synth.render", func(out string) []string {
			return []string{"dataset", "synth", "--out", filepath.Join(out, "set"), "--train", "40", "--val", "0", "--test", "0"}
		}},
		{"export.passes", func(out string) []string {
			return []string{"export", "--model", model, "--out", filepath.Join(out, "m.trt.onnx"), "--plugins", "spg,avgpool"}
		}},
	}
	for _, c := range cases {
		t.Run(c.stage, func(t *testing.T) {
			out := t.TempDir()
			log := filepath.Join(t.TempDir(), "signalled")
			cmd := exec.Command(os.Args[0], c.args(out)...)
			cmd.Env = append(os.Environ(), "SEGTRT_TEST_MAIN=1", interrupt.EnvTestSignal+"="+c.stage, interrupt.EnvTestSignalLog+"="+log)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			end := time.Now()
			var exit *exec.ExitError
			code := 0
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			}
			want, sig := 130, "SIGINT"
			if strings.HasSuffix(c.stage, ":TERM") {
				want, sig = 143, "SIGTERM"
			}
			msg := strings.TrimSpace(stderr.String())
			if code != want || !strings.HasSuffix(msg, "segtrt: interrupted by "+sig+": stopped, no output written") {
				t.Fatalf("exit %d, stderr %q", code, msg)
			}
			at, err := os.ReadFile(log)
			if err != nil {
				t.Fatalf("the stage never started: %v", err)
			}
			signalled, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(at)))
			if err != nil || end.Sub(signalled) > 2*time.Second {
				t.Errorf("stopped %v after the signal", end.Sub(signalled))
			}
			var left []string
			filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err == nil && p != out {
					left = append(left, p)
				}
				return nil
			})
			if len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// ONNX Runtime writes nothing to stderr (its log level is raised) and
// nothing under $HOME (telemetry is off), even for a model it would warn
// about: an initializer no node uses.
func TestONNXRuntimeStaysQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs segtrt in a subprocess")
	}
	m, err := onnxio.Load(testmodels.Path("seg19-64x128.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	m.Proto.Graph.Initializer = append(m.Proto.Graph.Initializer, &onnxpb.TensorProto{
		Name: proto.String("unused"), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Dims: []int64{1}, FloatData: []float32{1}})
	dir := t.TempDir()
	model := filepath.Join(dir, "m.onnx")
	if err := m.Save(model, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "validate", "--model", model, "--data", filepath.Join(testmodels.Root(), "testdata", "cityscapes-mini"),
		"--duration", "0s", "--iterations", "1", "--warmup", "0s")
	cmd.Env = append(os.Environ(), "SEGTRT_TEST_MAIN=1", "HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %q", stderr.String())
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("written under $HOME: %v", entries)
	}
}

// A stray libnvidia-ml.so.1 in the current folder, reachable only through a
// relative LD_LIBRARY_PATH entry, is never loaded (its constructor would
// exit 127); one named by SEGTRT_NVML_LIB that lacks NVML's symbols is
// reported. doctor exits 0 either way.
func TestStrayNVMLCannotKillDoctor(t *testing.T) {
	if testing.Short() {
		t.Skip("runs segtrt in a subprocess")
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "stray.c")
	os.WriteFile(src, []byte("#include <stdlib.h>\n__attribute__((constructor)) static void die(void) { exit(127); }\nint nvmlInit_v2(void) { return 0; }\n"), 0o644)
	stray := filepath.Join(dir, "libnvidia-ml.so.1")
	if b, err := exec.Command(cc, "-shared", "-fPIC", "-o", stray, src).CombinedOutput(); err != nil {
		t.Skipf("cc: %v %s", err, b)
	}
	empty := filepath.Join(t.TempDir(), "libnvidia-ml.so.1")
	os.WriteFile(src, []byte("int unrelated(void) { return 0; }\n"), 0o644)
	if b, err := exec.Command(cc, "-shared", "-fPIC", "-o", empty, src).CombinedOutput(); err != nil {
		t.Skipf("cc: %v %s", err, b)
	}
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"LD_LIBRARY_PATH=.:" + os.Getenv("LD_LIBRARY_PATH")}, "GPUs"},
		{[]string{"SEGTRT_NVML_LIB=" + empty}, empty + " is not NVML (lacks nvmlInit"},
	} {
		cmd := exec.Command(os.Args[0], "doctor")
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "SEGTRT_TEST_MAIN=1"), c.env...)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: %v\n%s", c.env, err, out)
		}
	}
}
