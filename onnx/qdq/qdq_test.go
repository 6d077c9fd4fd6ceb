package qdq

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// build makes a 1x4x8x8 graph of nodes over input "x"; every Conv reads
// weight "w" (4x4x1x1) and "b" is a constant bias of shape 1x4x1x1.
func build(t *testing.T, output string, nodes ...*onnxpb.NodeProto) (*graph.Graph, shapes.Result) {
	t.Helper()
	dim := func(v int64) *onnxpb.TensorShapeProto_Dimension {
		return &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	vi := func(name string) *onnxpb.ValueInfoProto {
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{dim(1), dim(4), dim(8), dim(8)}}}}}}
	}
	f := func(name string, dims []int64, n int) *onnxpb.TensorProto {
		return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(1), FloatData: make([]float32, n)}
	}
	gp := &onnxpb.GraphProto{
		Name: proto.String("g"), Input: []*onnxpb.ValueInfoProto{vi("x")}, Output: []*onnxpb.ValueInfoProto{vi(output)},
		Node:        nodes,
		Initializer: []*onnxpb.TensorProto{f("w", []int64{4, 4, 1, 1}, 16), f("b", []int64{1, 4, 1, 1}, 4)},
	}
	g, err := graph.New(gp)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shapes.Infer(g, 17, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g, res
}

func op(typ, out string, in ...string) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{Name: proto.String(out), OpType: proto.String(typ), Input: in, Output: []string{out}}
}

// quantized returns, per planned tensor, the names of its quantized
// consumers.
func quantized(p *Plan, g *graph.Graph) map[string][]string {
	out := map[string][]string{}
	for _, s := range p.Activations {
		for _, c := range s.Consumers {
			out[s.Tensor] = append(out[s.Tensor], g.Node(c).GetName())
		}
	}
	return out
}

func TestResidualAddPlacement(t *testing.T) {
	cases := []struct {
		name  string
		nodes []*onnxpb.NodeProto
		want  map[string][]string
	}{
		{
			// conv -> add(conv, identity): the identity alone is int8; the
			// add fuses into the conv.
			"conv and identity",
			[]*onnxpb.NodeProto{op("Relu", "r", "x"), op("Conv", "c", "r", "w"), op("Add", "y", "c", "r")},
			map[string][]string{"r": {"c", "y"}},
		},
		{
			"identity first",
			[]*onnxpb.NodeProto{op("Relu", "r", "x"), op("Conv", "c", "r", "w"), op("Add", "y", "r", "c")},
			map[string][]string{"r": {"c", "y"}},
		},
		{
			// Two convs (a downsampling shortcut): input 1 is the residual.
			"two convs",
			[]*onnxpb.NodeProto{op("Conv", "c1", "x", "w"), op("Conv", "c2", "x", "w"), op("Add", "y", "c1", "c2")},
			map[string][]string{"x": {"c1", "c2"}, "c2": {"y"}},
		},
		{
			// No weighted op to fuse into: the add itself runs in int8.
			"no conv",
			[]*onnxpb.NodeProto{op("Relu", "r1", "x"), op("Sigmoid", "r2", "x"), op("Add", "y", "r1", "r2")},
			map[string][]string{"r1": {"y"}, "r2": {"y"}},
		},
		{
			// A bias add is not a residual add.
			"bias",
			[]*onnxpb.NodeProto{op("Conv", "c", "x", "w"), op("Add", "y", "c", "b")},
			map[string][]string{"x": {"c"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, res := build(t, "y", c.nodes...)
			p, err := NewPlan(g, res, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := quantized(p, g); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("quantized %v, want %v", got, c.want)
			}
			if w, ok := p.Weights["w"]; c.name != "no conv" && (!ok || w.Axis != 0) {
				t.Fatalf("weight w: %+v", p.Weights)
			}
		})
	}
}

// An all-zero weight channel (here every channel: w is zeros) gets the
// smallest normal scale, never 0.
func TestZeroWeightScale(t *testing.T) {
	g, res := build(t, "c", op("Conv", "c", "x", "w"))
	p, err := NewPlan(g, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Insert(g, p, Scales{"x": 1}); err != nil {
		t.Fatal(err)
	}
	for _, init := range g.Proto.Initializer {
		if init.GetName() != "w_scale" {
			continue
		}
		v, _ := graph.Float64s(init)
		for _, s := range v {
			if float32(s) != 0x1p-126 {
				t.Fatalf("scale %v", s)
			}
		}
		return
	}
	t.Fatal("no w_scale")
}

// Insert routes exactly the planned consumers through the Q/DQ pair.
func TestInsertRewiresPlannedInputsOnly(t *testing.T) {
	g, res := build(t, "y", op("Relu", "r", "x"), op("Conv", "c", "r", "w"), op("Add", "y", "c", "r"))
	p, err := NewPlan(g, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Insert(g, p, Scales{"r": 2.54}); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]string{}
	for _, n := range g.Proto.Node {
		inputs[n.GetName()] = n.Input
	}
	// The weight keeps its name, now the output of its DequantizeLinear.
	if got := inputs["c"]; got[0] != "r_dequantized" || got[1] != "w" || inputs["w_DequantizeLinear"][0] != "w_int8" {
		t.Fatalf("conv reads %v; weight from %v", got, inputs["w_DequantizeLinear"])
	}
	if got := inputs["y"]; got[0] != "c" || got[1] != "r_dequantized" {
		t.Fatalf("add reads %v, want the conv's float output and the int8 residual", got)
	}
	if err := Insert(g, p, Scales{}); err == nil {
		t.Fatal("missing range accepted")
	}
}
