package doctor

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginebuild"
)

var _ = testmodels.Root // sets SEGTRT_ORT_LIB to make deps' ONNX Runtime

// fakeEngines "builds" by remembering the options and "runs" by computing
// the model's output in Go, optionally spoiled.
type fakeEngines struct {
	built    []enginebuild.Options
	buildErr error
	spoil    func([]float32)
}

func (f *fakeEngines) Build(_ context.Context, o enginebuild.Options) error {
	f.built = append(f.built, o)
	return f.buildErr
}

func (f *fakeEngines) Open(path string, _ trt.RunnerOptions) (SmokeRunner, []int64, error) {
	return goRunner{f.spoil}, smokeShape, nil
}

type goRunner struct{ spoil func([]float32) }

func (goRunner) OutputShape(in []int64) ([]int64, error) {
	return []int64{in[0], in[1], in[2] - 15, in[3] - 15}, nil
}
func (r goRunner) RunInto(x []float32, _ []int64, out []float32) error {
	copy(out, byHand(x))
	if r.spoil != nil {
		r.spoil(out)
	}
	return nil
}
func (goRunner) Close() error { return nil }

// byHand is the smoke model in float64: e = x + sigmoid(x/2) (x + 1), then
// the mean of each 16x16 window.
func byHand(x []float32) []float32 {
	c, h, w := int(smokeShape[1]), int(smokeShape[2]), int(smokeShape[3])
	e := make([]float64, len(x))
	for i, v := range x {
		v := float64(v)
		e[i] = v + (v+1)/(1+math.Exp(-0.5*v))
	}
	oh, ow := h-15, w-15
	out := make([]float32, c*oh*ow)
	for p := 0; p < c; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				s := 0.0
				for a := 0; a < 16; a++ {
					for b := 0; b < 16; b++ {
						s += e[p*h*w+(i+a)*w+j+b]
					}
				}
				out[p*oh*ow+i*ow+j] = float32(s / 256)
			}
		}
	}
	return out
}

func TestSmokePassesWhenTheEngineAgreesWithONNXRuntime(t *testing.T) {
	var out bytes.Buffer
	f := &fakeEngines{}
	err := Smoke(context.Background(), SmokeOptions{Stdout: &out, Engines: f, PluginLibs: []string{"/p.so"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || lines[5] != "smoke: ok" {
		t.Fatalf("%q", lines)
	}
	for i, name := range []string{"model", "onnxrt", "build", "run", "compare"} {
		if !strings.HasPrefix(lines[i], "ok    "+name) {
			t.Errorf("line %d: %q", i, lines[i])
		}
	}
	// ONNX Runtime on the unfused model agrees with the float64 hand
	// computation far inside the smoke's tolerance, so the comparison
	// measures the engine, not the reference.
	if !strings.Contains(lines[4], "max |engine - ONNX Runtime|") {
		t.Errorf("compare line %q", lines[4])
	}
	if len(f.built) != 1 || f.built[0].Precision != "fp32" || f.built[0].PluginLibs[0] != "/p.so" || !f.built[0].Force {
		t.Errorf("build options %+v", f.built)
	}
	if _, err := os.Stat(filepath.Dir(f.built[0].Model)); !os.IsNotExist(err) {
		t.Errorf("temporary folder left behind: %v", err)
	}
}

func TestSmokeFailsOnAWrongValue(t *testing.T) {
	var out bytes.Buffer
	f := &fakeEngines{spoil: func(y []float32) { y[7] += 0.01 }}
	err := Smoke(context.Background(), SmokeOptions{Stdout: &out, Engines: f})
	if !errors.Is(err, ErrSmokeFailed) || !strings.Contains(out.String(), "FAIL  compare  value 7: engine") ||
		!strings.HasSuffix(out.String(), "smoke: FAILED\n") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

func TestSmokeStopsAtAFailedBuild(t *testing.T) {
	var out bytes.Buffer
	f := &fakeEngines{buildErr: errors.New("TensorRT library not found: no libnvinfer.so.10")}
	err := Smoke(context.Background(), SmokeOptions{Stdout: &out, Engines: f})
	s := out.String()
	if !errors.Is(err, ErrSmokeFailed) || !strings.Contains(s, "FAIL  build    TensorRT library not found") ||
		!strings.Contains(s, "skip  run") || !strings.Contains(s, "skip  compare") {
		t.Fatalf("%v\n%s", err, s)
	}
}

// On this machine (no TensorRT) the real path fails at the build, naming
// what is missing: the plugin library, the shim or TensorRT.
func TestSmokeWithoutTensorRT(t *testing.T) {
	var out bytes.Buffer
	err := Smoke(context.Background(), SmokeOptions{Stdout: &out})
	if err == nil {
		t.Skip("TensorRT is installed here")
	}
	s := out.String()
	if !errors.Is(err, ErrSmokeFailed) || !strings.Contains(s, "ok    onnxrt") || !strings.Contains(s, "FAIL  build") ||
		!strings.Contains(s, "library not found") && !strings.Contains(s, "uses segtrt plugins") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}
