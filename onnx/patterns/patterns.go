// Package patterns finds the subgraphs segtrt treats specially: the SPG
// excitation y = x + sigmoid(g) * t, and global or inference-time average
// pooling. inspect reports them; export fuses them into plugins.
package patterns

import (
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// SPGExcite is one match of Add(x, Mul(Sigmoid(g), t)).
type SPGExcite struct {
	Add, Mul, Sigmoid int // node indexes
	X, G, T, Y        string
}

// FindSPGExcite returns the excitation sites in graph order. The Mul and
// Sigmoid outputs must feed nothing else (else fusing would change the
// graph), and x, g and t must have one shape when shapes are known.
func FindSPGExcite(g *graph.Graph, res shapes.Result) []SPGExcite {
	var out []SPGExcite
	for _, ai := range g.Order {
		add := g.Node(ai)
		if !isOp(add, "Add") || len(add.Input) != 2 {
			continue
		}
		for side := 0; side < 2; side++ {
			mi, ok := soleProducer(g, add.Input[side], "Mul")
			if !ok {
				continue
			}
			mul := g.Node(mi)
			m, ok := matchMul(g, mul)
			if !ok {
				continue
			}
			m.Add, m.Mul, m.X, m.Y = ai, mi, add.Input[1-side], add.Output[0]
			if !sameShapes(res, m.X, m.G, m.T) {
				continue
			}
			out = append(out, m)
			break
		}
	}
	return out
}

func matchMul(g *graph.Graph, mul *onnxpb.NodeProto) (SPGExcite, bool) {
	if len(mul.Input) != 2 {
		return SPGExcite{}, false
	}
	for side := 0; side < 2; side++ {
		si, ok := soleProducer(g, mul.Input[side], "Sigmoid")
		if ok {
			return SPGExcite{Sigmoid: si, G: g.Node(si).Input[0], T: mul.Input[1-side]}, true
		}
	}
	return SPGExcite{}, false
}

// soleProducer returns the node of op type op producing value, if that
// value feeds exactly one node and is not a graph output.
func soleProducer(g *graph.Graph, value, op string) (int, bool) {
	i, ok := g.Producer[value]
	if !ok || !isOp(g.Node(i), op) || len(g.Consumers[value]) != 1 || g.IsOutput(value) {
		return 0, false
	}
	return i, true
}

func sameShapes(res shapes.Result, names ...string) bool {
	if res == nil {
		return true
	}
	first := res[names[0]]
	for _, n := range names[1:] {
		v := res[n]
		if first == nil || v == nil || !first.Static() || !v.Static() || len(first.Shape) != len(v.Shape) {
			return false
		}
		for i := range v.Shape {
			if v.Shape[i] != first.Shape[i] {
				return false
			}
		}
	}
	return true
}

func isOp(n *onnxpb.NodeProto, op string) bool {
	return n.GetOpType() == op && (n.GetDomain() == "" || n.GetDomain() == "ai.onnx")
}

// PoolingKind says how a pooling site is spelled.
type PoolingKind string

const (
	// GlobalAveragePool is the GlobalAveragePool op.
	GlobalAveragePool PoolingKind = "GlobalAveragePool"
	// ReduceMeanHW is ReduceMean over both spatial axes, keepdims.
	ReduceMeanHW PoolingKind = "ReduceMean(H,W)"
	// AveragePoolGlobal is AveragePool whose kernel covers the feature map.
	AveragePoolGlobal PoolingKind = "AveragePool(global)"
	// InferenceAP is stride-1 AveragePool smaller than the feature map
	// (the SPGNet paper's "AP" at inference), usually resized back.
	InferenceAP PoolingKind = "AveragePool(stride 1)"
	// PluginAvgPool is segtrt's fused AvgPoolInfer plugin node.
	PluginAvgPool PoolingKind = "AvgPoolInfer"
)

// Pooling is one global or inference average-pooling site.
type Pooling struct {
	Kind   PoolingKind
	Node   int
	Input  string
	Output string
	// Kernel is the pooled window (kernel_h, kernel_w) when known.
	Kernel [2]int64
	// Feature is the input's spatial size (H, W) when known.
	Feature [2]int64
	// Resize is the index of the Resize/Upsample node that brings the
	// output back to the feature size, or -1.
	Resize int
}

// FindPooling returns the pooling sites over NCHW features in graph order.
func FindPooling(g *graph.Graph, res shapes.Result) []Pooling {
	var out []Pooling
	for _, i := range g.Order {
		n := g.Node(i)
		if len(n.Input) == 0 || len(n.Output) == 0 {
			continue
		}
		p := Pooling{Node: i, Input: n.Input[0], Output: n.Output[0], Resize: -1}
		in := res[p.Input]
		if in.Static() && len(in.Shape) == 4 {
			p.Feature = [2]int64{in.Shape[2], in.Shape[3]}
		}
		switch {
		case isOp(n, "GlobalAveragePool"):
			p.Kind, p.Kernel = GlobalAveragePool, p.Feature
		case isOp(n, "ReduceMean") && isSpatialMean(n, res):
			p.Kind, p.Kernel = ReduceMeanHW, p.Feature
		case isOp(n, "AveragePool"):
			k, strides, padded := poolGeometry(n)
			if len(k) != 2 || padded || p.Feature[0] == 0 {
				continue
			}
			p.Kernel = [2]int64{k[0], k[1]}
			switch {
			case k[0] >= p.Feature[0] && k[1] >= p.Feature[1]:
				p.Kind = AveragePoolGlobal
			case strides[0] == 1 && strides[1] == 1:
				p.Kind = InferenceAP
			default:
				continue
			}
		case n.GetDomain() == "segtrt" && n.GetOpType() == "AvgPoolInfer":
			p.Kind = PluginAvgPool
			p.Kernel = [2]int64{graph.AttrInt(n, "kernel_h", 0), graph.AttrInt(n, "kernel_w", 0)}
		default:
			continue
		}
		p.Resize = resizedBack(g, p.Output)
		out = append(out, p)
	}
	return out
}

// resizedBack returns the Resize/Upsample node that is the one real consumer
// of value (torch adds Shape nodes beside it to size the resize), or -1.
func resizedBack(g *graph.Graph, value string) int {
	found := -1
	for _, ci := range g.Consumers[value] {
		c := g.Node(ci)
		switch {
		case isOp(c, "Shape"):
		case (isOp(c, "Resize") || isOp(c, "Upsample")) && found < 0:
			found = ci
		default:
			return -1
		}
	}
	return found
}

func isSpatialMean(n *onnxpb.NodeProto, res shapes.Result) bool {
	if graph.AttrInt(n, "keepdims", 1) == 0 {
		return false
	}
	axes := graph.AttrInts(n, "axes")
	if axes == nil && len(n.Input) > 1 {
		if v := res[n.Input[1]]; v != nil {
			axes = v.Ints
		}
	}
	if len(axes) != 2 {
		return false
	}
	seen := map[int64]bool{}
	for _, a := range axes {
		if a < 0 {
			a += 4
		}
		seen[a] = true
	}
	return seen[2] && seen[3]
}

func poolGeometry(n *onnxpb.NodeProto) (kernel, strides []int64, padded bool) {
	strides = []int64{1, 1}
	for _, a := range n.Attribute {
		switch a.GetName() {
		case "kernel_shape":
			kernel = a.Ints
		case "strides":
			strides = a.Ints
		case "pads":
			for _, p := range a.Ints {
				padded = padded || p != 0
			}
		case "auto_pad":
			s := string(a.GetS())
			padded = padded || (s != "" && s != "NOTSET" && s != "VALID")
		}
	}
	if len(strides) != 2 {
		strides = []int64{0, 0}
	}
	return kernel, strides, padded
}
