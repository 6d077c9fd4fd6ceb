// Package fold replaces nodes whose inputs are all constants by
// initializers, as TensorRT's and ONNX Runtime's own folding would at
// build time, so that the graph segtrt writes, quantizes and fuses holds
// only work that depends on the input (and importers without a folder of
// their own, such as OpenCV's, never meet Relu on weights).
//
// It folds the elementwise, reduction, shape and cast ops that segtrt's
// shape inference knows, in one pass in topological order, and takes
// output shapes from that inference. Values are computed in float64 or
// int64 and rounded or wrapped to the tensor's own type after every op, so
// a folded chain gives what the chain gives in that type. QuantizeLinear
// and DequantizeLinear are never folded: they are the INT8 model.
package fold

import (
	"fmt"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// maxGrowth bounds what folding may add to a model: an output over this
// many elements that is also larger than its inputs together (Expand,
// Tile or ConstantOfShape of a big shape) stays a node, since folding it
// would only make the file bigger.
const maxGrowth = 1 << 20

// Summary says what Constants did.
type Summary struct {
	Folded int
	// Skipped names each node with constant inputs that was left in place,
	// and why: `Expand (at node "e"): ...`.
	Skipped []string
}

// Constants folds g in place. res is shape inference's result for g
// (partial inference will do: nodes without static output shapes stay).
func Constants(g *graph.Graph, res shapes.Result, opset int64) Summary {
	var sum Summary
	f := folder{g: g, res: res, consts: map[string]*tensor{}}
	folded := make([]bool, len(g.Proto.Node))
	for _, i := range g.Order {
		n := g.Node(i)
		outs, err := f.evaluate(n, opset)
		if err != nil {
			sum.Skipped = append(sum.Skipped, fmt.Sprintf("%s (at node %q): %v", n.GetOpType(), n.GetName(), err))
			continue
		}
		if outs == nil {
			continue
		}
		for j, name := range n.Output {
			f.consts[name] = outs[j]
		}
		folded[i] = true
		sum.Folded++
	}
	gp := g.Proto
	var keep []*onnxpb.NodeProto
	added := map[string]bool{}
	for i, n := range gp.Node {
		if folded[i] {
			continue
		}
		keep = append(keep, n)
		for _, in := range n.Input {
			if p, ok := g.Producer[in]; ok && folded[p] && !added[in] {
				added[in] = true
				gp.Initializer = append(gp.Initializer, encode(in, f.consts[in]))
			}
		}
	}
	gp.Node = keep
	return sum
}

type folder struct {
	g      *graph.Graph
	res    shapes.Result
	consts map[string]*tensor // decoded initializers and folded outputs
}

// constant returns name's value when it is an initializer or a folded
// output, decoding initializers on first use only (weights stay encoded
// unless a foldable node reads them).
func (f *folder) constant(name string) (*tensor, bool, error) {
	if t, ok := f.consts[name]; ok {
		return t, true, nil
	}
	tp, ok := f.g.Initializers[name]
	if !ok {
		return nil, false, nil
	}
	t, err := decode(tp)
	if err != nil {
		return nil, true, fmt.Errorf("initializer %q: %v", name, err)
	}
	f.consts[name] = t
	return t, true, nil
}

// evaluate returns n's outputs when n can be folded, nil when it is not a
// candidate, and an error when it is one that cannot be folded.
func (f *folder) evaluate(n *onnxpb.NodeProto, opset int64) ([]*tensor, error) {
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		return nil, nil
	}
	op := n.GetOpType()
	if op == "QuantizeLinear" || op == "DequantizeLinear" || len(n.Output) == 0 {
		return nil, nil
	}
	for _, out := range n.Output {
		if out == "" || f.g.IsOutput(out) {
			return nil, nil
		}
	}
	call := &call{node: n, opset: opset}
	allConst := true
	for _, in := range n.Input {
		if in == "" {
			call.in = append(call.in, nil)
			continue
		}
		t, ok, err := f.constant(in)
		if err != nil {
			return nil, err
		}
		allConst = allConst && ok
		call.in = append(call.in, t)
	}
	for _, out := range n.Output {
		v := f.res[out]
		if v == nil {
			v = &shapes.Value{}
		}
		call.outs = append(call.outs, v)
	}
	var outs []*tensor
	var err error
	switch k, known := kernels[op]; {
	case allConst && op == "Constant":
		outs, err = constantNode(n)
	case allConst && known:
		outs, err = k(call)
	default:
		// Values inference worked out without constant inputs: the Shape
		// chains torch emits on static shapes.
		return fromInference(call.outs), nil
	}
	if err != nil {
		if known := fromInference(call.outs); known != nil {
			return known, nil
		}
		return nil, err
	}
	inElems := 0
	for _, t := range call.in {
		if t != nil {
			inElems += t.len()
		}
	}
	for _, t := range outs {
		if t.len() > maxGrowth && t.len() > inElems {
			return nil, fmt.Errorf("folding would store %d values computed from %d", t.len(), inElems)
		}
	}
	return outs, nil
}

// fromInference turns outputs whose values shape inference knows into
// tensors, or returns nil when one is not known.
func fromInference(vs []*shapes.Value) []*tensor {
	var outs []*tensor
	for _, v := range vs {
		if !v.Known() || !v.Static() || !supported(v.DType) {
			return nil
		}
		t := newTensor(v.DType, v.Shape)
		for k := 0; k < t.len(); k++ {
			if v.Ints != nil {
				t.setI(k, v.Ints[k])
			} else {
				t.setF(k, v.Floats[k])
			}
		}
		outs = append(outs, t)
	}
	return outs
}

func constantNode(n *onnxpb.NodeProto) ([]*tensor, error) {
	for _, a := range n.Attribute {
		switch a.GetName() {
		case "value":
			if a.GetT() == nil {
				return nil, fmt.Errorf("value attribute holds no tensor")
			}
			t, err := decode(a.GetT())
			if err != nil {
				return nil, err
			}
			return []*tensor{t}, nil
		case "value_float":
			t := newTensor(onnxpb.TensorProto_FLOAT, []int64{})
			t.setF(0, float64(a.GetF()))
			return []*tensor{t}, nil
		case "value_floats":
			t := newTensor(onnxpb.TensorProto_FLOAT, []int64{int64(len(a.Floats))})
			for k, v := range a.Floats {
				t.setF(k, float64(v))
			}
			return []*tensor{t}, nil
		case "value_int":
			return []*tensor{{dt: onnxpb.TensorProto_INT64, shape: []int64{}, i: []int64{a.GetI()}}}, nil
		case "value_ints":
			return []*tensor{{dt: onnxpb.TensorProto_INT64, shape: []int64{int64(len(a.Ints))}, i: append([]int64{}, a.Ints...)}}, nil
		}
	}
	return nil, fmt.Errorf("no value attribute segtrt can read")
}

// Remaining lists the nodes (other than QuantizeLinear and
// DequantizeLinear) whose inputs are all initializers: what a complete
// fold leaves none of. Tests and export's summary use it.
func Remaining(g *graph.Graph) []string {
	var left []string
	for _, n := range g.Proto.Node {
		if op := n.GetOpType(); op == "QuantizeLinear" || op == "DequantizeLinear" {
			continue
		}
		all := true
		for _, in := range n.Input {
			if _, ok := g.Initializers[in]; in != "" && !ok {
				all = false
			}
		}
		if all {
			left = append(left, graph.NodeName(n))
		}
	}
	return left
}
