package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/ort"
	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginebuild"
)

// ErrSmokeFailed is what Smoke returns when a step failed (its line says
// which and why).
var ErrSmokeFailed = errors.New("doctor --smoke failed")

// SmokeOptions are `segtrt doctor --smoke`'s inputs.
type SmokeOptions struct {
	Load       trt.LoadOptions
	PluginLibs []string
	Device     int
	ORTLib     string
	Stdout     io.Writer
	Explain    func(error) string // nil: err.Error()
	// Engines builds and runs engines; nil is TensorRT.
	Engines SmokeEngines
}

// SmokeEngines is what the smoke needs of TensorRT: build an engine from an
// ONNX file into out (with out.json), and open it. Tests pass fakes.
type SmokeEngines interface {
	Build(ctx context.Context, opts enginebuild.Options) error
	Open(path string, opts trt.RunnerOptions) (SmokeRunner, []int64, error)
}

// SmokeRunner runs an engine on one input.
type SmokeRunner interface {
	OutputShape(in []int64) ([]int64, error)
	RunInto(input []float32, shape []int64, out []float32) error
	Close() error
}

type realEngines struct{ load trt.LoadOptions }

func (e realEngines) Build(ctx context.Context, opts enginebuild.Options) error {
	opts.Backend = enginebuild.TensorRT{Load_: e.load}
	return enginebuild.Run(ctx, opts)
}

func (e realEngines) Open(path string, opts trt.RunnerOptions) (SmokeRunner, []int64, error) {
	opts.Load = e.load
	return trt.OpenEngineRunner(path, opts)
}

// smokeShape is the smoke model's input: small enough to build in seconds,
// big enough for the pool's window sums to restart (W - 16 + 1 > 32).
var smokeShape = []int64{1, 8, 48, 96}

// smokeTolerance bounds |engine - ONNX Runtime| as atol + rtol * |ONNX
// Runtime| on FP32: the sigmoids' last bits and the pool's summation order
// (plugins/avgpoolinfer/README.md: below 1e-5 for these values) differ.
const smokeAtol, smokeRtol = 1e-4, 1e-4

// SmokeModel is the model the smoke builds, made here so the binary carries
// it: y = AvgPoolInfer(SPGExcite(x, 0.5 x, x + 1), 16 x 16), both plugins
// of segtrt in the smallest graph that uses them.
func SmokeModel() *onnxio.Model {
	f32 := int32(onnxpb.TensorProto_FLOAT)
	dims := func(d ...int64) *onnxpb.TypeProto {
		var s []*onnxpb.TensorShapeProto_Dimension
		for _, v := range d {
			s = append(s, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: v}})
		}
		return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(f32), Shape: &onnxpb.TensorShapeProto{Dim: s}}}}
	}
	scalar := func(name string, v float32) *onnxpb.TensorProto {
		return &onnxpb.TensorProto{Name: proto.String(name), DataType: proto.Int32(f32), FloatData: []float32{v}}
	}
	str := func(name, v string) *onnxpb.AttributeProto {
		return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
	}
	integer := func(name string, v int64) *onnxpb.AttributeProto {
		return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
	}
	node := func(name, op, domain string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{Name: proto.String(name), OpType: proto.String(op), Domain: proto.String(domain), Input: in, Output: out, Attribute: attrs}
	}
	const k = 16
	g := &onnxpb.GraphProto{
		Name:        proto.String("segtrt_smoke"),
		Initializer: []*onnxpb.TensorProto{scalar("half", 0.5), scalar("one", 1)},
		Input:       []*onnxpb.ValueInfoProto{{Name: proto.String("input"), Type: dims(smokeShape...)}},
		Output: []*onnxpb.ValueInfoProto{{Name: proto.String("output"),
			Type: dims(smokeShape[0], smokeShape[1], smokeShape[2]-k+1, smokeShape[3]-k+1)}},
		Node: []*onnxpb.NodeProto{
			node("gate", "Mul", "", []string{"input", "half"}, []string{"g"}),
			node("term", "Add", "", []string{"input", "one"}, []string{"t"}),
			node("excite", passes.SPGExciteOp, passes.Domain, []string{"input", "g", "t"}, []string{"y"},
				str("plugin_version", "1"), str("plugin_namespace", passes.Domain)),
			node("pool", passes.AvgPoolOp, passes.Domain, []string{"y"}, []string{"output"},
				str("plugin_version", "1"), str("plugin_namespace", passes.Domain), integer("kernel_h", k), integer("kernel_w", k)),
		},
	}
	return &onnxio.Model{Proto: &onnxpb.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("segtrt doctor --smoke"),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(17)}, {Domain: proto.String(passes.Domain), Version: proto.Int64(1)}},
		Graph:        g,
	}}
}

// smokeInput is a fixed input in [-2, 2) (a small LCG: no randomness
// between runs).
func smokeInput() []float32 {
	n := int(smokeShape[0] * smokeShape[1] * smokeShape[2] * smokeShape[3])
	x := make([]float32, n)
	s := uint32(12345)
	for i := range x {
		s = s*1664525 + 1013904223
		x[i] = float32(s>>8)/float32(1<<24)*4 - 2
	}
	return x
}

// Smoke is the self-check a release pipeline runs on a fresh GPU runner
// with the shipped files alone: it builds an FP32 engine of SmokeModel with
// both plugins, runs it, and compares its output with ONNX Runtime's on the
// unfused model. One line per step; ErrSmokeFailed after the first failure.
func Smoke(ctx context.Context, opts SmokeOptions) error {
	w := opts.Stdout
	if w == nil {
		w = io.Discard
	}
	eng := opts.Engines
	if eng == nil {
		eng = realEngines{opts.Load}
	}
	failed := false
	step := func(name string, f func() (string, error)) {
		if failed {
			fmt.Fprintf(w, "skip  %-8s\n", name)
			return
		}
		t0 := time.Now()
		msg, err := f()
		if err != nil {
			failed = true
			why := err.Error()
			if opts.Explain != nil {
				why = opts.Explain(err)
			}
			fmt.Fprintf(w, "FAIL  %-8s %s\n", name, why)
			return
		}
		fmt.Fprintf(w, "ok    %-8s %s (%s)\n", name, msg, time.Since(t0).Round(time.Millisecond))
	}
	dir, err := os.MkdirTemp("", "segtrt-smoke-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	model, engine := filepath.Join(dir, "smoke.onnx"), filepath.Join(dir, "smoke.engine")
	var want []float32
	step("model", func() (string, error) {
		m := SmokeModel()
		if err := m.Save(model, onnxio.SaveOptions{}); err != nil {
			return "", err
		}
		return fmt.Sprintf("SPGExcite + AvgPoolInfer 16x16 on %v", smokeShape), nil
	})
	step("onnxrt", func() (string, error) {
		got, err := ortReference(model, opts.ORTLib)
		want = got
		return "reference output from the unfused model on ONNX Runtime", err
	})
	step("build", func() (string, error) {
		err := eng.Build(ctx, enginebuild.Options{Model: model, Out: engine, Precision: "fp32", PluginLibs: opts.PluginLibs,
			Device: opts.Device, Force: true})
		return "FP32 engine with both plugins", err
	})
	var got []float32
	step("run", func() (string, error) {
		r, in, err := eng.Open(engine, trt.RunnerOptions{PluginLibs: opts.PluginLibs, Device: opts.Device})
		if err != nil {
			return "", err
		}
		defer r.Close()
		out, err := r.OutputShape(in)
		if err != nil {
			return "", err
		}
		n := 1
		for _, d := range out {
			n *= int(d)
		}
		got = make([]float32, n)
		return fmt.Sprintf("output %v", out), r.RunInto(smokeInput(), in, got)
	})
	step("compare", func() (string, error) {
		if len(got) != len(want) {
			return "", fmt.Errorf("the engine gave %d values, ONNX Runtime %d", len(got), len(want))
		}
		worst, at := 0.0, 0
		for i := range got {
			d := math.Abs(float64(got[i]) - float64(want[i]))
			if !(d <= smokeAtol+smokeRtol*math.Abs(float64(want[i]))) {
				return "", fmt.Errorf("value %d: engine %g, ONNX Runtime %g (tolerance %g + %g relative)", i, got[i], want[i], smokeAtol, smokeRtol)
			}
			if d > worst {
				worst, at = d, i
			}
		}
		return fmt.Sprintf("max |engine - ONNX Runtime| %.2g at value %d, within %g + %g relative", worst, at, smokeAtol, smokeRtol), nil
	})
	if failed {
		fmt.Fprintln(w, "smoke: FAILED")
		return ErrSmokeFailed
	}
	fmt.Fprintln(w, "smoke: ok")
	return nil
}

// ortReference runs the unfused model on ONNX Runtime.
func ortReference(model, ortLib string) ([]float32, error) {
	if _, err := ort.Init(ortLib); err != nil {
		return nil, err
	}
	m, err := onnxio.Load(model)
	if err != nil {
		return nil, err
	}
	if m, err = passes.Runnable(m); err != nil {
		return nil, err
	}
	s, err := ort.NewSession(m, ort.Options{Threads: 1})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	outs, err := s.Run(smokeInput(), smokeShape)
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), outs[0].Data...), nil
}
