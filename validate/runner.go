package validate

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/ort"
	"github.com/segtrt/segtrt/score"
	"github.com/segtrt/segtrt/trt"
)

// Runner runs a segmentation model on one NCHW image tensor and writes the
// first output (logits, 1xCxHxW) into a buffer the caller owns.
type Runner interface {
	OutputShape(inputShape []int64) ([]int64, error)
	RunInto(input []float32, shape []int64, logits []float32) error
	Close() error
}

// loadedModel is a runner plus what validate needs to know of its model.
type loadedModel struct {
	Path       string
	Runner     Runner
	InputShape []int64 // 1x3xHxW
	Logits     []int64 // 1xCxhxw
	Backend    string
	// Setup describes the runner for the report (threads, spinning).
	Setup string
	// fork opens another runner of the model with the given intra-op
	// thread count, for inference lanes; nil when the backend has none.
	fork func(threads int) (Runner, error)
}

type ortRunner struct{ *ort.Session }

func (r ortRunner) OutputShape(in []int64) ([]int64, error) { return r.Session.OutputShape(0, in) }

// openModel loads path on the chosen backend and checks it is a 19-class
// segmentation model at a known input size.
func openModel(path, backend, ortLib string, inputShapes map[string][]int64, eng EngineOptions) (*loadedModel, error) {
	if backend == "auto" || backend == "" {
		backend = "ort"
		if strings.HasSuffix(path, ".engine") || strings.HasSuffix(path, ".plan") {
			backend = "trt"
		}
	}
	switch backend {
	case "ort":
	case "trt":
		return openEngine(path, inputShapes, eng)
	default:
		return nil, fmt.Errorf("unknown backend %q (want auto, ort or trt)", backend)
	}
	if filepath.Ext(path) != ".onnx" {
		return nil, fmt.Errorf("%s: the ort backend runs .onnx models", path)
	}
	if _, err := ort.Init(ortLib); err != nil {
		return nil, err
	}
	m, err := onnxio.Load(path)
	if err != nil {
		return nil, err
	}
	// ONNX Runtime cannot load segtrt's TensorRT plugins: their nodes run
	// as the standard ops they stand for.
	if m, err = passes.Runnable(m); err != nil {
		return nil, err
	}
	// This session times the runner alone, so its idle threads may spin
	// (ONNX Runtime's default; 5-25% faster here than blocking): the pass
	// runs on lanes of its own.
	timed := ort.Options{Threads: runtime.NumCPU(), Spin: true}
	s, err := ort.NewSession(m, timed)
	if err != nil {
		return nil, err
	}
	lm := &loadedModel{Path: path, Runner: ortRunner{s}, Backend: "ort",
		Setup: fmt.Sprintf("ONNX Runtime, %d intra-op threads, spinning", timed.Threads)}
	lm.fork = func(threads int) (Runner, error) {
		s, err := ort.NewSession(m, ort.Options{Threads: threads})
		if err != nil {
			return nil, err
		}
		return ortRunner{s}, nil
	}
	fail := func(format string, args ...any) (*loadedModel, error) {
		s.Close()
		return nil, fmt.Errorf("%s: "+format, append([]any{path}, args...)...)
	}
	in := m.Proto.Graph.GetInput()
	for _, vi := range in {
		if vi.GetName() != s.Input {
			continue
		}
		for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			lm.InputShape = append(lm.InputShape, d.GetDimValue())
		}
	}
	if given, ok := inputShapes[s.Input]; ok {
		lm.InputShape = given
	}
	for name := range inputShapes {
		if name != s.Input {
			s.Close()
			return nil, fmt.Errorf("%s: %w", path, opterr.Errorf("{InputShapes} names %q, but the model's input is %q", name, s.Input))
		}
	}
	if len(lm.InputShape) != 4 || lm.InputShape[0] != 1 || lm.InputShape[1] != 3 {
		return fail("input %q has shape %v; want 1x3xHxW", s.Input, lm.InputShape)
	}
	if lm.InputShape[2] <= 0 || lm.InputShape[3] <= 0 {
		s.Close()
		return nil, &shapes.DynamicInput{Model: path, Input: s.Input}
	}
	lm.Logits, err = lm.Runner.OutputShape(lm.InputShape)
	if err != nil {
		return fail("%v", err)
	}
	if err := score.CheckLogits(lm.Logits); err != nil {
		return fail("output %q: %v", s.Outputs[0], err)
	}
	return lm, nil
}

// openEngine opens a TensorRT engine through segtrt's shim (on a GPU
// machine with TensorRT; elsewhere trt says what is missing).
func openEngine(path string, inputShapes map[string][]int64, eng EngineOptions) (*loadedModel, error) {
	opts := trt.RunnerOptions{CUDAGraph: eng.CUDAGraph, PluginLibs: eng.PluginLibs}
	for _, s := range inputShapes {
		opts.InputShape = s
	}
	r, in, err := trt.OpenEngineRunner(path, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	setup := "TensorRT engine"
	if eng.CUDAGraph {
		setup += ", CUDA graph replay"
	}
	lm := &loadedModel{Path: path, Runner: r, InputShape: in, Backend: "trt", Setup: setup}
	if lm.Logits, err = r.OutputShape(in); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := score.CheckLogits(lm.Logits); err != nil {
		r.Close()
		return nil, fmt.Errorf("%s: output: %w", path, err)
	}
	return lm, nil
}

func (m *loadedModel) logitsLen() int {
	n := 1
	for _, d := range m.Logits {
		n *= int(d)
	}
	return n
}
