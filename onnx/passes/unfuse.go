package passes

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// HasPlugins reports whether m holds segtrt plugin nodes.
func HasPlugins(m *onnxpb.ModelProto) bool {
	for _, n := range m.GetGraph().GetNode() {
		if n.GetDomain() == Domain {
			return true
		}
	}
	return false
}

// Runnable returns m as ONNX Runtime can run it: m itself when it holds no
// segtrt plugin nodes, otherwise an unfused copy (m is not changed).
func Runnable(m *onnxio.Model) (*onnxio.Model, error) {
	if !HasPlugins(m.Proto) {
		return m, nil
	}
	c := &onnxio.Model{Proto: proto.Clone(m.Proto).(*onnxpb.ModelProto), Path: m.Path}
	if _, err := Unfuse(c.Proto); err != nil {
		name := m.Path
		if name == "" {
			name = "model"
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Unfuse rewrites every segtrt plugin node of m into the standard ops it
// stands for, from the node's attributes (and, for the pool's clamp, the
// inferred input size) alone: SPGExcite(x, g, t) becomes
// Add(x, Mul(Sigmoid(g), t)) and AvgPoolInfer a stride-1 AveragePool.
// ONNX Runtime cannot load our TensorRT plugin library, so this is how it
// runs a fused graph.
func Unfuse(m *onnxpb.ModelProto) (int, error) {
	g, err := graph.New(m.Graph)
	if err != nil {
		return 0, err
	}
	opset := onnxio.OpsetOf(m)
	var res shapes.Result
	var nodes []*onnxpb.NodeProto
	count := 0
	for _, n := range m.Graph.Node {
		if n.GetDomain() != Domain {
			nodes = append(nodes, n)
			continue
		}
		name := n.GetName()
		switch n.GetOpType() {
		case SPGExciteOp:
			if len(n.Input) != 3 || len(n.Output) != 1 {
				return 0, fmt.Errorf("node %s: SPGExcite takes x, g, t and gives y", graph.NodeName(n))
			}
			sig, mul := n.Output[0]+"_sigmoid", n.Output[0]+"_gated"
			nodes = append(nodes,
				&onnxpb.NodeProto{Name: proto.String(name + "/Sigmoid"), OpType: proto.String("Sigmoid"), Input: []string{n.Input[1]}, Output: []string{sig}},
				&onnxpb.NodeProto{Name: proto.String(name + "/Mul"), OpType: proto.String("Mul"), Input: []string{sig, n.Input[2]}, Output: []string{mul}},
				&onnxpb.NodeProto{Name: proto.String(name + "/Add"), OpType: proto.String("Add"), Input: []string{n.Input[0], mul}, Output: []string{n.Output[0]}})
		case AvgPoolOp:
			if res == nil {
				if res, err = shapes.Infer(g, opset, nil); err != nil {
					return 0, fmt.Errorf("unfusing AvgPoolInfer needs static shapes: %w", err)
				}
			}
			x := res[n.Input[0]]
			kh, kw := graph.AttrInt(n, "kernel_h", 0), graph.AttrInt(n, "kernel_w", 0)
			if !x.Static() || len(x.Shape) != 4 || kh <= 0 || kw <= 0 {
				return 0, fmt.Errorf("node %s: needs a static NCHW input and positive kernel_h, kernel_w", graph.NodeName(n))
			}
			nodes = append(nodes, &onnxpb.NodeProto{
				Name: proto.String(name + "/AveragePool"), OpType: proto.String("AveragePool"), Input: []string{n.Input[0]}, Output: []string{n.Output[0]},
				Attribute: []*onnxpb.AttributeProto{intsAttr("kernel_shape", min(kh, x.Shape[2]), min(kw, x.Shape[3])), intsAttr("strides", 1, 1)},
			})
		default:
			return 0, fmt.Errorf("node %s: unknown segtrt plugin %q", graph.NodeName(n), n.GetOpType())
		}
		count++
	}
	m.Graph.Node = nodes
	var imports []*onnxpb.OperatorSetIdProto
	for _, op := range m.OpsetImport {
		if op.GetDomain() != Domain {
			imports = append(imports, op)
		}
	}
	m.OpsetImport = imports
	return count, nil
}
