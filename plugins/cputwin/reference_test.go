package cputwin

// Reference graphs for ONNX Runtime: each plugin's unfused standard-op
// subgraph, built in memory. The session API takes one float input, so the
// three SPGExcite inputs travel packed as one (3, N, D, H, W) tensor and are
// taken apart with Gather.

import (
	"testing"

	"google.golang.org/protobuf/proto"

	_ "github.com/segtrt/segtrt/internal/testmodels" // finds the ONNX Runtime library that make deps installed
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/ort"
)

type graphBuilder struct {
	nodes        []*onnxpb.NodeProto
	initializers []*onnxpb.TensorProto
}

func (b *graphBuilder) node(op string, inputs []string, output string, attrs ...*onnxpb.AttributeProto) string {
	b.nodes = append(b.nodes, &onnxpb.NodeProto{
		Name: proto.String(output), OpType: proto.String(op), Input: inputs, Output: []string{output}, Attribute: attrs,
	})
	return output
}

func (b *graphBuilder) scalarInt64(name string, v int64) string {
	b.initializers = append(b.initializers, &onnxpb.TensorProto{
		Name: proto.String(name), DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: []int64{v},
	})
	return name
}

// roundTripFP16 rounds a float tensor to binary16 and back, as a Cast pair.
func (b *graphBuilder) roundTripFP16(in, out string) string {
	half := b.node("Cast", []string{in}, out+"_fp16", intAttr("to", int64(onnxpb.TensorProto_FLOAT16)))
	return b.node("Cast", []string{half}, out, intAttr("to", int64(onnxpb.TensorProto_FLOAT)))
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

func floatInfo(name string, shape []int64) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: &onnxpb.TensorShapeProto{Dim: dims}}}}}
}

// session makes an ONNX Runtime session for the graph, with graph
// optimisation off: the reference is the subgraph exactly as written (no
// Cast pair may be folded away).
func (b *graphBuilder) session(t *testing.T, name string, inShape, outShape []int64) *ort.Session {
	t.Helper()
	m := &onnxio.Model{Path: name, Proto: &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(17)}},
		Graph: &onnxpb.GraphProto{
			Name:        proto.String(name),
			Input:       []*onnxpb.ValueInfoProto{floatInfo("input", inShape)},
			Output:      []*onnxpb.ValueInfoProto{floatInfo("y", outShape)},
			Node:        b.nodes,
			Initializer: b.initializers,
		},
	}}
	s, err := ort.NewSession(m, ort.Options{Threads: 1, NoOptimize: true})
	if err != nil {
		t.Fatalf("%s: %v (run `make deps` for the ONNX Runtime library)", name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func run(t *testing.T, s *ort.Session, input []float32, shape []int64) []float32 {
	t.Helper()
	out, err := s.Run(input, shape)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), out[0].Data...)
}

// spgExciteReference runs Gather x3, Sigmoid, Mul, Add on the packed
// (3, N, D, H, W) input; with fp16, Cast pairs round the inputs and the
// output to binary16 (the plugin's FP16 contract: float math in between).
func spgExciteReference(t *testing.T, shape []int64, fp16 bool) *ort.Session {
	b := &graphBuilder{}
	packed := "input"
	if fp16 {
		packed = b.roundTripFP16(packed, "packed16")
	}
	x := b.node("Gather", []string{packed, b.scalarInt64("i0", 0)}, "x", intAttr("axis", 0))
	g := b.node("Gather", []string{packed, b.scalarInt64("i1", 1)}, "g", intAttr("axis", 0))
	tt := b.node("Gather", []string{packed, b.scalarInt64("i2", 2)}, "t", intAttr("axis", 0))
	s := b.node("Sigmoid", []string{g}, "s")
	m := b.node("Mul", []string{s, tt}, "m")
	if fp16 {
		b.roundTripFP16(b.node("Add", []string{x, m}, "y32"), "y")
	} else {
		b.node("Add", []string{x, m}, "y")
	}
	return b.session(t, "spgexcite-reference", append([]int64{3}, shape...), shape)
}

// avgPoolReference runs AveragePool (stride 1, no padding) with the kernel
// already clamped, or GlobalAveragePool when global is set.
func avgPoolReference(t *testing.T, n, c, h, w, kh, kw int, fp16, global bool) *ort.Session {
	b := &graphBuilder{}
	in := "input"
	if fp16 {
		in = b.roundTripFP16(in, "x16")
	}
	out := "y"
	if fp16 {
		out = "y32"
	}
	if global {
		b.node("GlobalAveragePool", []string{in}, out)
	} else {
		b.node("AveragePool", []string{in}, out, intsAttr("kernel_shape", int64(kh), int64(kw)), intsAttr("strides", 1, 1))
	}
	if fp16 {
		b.roundTripFP16(out, "y")
	}
	return b.session(t, "avgpool-reference", []int64{int64(n), int64(c), int64(h), int64(w)},
		[]int64{int64(n), int64(c), int64(h - kh + 1), int64(w - kw + 1)})
}

// castReference rounds a (1, n) float tensor to binary16 and back.
func castReference(t *testing.T, n int) *ort.Session {
	b := &graphBuilder{}
	b.roundTripFP16("input", "y")
	return b.session(t, "cast-reference", []int64{1, int64(n)}, []int64{1, int64(n)})
}
