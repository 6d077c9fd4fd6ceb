package enginebuild

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/trt"
)

// ModelFacts is what the build decides on before TensorRT parses the model.
type ModelFacts struct {
	Inputs []Input
	// QDQ: the model has QuantizeLinear/DequantizeLinear (explicit INT8).
	QDQ bool
	// FP16: the model carries float16 tensors (segtrt export --fp16).
	FP16 bool
	// Plugins are the segtrt plugin op types the model uses.
	Plugins []string
}

// Input is one graph input; a dimension of -1 is dynamic.
type Input struct {
	Name string
	Dims []int64
}

// Dynamic reports whether a dimension is unknown.
func (in Input) Dynamic() bool { return slices.Contains(in.Dims, -1) }

// ReadModel loads the ONNX model's facts.
func ReadModel(path string) (ModelFacts, error) {
	m, err := onnxio.Load(path)
	if err != nil {
		return ModelFacts{}, err
	}
	return Facts(m.Proto), nil
}

// largestShapes are the inputs' shapes at the profile's max, or as the
// model fixes them.
func largestShapes(f ModelFacts, p Profile) map[string][]int64 {
	out := map[string][]int64{}
	for _, in := range f.Inputs {
		if pi, ok := p[in.Name]; ok {
			out[in.Name] = pi.Max
		}
	}
	return out
}

// Facts reads a model's inputs and the types and ops that decide its
// precision.
func Facts(m *onnxpb.ModelProto) ModelFacts {
	var f ModelFacts
	g := m.GetGraph()
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
		if graph.DataType(t.GetDataType()) == onnxpb.TensorProto_FLOAT16 {
			f.FP16 = true
		}
	}
	for _, in := range g.GetInput() {
		if inits[in.GetName()] {
			continue
		}
		var dims []int64
		for _, d := range in.GetType().GetTensorType().GetShape().GetDim() {
			if d.GetDimParam() != "" || d.GetDimValue() <= 0 {
				dims = append(dims, -1)
			} else {
				dims = append(dims, d.GetDimValue())
			}
		}
		f.Inputs = append(f.Inputs, Input{Name: in.GetName(), Dims: dims})
	}
	plugins := map[string]bool{}
	for _, n := range g.GetNode() {
		switch {
		case n.GetDomain() == passes.Domain:
			plugins[n.GetOpType()] = true
		case n.GetOpType() == "QuantizeLinear" || n.GetOpType() == "DequantizeLinear":
			f.QDQ = true
		case n.GetOpType() == "Cast" && graph.AttrInt(n, "to", 0) == int64(onnxpb.TensorProto_FLOAT16):
			f.FP16 = true
		}
	}
	for _, vi := range g.GetValueInfo() {
		if vi.GetType().GetTensorType().GetElemType() == int32(onnxpb.TensorProto_FLOAT16) {
			f.FP16 = true
		}
	}
	for p := range plugins {
		f.Plugins = append(f.Plugins, p)
	}
	sort.Strings(f.Plugins)
	return f
}

// CheckProfile matches the profile against the model's inputs: every
// name is an input, ranks agree, fixed dimensions are kept, and every
// dynamic input has shapes.
func CheckProfile(f ModelFacts, p Profile) error {
	byName := map[string]Input{}
	var names []string
	for _, in := range f.Inputs {
		byName[in.Name] = in
		names = append(names, in.Name)
	}
	for name, pi := range p {
		in, ok := byName[name]
		if !ok {
			return opterr.Errorf("{Profile} names %q, but the model's inputs are %s", name, strings.Join(names, ", "))
		}
		if len(in.Dims) != len(pi.Opt) {
			return opterr.Errorf("input %q has rank %d (%s); the profile gives rank %d", name, len(in.Dims), shapes.FormatShape(in.Dims), len(pi.Opt))
		}
		for i, d := range in.Dims {
			if d >= 0 && (pi.Min[i] != d || pi.Opt[i] != d || pi.Max[i] != d) {
				return opterr.Errorf("input %q has the fixed dimension %d = %d; the profile gives %d..%d", name, i, d, pi.Min[i], pi.Max[i])
			}
		}
	}
	for _, in := range f.Inputs {
		if _, ok := p[in.Name]; in.Dynamic() && !ok {
			return opterr.Errorf("input %q is dynamic (%s): give {Profile} %s:1x3xHxW (and {ProfileRange} for a range)",
				in.Name, shapes.FormatShape(in.Dims), in.Name)
		}
	}
	return nil
}

// precisionPlan is how a build gets its precision.
type precisionPlan struct {
	StronglyTyped bool
	Flags         []trt.Flag
	UseCalib      bool
}

// PlanPrecision decides, from the precision asked for, the model's types
// and the TensorRT major version, whether the network is strongly typed
// and which builder flags are set:
//
// TensorRT 11 is strongly typed only: the model's types are the engine's,
// so fp32 needs a float32 model, fp16 an FP16 ONNX (segtrt export --fp16),
// int8 a Q/DQ model; best and --calib-cache are refused.
//
// TensorRT 10 builds weakly typed networks with precision flags: fp16 sets
// kFP16; int8 sets kINT8 and takes scales from a Q/DQ model or from
// --calib-cache (IInt8EntropyCalibrator2 or IInt8MinMaxCalibrator, as the
// cache header says); best sets both. A model that already carries FP16
// types (export --fp16) is built strongly typed, as on TensorRT 11.
func PlanPrecision(precision string, major int, f ModelFacts, calibCache bool) (precisionPlan, error) {
	if major >= 11 {
		switch {
		case precision == "best":
			return precisionPlan{}, opterr.Errorf("{Precision} best: TensorRT %d builds strongly typed networks only, so precision comes from the ONNX model's types: "+
				"use {Precision} fp16 with an FP16 ONNX (segtrt export --fp16) or {Precision} int8 with a Q/DQ model (segtrt calibrate)", major)
		case calibCache:
			return precisionPlan{}, opterr.Errorf("{CalibCache}: TensorRT %d has no implicit INT8 calibration; "+
				"build from the Q/DQ model instead (segtrt calibrate --out M.int8.onnx, or --from-cache C --model M --out Q.onnx)", major)
		}
		return precisionPlan{StronglyTyped: true}, typedModelMatches(precision, major, f)
	}
	if f.FP16 {
		if calibCache || precision == "best" {
			return precisionPlan{}, opterr.Errorf("{Precision} %s: this model carries FP16 types (segtrt export --fp16) and is built strongly typed; "+
				"build the float32 model for flags-based precision, or drop {CalibCache}", precision)
		}
		return precisionPlan{StronglyTyped: true}, typedModelMatches(precision, major, f)
	}
	switch precision {
	case "fp32":
		if f.QDQ {
			return precisionPlan{}, opterr.Errorf("{Precision} fp32: the model has Q/DQ nodes; build it with {Precision} int8 (or best), or build the float model")
		}
		if calibCache {
			return precisionPlan{}, opterr.Errorf("{CalibCache} needs {Precision} int8 or best")
		}
		return precisionPlan{}, nil
	case "fp16":
		if f.QDQ {
			return precisionPlan{}, opterr.Errorf("{Precision} fp16: the model has Q/DQ nodes; use {Precision} best for INT8 plus FP16, or build the float model")
		}
		if calibCache {
			return precisionPlan{}, opterr.Errorf("{CalibCache} needs {Precision} int8 or best")
		}
		return precisionPlan{Flags: []trt.Flag{trt.FlagFP16}}, nil
	case "int8", "best":
		flags := []trt.Flag{trt.FlagINT8}
		if precision == "best" {
			flags = []trt.Flag{trt.FlagFP16, trt.FlagINT8}
		}
		switch {
		case f.QDQ && calibCache:
			return precisionPlan{}, opterr.Errorf("{CalibCache}: the model already has Q/DQ nodes with its scales; drop {CalibCache} or build the float model")
		case !f.QDQ && !calibCache:
			return precisionPlan{}, opterr.Errorf("{Precision} %s needs scales: a Q/DQ model (segtrt calibrate --out) or {CalibCache} C with the float model", precision)
		}
		return precisionPlan{Flags: flags, UseCalib: calibCache}, nil
	}
	return precisionPlan{}, opterr.Errorf("{Precision} %q: want fp32, fp16, int8 or best", precision)
}

// typedModelMatches checks --precision against a strongly typed model.
func typedModelMatches(precision string, major int, f ModelFacts) error {
	switch precision {
	case "fp32":
		if f.FP16 || f.QDQ {
			return opterr.Errorf("{Precision} fp32: the model carries %s, and TensorRT %d builds it as typed; build the float32 model", typedKind(f), major)
		}
	case "fp16":
		if !f.FP16 || f.QDQ {
			return opterr.Errorf("{Precision} fp16 with TensorRT %d needs an FP16 ONNX (segtrt export --fp16 --out M.fp16.onnx); this model carries %s", major, typedKind(f))
		}
	case "int8":
		if !f.QDQ {
			return opterr.Errorf("{Precision} int8 with TensorRT %d needs a Q/DQ model (segtrt calibrate --out M.int8.onnx); this model carries %s", major, typedKind(f))
		}
	default:
		return opterr.Errorf("{Precision} %q: want fp32, fp16 or int8 with TensorRT %d", precision, major)
	}
	return nil
}

func typedKind(f ModelFacts) string {
	switch {
	case f.QDQ && f.FP16:
		return "Q/DQ nodes and FP16 types"
	case f.QDQ:
		return "Q/DQ nodes"
	case f.FP16:
		return "FP16 types"
	}
	return "only float32 types"
}

// describe formats the plan for the summary.
func (p precisionPlan) describe() string {
	parts := []string{"weakly typed"}
	if p.StronglyTyped {
		parts = []string{"strongly typed"}
	}
	for _, f := range p.Flags {
		parts = append(parts, f.String())
	}
	if p.UseCalib {
		parts = append(parts, "calibration cache")
	}
	return fmt.Sprint(strings.Join(parts, ", "))
}
