// Package qdq plans and inserts explicit INT8 quantization into an ONNX
// graph the way TensorRT fuses it: QuantizeLinear/DequantizeLinear on the
// activation inputs of Conv, ConvTranspose, Gemm, MatMul and pooling, on
// the residual input of an Add that follows a weighted op, and int8 weights
// with a per-output-channel DequantizeLinear. Resize, Softmax, Sigmoid and
// segtrt's plugins see float inputs, and graph outputs stay float. Scales
// are amax/127, symmetric, zero point 0.
package qdq

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Site is one tensor to quantize and the consumers that read it through
// Q/DQ.
type Site struct {
	Tensor    string
	Consumers []int // node indexes
}

// Plan says what to quantize in a graph.
type Plan struct {
	Activations []Site            // sorted by tensor name
	Weights     map[string]Weight // by initializer name
	// Excluded lists quantizable nodes kept in float, by name.
	Excluded []string
	// Groups are the quantizable nodes that were quantized, by name, in
	// graph order: the units sensitivity analysis switches on and off.
	Groups []string
	// Unclassified are activations that quantizable ops read but whose
	// type shape inference does not know (below an op it has no rule
	// for): they stay float.
	Unclassified []string
}

// Weight is one weight initializer to store as int8.
type Weight struct {
	Name string
	Axis int // -1: per tensor
}

// quantizedInputs says which inputs of an op are quantized activations.
func quantizedInputs(g *graph.Graph, n *onnxpb.NodeProto) []int {
	switch n.GetOpType() {
	case "Conv", "ConvTranspose", "Gemm", "MatMul":
		return []int{0}
	case "MaxPool", "AveragePool", "GlobalAveragePool":
		return []int{0}
	case "Add":
		// TensorRT fuses a residual add into the conv that feeds it: the
		// conv's output stays in its accumulator precision and only the
		// residual input is int8, as NVIDIA's placement guidance for ResNet
		// puts it. Quantizing the conv's output as well rounds every
		// residual block once more (on SPGNet micro, 0.3-0.6 mIoU points).
		// When both inputs come from weighted ops, one fuses and the other,
		// input 1 (the shortcut in a torch export of out + identity), is
		// the residual; when neither does, the add runs in int8.
		if len(n.Input) == 2 && isActivation(g, n.Input[0]) && isActivation(g, n.Input[1]) {
			switch {
			case weighted(g, n.Input[0]):
				return []int{1}
			case weighted(g, n.Input[1]):
				return []int{0}
			}
			return []int{0, 1}
		}
	}
	return nil
}

// weighted says whether name is the output of an op TensorRT can fuse a
// following add into.
func weighted(g *graph.Graph, name string) bool {
	p := g.ProducerOf(name)
	if p == nil {
		return false
	}
	switch p.GetOpType() {
	case "Conv", "ConvTranspose", "Gemm", "MatMul":
		return true
	}
	return false
}

func isActivation(g *graph.Graph, name string) bool {
	_, isInit := g.Initializers[name]
	p := g.ProducerOf(name)
	return !isInit && (p == nil || p.GetOpType() != "Constant")
}

// weightAxis returns the per-channel axis of op's weight input, -1 for
// per-tensor, or false when the op has no quantizable weight.
func weightAxis(n *onnxpb.NodeProto) (int, bool) {
	switch n.GetOpType() {
	case "Conv":
		return 0, true
	case "Gemm":
		if graph.AttrInt(n, "transB", 0) != 0 {
			return 0, true
		}
		return -1, true
	case "ConvTranspose", "MatMul":
		return -1, true
	}
	return 0, false
}

// ExcludeMatching keeps nodes whose name matches any of res in float.
func ExcludeMatching(res []*regexp.Regexp) func(string) bool {
	return func(name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}
}

// NewPlan finds the quantization sites of g. Nodes for which keepFloat
// (may be nil) is true keep float inputs and weights.
func NewPlan(g *graph.Graph, res shapes.Result, keepFloat func(node string) bool) (*Plan, error) {
	p := &Plan{Weights: map[string]Weight{}}
	sites := map[string][]int{}
	for _, i := range g.Order {
		n := g.Node(i)
		if n.GetDomain() != "" && n.GetDomain() != "ai.onnx" {
			continue
		}
		if keepFloat != nil && keepFloat(n.GetName()) {
			if quantizedInputs(g, n) != nil {
				p.Excluded = append(p.Excluded, n.GetName())
			}
			continue
		}
		if quantizedInputs(g, n) != nil {
			p.Groups = append(p.Groups, n.GetName())
		}
		for _, in := range quantizedInputs(g, n) {
			name := n.Input[in]
			if v := res[name]; v == nil || v.DType != onnxpb.TensorProto_FLOAT {
				if (v == nil || v.DType == 0) && !slices.Contains(p.Unclassified, name) {
					p.Unclassified = append(p.Unclassified, name)
				}
				continue
			}
			sites[name] = append(sites[name], i)
		}
		if axis, ok := weightAxis(n); ok && len(n.Input) > 1 {
			w, isInit := g.Initializers[n.Input[1]]
			if !isInit || graph.DataType(w.GetDataType()) != onnxpb.TensorProto_FLOAT {
				continue
			}
			if prev, seen := p.Weights[n.Input[1]]; seen && prev.Axis != axis {
				axis = -1 // shared by ops that disagree: per tensor
			}
			p.Weights[n.Input[1]] = Weight{Name: n.Input[1], Axis: axis}
		}
	}
	for name, cs := range sites {
		p.Activations = append(p.Activations, Site{Tensor: name, Consumers: cs})
	}
	sort.Slice(p.Activations, func(a, b int) bool { return p.Activations[a].Tensor < p.Activations[b].Tensor })
	sort.Strings(p.Unclassified)
	if len(p.Activations) == 0 {
		return nil, fmt.Errorf("the model has no float activations feeding Conv, Gemm, MatMul, pooling or residual Add: nothing to quantize")
	}
	return p, nil
}

// WeightAmax returns max |w| per output channel along axis (one value for
// axis -1).
func WeightAmax(t *onnxpb.TensorProto, axis int) ([]float64, error) {
	vals, err := graph.Float64s(t)
	if err != nil {
		return nil, err
	}
	if axis < 0 || len(t.Dims) == 0 {
		m := 0.0
		for _, v := range vals {
			m = math.Max(m, math.Abs(v))
		}
		return []float64{m}, nil
	}
	if axis != 0 {
		return nil, fmt.Errorf("weight %q: per-channel axis %d unsupported", t.GetName(), axis)
	}
	ch := int(t.Dims[0])
	per := len(vals) / ch
	out := make([]float64, ch)
	for c := 0; c < ch; c++ {
		for _, v := range vals[c*per : (c+1)*per] {
			out[c] = math.Max(out[c], math.Abs(v))
		}
	}
	return out, nil
}
