package graph

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

func node(name, op string, in []string, out ...string) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{Name: proto.String(name), OpType: proto.String(op), Input: in, Output: out}
}

func vi(name string) *onnxpb.ValueInfoProto { return &onnxpb.ValueInfoProto{Name: proto.String(name)} }

func TestTopologicalOrderPutsProducersFirst(t *testing.T) {
	g := &onnxpb.GraphProto{
		Input:  []*onnxpb.ValueInfoProto{vi("x")},
		Output: []*onnxpb.ValueInfoProto{vi("z")},
		// Stored out of order, as some exporters do.
		Node: []*onnxpb.NodeProto{
			node("c", "Add", []string{"a", "b"}, "z"),
			node("b", "Relu", []string{"a"}, "b"),
			node("a", "Relu", []string{"x"}, "a"),
		},
	}
	gr, err := New(g)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{2, 1, 0}
	for i := range want {
		if gr.Order[i] != want[i] {
			t.Fatalf("order %v, want %v", gr.Order, want)
		}
	}
	if got := gr.Consumers["a"]; len(got) != 2 {
		t.Fatalf("consumers of a: %v", got)
	}
}

func TestCycleNamesANode(t *testing.T) {
	g := &onnxpb.GraphProto{
		Input:  []*onnxpb.ValueInfoProto{vi("x")},
		Output: []*onnxpb.ValueInfoProto{vi("b")},
		Node: []*onnxpb.NodeProto{
			node("first", "Add", []string{"x", "b"}, "a"),
			node("second", "Relu", []string{"a"}, "b"),
		},
	}
	_, err := New(g)
	if err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), `"first"`) {
		t.Fatalf("got %v", err)
	}
}

func TestMissingInitializerNamesNodeAndInput(t *testing.T) {
	g := &onnxpb.GraphProto{
		Input:  []*onnxpb.ValueInfoProto{vi("x")},
		Output: []*onnxpb.ValueInfoProto{vi("y")},
		Node:   []*onnxpb.NodeProto{node("conv1", "Conv", []string{"x", "conv1.weight"}, "y")},
	}
	_, err := New(g)
	if err == nil || !strings.Contains(err.Error(), `"conv1"`) || !strings.Contains(err.Error(), "conv1.weight") {
		t.Fatalf("got %v", err)
	}
}

func TestDuplicateOutputRejected(t *testing.T) {
	g := &onnxpb.GraphProto{
		Input:  []*onnxpb.ValueInfoProto{vi("x")},
		Output: []*onnxpb.ValueInfoProto{vi("y")},
		Node: []*onnxpb.NodeProto{
			node("a", "Relu", []string{"x"}, "y"),
			node("b", "Relu", []string{"x"}, "y"),
		},
	}
	if _, err := New(g); err == nil || !strings.Contains(err.Error(), "also produced") {
		t.Fatalf("got %v", err)
	}
}

func TestHalfToFloat32(t *testing.T) {
	// Bit patterns and values from the IEEE 754 binary16 definition.
	cases := map[uint16]float32{
		0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 5.9604645e-08, 0x3555: 0.33325195, 0x0000: 0,
	}
	for bits, want := range cases {
		if got := HalfToFloat32(bits); got != want {
			t.Errorf("%#04x: got %v, want %v", bits, got, want)
		}
	}
}

func TestFloat64sTypedAndRaw(t *testing.T) {
	typed := &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{1.5, -2}}
	raw := &onnxpb.TensorProto{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		RawData: []byte{0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0}}
	for _, tp := range []*onnxpb.TensorProto{typed, raw} {
		v, err := Float64s(tp)
		if err != nil || len(v) != 2 || v[0] != 1.5 || v[1] != -2 {
			t.Errorf("got %v %v", v, err)
		}
	}
	short := &onnxpb.TensorProto{Dims: []int64{3}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: []byte{1, 2}}
	if _, err := Float64s(short); err == nil {
		t.Error("short raw_data accepted")
	}
	big := &onnxpb.TensorProto{Dims: []int64{1}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: []int64{1<<63 - 1}}
	if v, err := Int64s(big); err != nil || v[0] != 1<<63-1 {
		t.Errorf("INT64_MAX: got %v %v", v, err)
	}
}
