// Package cost counts a model's parameters and multiply-accumulates (MACs),
// the two numbers papers report and release gates compare.
//
// Params counts weight elements: float initializers read by nodes (and int8
// weights read by DequantizeLinear in Q/DQ models), each
// initializer once however many nodes share it (torch.onnx merges identical
// tensors into one). Inputs that are not learned weights never count:
// BatchNorm running statistics, Resize/Upsample roi and scales, Clip bounds,
// Pad values, quantization scales and zero points, and one-element
// constants in elementwise arithmetic (the 3 and 6 of a hard-swish).
//
// MACs counts the multiply-accumulates of Conv, ConvTranspose, Gemm and
// MatMul at the inferred shapes; other ops are memory-bound and left out, as
// in the papers' FLOPs columns.
package cost

import (
	"errors"
	"math"

	"github.com/segtrt/segtrt/internal/opterr"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// notWeights lists, per op type, the input slots that hold something other
// than learned weights.
var notWeights = map[string][]int{
	"BatchNormalization": {3, 4},
	"Resize":             {1, 2, 3},
	"Upsample":           {1},
	"Clip":               {1, 2},
	"Pad":                {1, 2, 3},
	"QuantizeLinear":     {1, 2},
	"DequantizeLinear":   {1, 2},
}

var elementwise = map[string]bool{
	"Add": true, "Sub": true, "Mul": true, "Div": true, "Pow": true, "Max": true,
	"Min": true, "Where": true, "Equal": true, "Less": true, "Greater": true,
}

// Params returns the number of weight elements in g.
func Params(g *graph.Graph) int64 {
	counted := map[string]bool{}
	var total int64
	for _, n := range g.Proto.Node {
		skip := map[int]bool{}
		for _, i := range notWeights[n.GetOpType()] {
			skip[i] = true
		}
		for i, in := range n.Input {
			t, ok := g.Initializers[in]
			// Quantized weights are int8 behind a DequantizeLinear.
			isQuantWeight := n.GetOpType() == "DequantizeLinear" && i == 0
			if !ok || skip[i] || counted[in] || (!graph.IsFloat(graph.DataType(t.GetDataType())) && !isQuantWeight) {
				continue
			}
			size := graph.NumElements(t.Dims)
			if elementwise[n.GetOpType()] && size == 1 {
				continue
			}
			counted[in] = true
			total += size
		}
	}
	return total
}

// MACs is the multiply-accumulate count of a model at one input shape.
type MACs struct {
	Total int64
	ByOp  map[string]int64
	// Partial: some counted ops had no known shapes (below an op shape
	// inference has no rule for) and are left out (CountMACsPartial).
	Partial bool
}

// CountMACs computes MACs from inferred shapes; it fails when a counted
// op's shapes are not all known.
func CountMACs(g *graph.Graph, res shapes.Result) (MACs, error) { return countMACs(g, res, false) }

// CountMACsPartial is CountMACs over what shapes are known: nodes without
// them are skipped and the count is marked Partial.
func CountMACsPartial(g *graph.Graph, res shapes.Result) (MACs, error) {
	return countMACs(g, res, true)
}

func countMACs(g *graph.Graph, res shapes.Result, partial bool) (MACs, error) {
	m := MACs{ByOp: map[string]int64{}}
	for _, i := range g.Order {
		n := g.Node(i)
		if n.GetDomain() != "" && n.GetDomain() != "ai.onnx" {
			continue
		}
		macs, err := nodeMACs(n, res)
		if _, unknownShape := opterr.As(err); err != nil && partial && unknownShape {
			m.Partial = true
			continue
		}
		if err != nil {
			return m, &graph.NodeError{Node: n, Msg: err.Error()}
		}
		if macs > 0 {
			by, ok1 := addInt(m.ByOp[n.GetOpType()], macs)
			total, ok2 := addInt(m.Total, macs)
			if !ok1 || !ok2 {
				return m, &graph.NodeError{Node: n, Msg: "the MAC count overflows 64 bits at these shapes"}
			}
			m.ByOp[n.GetOpType()], m.Total = by, total
		}
	}
	return m, nil
}

func nodeMACs(n *onnxpb.NodeProto, res shapes.Result) (int64, error) {
	op := n.GetOpType()
	switch op {
	case "Conv", "ConvTranspose", "Gemm", "MatMul":
	default:
		return 0, nil
	}
	get := func(name string) ([]int64, error) {
		v := res[name]
		if !v.Static() {
			return nil, opterr.Hintf("shape of %q unknown (give {InputShapes} for dynamic models)", name)
		}
		return v.Shape, nil
	}
	w, err := get(n.Input[1])
	if err != nil {
		return 0, err
	}
	switch op {
	case "Conv":
		y, err := get(n.Output[0])
		if err != nil {
			return 0, err
		}
		// Every output element is a dot product over Cin/group x kernel.
		return mul(prod(y), prod(w[1:]))
	case "ConvTranspose":
		x, err := get(n.Input[0])
		if err != nil {
			return 0, err
		}
		// Every input element scatters into Cout/group x kernel outputs.
		return mul(prod(x), prod(w[1:]))
	case "Gemm":
		a, err := get(n.Input[0])
		if err != nil {
			return 0, err
		}
		y, err := get(n.Output[0])
		if err != nil {
			return 0, err
		}
		k := a[1]
		if graph.AttrInt(n, "transA", 0) != 0 {
			k = a[0]
		}
		return mul(prod(y), k)
	default: // MatMul
		a, err := get(n.Input[0])
		if err != nil {
			return 0, err
		}
		y, err := get(n.Output[0])
		if err != nil {
			return 0, err
		}
		return mul(prod(y), a[len(a)-1])
	}
}

// overflowed marks a product past int64 (prod's answer then, carried by mul).
const overflowed = -1

func prod(s []int64) int64 {
	p := int64(1)
	for _, d := range s {
		if d < 0 || d > 0 && p > math.MaxInt64/d {
			return overflowed
		}
		p *= d
	}
	return p
}

// mul is a*b, or an error when either overflowed or the product does:
// inspect must never print a wrapped count (it printed MACs 0).
func mul(a, b int64) (int64, error) {
	if a < 0 || b < 0 || b > 0 && a > math.MaxInt64/b {
		return 0, errors.New("the MAC count overflows 64 bits at these shapes")
	}
	return a * b, nil
}

func addInt(a, b int64) (int64, bool) {
	if a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}
