package passes

import (
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Every float16 value survives float16 -> float32 -> float16.
func TestFloat32ToHalfRoundTrip(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := graph.HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if g := Float32ToHalf(f); g&0x7c00 != 0x7c00 || g&0x3ff == 0 {
				t.Fatalf("NaN %04x -> %04x", h, g)
			}
			continue
		}
		if g := Float32ToHalf(f); g != uint16(h) {
			t.Fatalf("%04x -> %g -> %04x", h, f, g)
		}
	}
}

func TestFloat32ToHalfRounding(t *testing.T) {
	cases := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00},
		{1 + 1.0/2048, 0x3c00},                  // tie: to even (down)
		{1 + 3.0/2048, 0x3c02},                  // tie: to even (up)
		{1 + 1.0/2048 + 1.0/65536, 0x3c01},      // above the tie
		{65504, 0x7bff},                         // largest half
		{65520, 0x7c00},                         // rounds to Inf
		{1e6, 0x7c00},                           // overflow
		{-1e6, 0xfc00},                          //
		{5.960464477539063e-08, 0x0001},         // smallest subnormal
		{2.9802322387695312e-08, 0x0000},        // half of it: tie to even (zero)
		{4.470348358154297e-08, 0x0001},         // 0.75 of it
		{1e-10, 0x0000},                         // underflow
		{float32(math.Copysign(0, -1)), 0x8000}, // -0
		{6.097555160522461e-05, 0x03ff},         // largest subnormal
		{6.103515625e-05, 0x0400},               // smallest normal
	}
	for _, c := range cases {
		if got := Float32ToHalf(c.f); got != c.want {
			t.Errorf("%g: %04x, want %04x", c.f, got, c.want)
		}
	}
}

func convert(t *testing.T, name string, emulate bool) (*onnxpb.ModelProto, FP16Summary) {
	t.Helper()
	m, err := onnxio.Load(testmodels.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shapes.Infer(g, m.Opset(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ConvertFP16(m.Proto, g, res, FP16Options{Emulate: emulate})
	if err != nil {
		t.Fatal(err)
	}
	// The result is a valid graph whose types and shapes infer.
	g2, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	res2, err := shapes.Infer(g2, m.Opset(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range m.Proto.Graph.Output {
		if res2[o.GetName()].DType != onnxpb.TensorProto_FLOAT {
			t.Errorf("output %s is %s", o.GetName(), res2[o.GetName()].DType)
		}
	}
	return m.Proto, sum
}

// plain.onnx: Conv, BatchNormalization, Relu, Conv, Relu, ReduceMean, Gemm.
func TestConvertFP16Plain(t *testing.T) {
	m, sum := convert(t, "plain.onnx", false)
	if len(sum.Kept) != 1 || !strings.Contains(sum.Kept[0], "(ReduceMean): long sum") {
		t.Errorf("kept %q", sum.Kept)
	}
	if sum.Half == 0 || sum.Initializers == 0 || sum.Casts < 3 {
		t.Errorf("summary %+v", sum)
	}
	types := map[string]onnxpb.TensorProto_DataType{}
	for _, init := range m.Graph.Initializer {
		types[init.GetName()] = onnxpb.TensorProto_DataType(init.GetDataType())
		if onnxpb.TensorProto_DataType(init.GetDataType()) == onnxpb.TensorProto_FLOAT {
			t.Errorf("float32 initializer %s left (unused originals are dropped)", init.GetName())
		}
	}
	// input -> Cast(fp16) first; ReduceMean reads a Cast to float32; the
	// Gemm after it runs in float16 again; the output comes through a Cast.
	nodes := m.Graph.Node
	if nodes[0].GetOpType() != "Cast" || nodes[0].Input[0] != "input" || graph.AttrInt(nodes[0], "to", 0) != 10 {
		t.Errorf("first node %v", nodes[0])
	}
	last := nodes[len(nodes)-1]
	if last.GetOpType() != "Cast" || last.Output[0] != "logits" || graph.AttrInt(last, "to", 0) != 1 {
		t.Errorf("last node %v", last)
	}
	for i, n := range nodes {
		if n.GetOpType() == "ReduceMean" {
			prev := nodes[i-1]
			if prev.GetOpType() != "Cast" || graph.AttrInt(prev, "to", 0) != 1 || prev.Output[0] != n.Input[0] {
				t.Errorf("ReduceMean is not fed float32: %v", prev)
			}
		}
	}
}

func TestConvertFP16EmulationStaysFloat32(t *testing.T) {
	m, sum := convert(t, "plain.onnx", true)
	for _, init := range m.Graph.Initializer {
		if init.GetDataType() != int32(onnxpb.TensorProto_FLOAT) && init.GetDataType() != int32(onnxpb.TensorProto_INT64) {
			t.Errorf("initializer %s is %v", init.GetName(), init.GetDataType())
		}
		if init.GetDataType() == int32(onnxpb.TensorProto_FLOAT) {
			vals, _ := graph.Float64s(init)
			for _, v := range vals {
				if float64(graph.HalfToFloat32(Float32ToHalf(float32(v)))) != v {
					t.Fatalf("initializer %s holds %g, not a float16 value", init.GetName(), v)
				}
			}
		}
	}
	// Every float16 op's output goes through a float->float16->float pair.
	pairs := 0
	for i := 0; i+1 < len(m.Graph.Node); i++ {
		a, b := m.Graph.Node[i], m.Graph.Node[i+1]
		if a.GetOpType() == "Cast" && b.GetOpType() == "Cast" && graph.AttrInt(a, "to", 0) == 10 && graph.AttrInt(b, "to", 0) == 1 && b.Input[0] == a.Output[0] {
			pairs++
		}
	}
	if pairs < sum.Half {
		t.Errorf("%d rounding pairs for %d float16 nodes", pairs, sum.Half)
	}
}

func TestConvertFP16KeepsResizeScales(t *testing.T) {
	m, sum := convert(t, "ops-opset17.onnx", false)
	byName := map[string]*onnxpb.TensorProto{}
	for _, init := range m.Graph.Initializer {
		byName[init.GetName()] = init
	}
	resizes := 0
	for _, n := range m.Graph.Node {
		if n.GetOpType() != "Resize" {
			continue
		}
		resizes++
		for i := 1; i < len(n.Input) && i <= 2; i++ {
			if t16 := byName[n.Input[i]]; t16 != nil && t16.GetDataType() == int32(onnxpb.TensorProto_FLOAT16) {
				t.Errorf("Resize %s: input %d became float16", n.GetName(), i)
			}
		}
	}
	if resizes == 0 {
		t.Fatal("fixture has no Resize")
	}
	if !strings.Contains(FP16KeptSummary(sum.Kept), "Softmax 1") {
		t.Errorf("kept %q", sum.Kept)
	}
}

func TestConvertFP16RefusesQDQ(t *testing.T) {
	m := &onnxpb.ModelProto{Graph: &onnxpb.GraphProto{Node: []*onnxpb.NodeProto{{OpType: proto.String("QuantizeLinear"), Name: proto.String("q")}}}}
	g := &graph.Graph{Proto: m.Graph}
	if _, err := ConvertFP16(m, g, shapes.Result{}, FP16Options{}); err == nil || !strings.Contains(err.Error(), "Q/DQ") {
		t.Fatalf("got %v", err)
	}
}

func TestFP16KeptSummary(t *testing.T) {
	got := FP16KeptSummary([]string{`"a" (Softmax): x`, `"b (weird)" (ReduceMean): y`, `"c" (Softmax): x`})
	if got != "ReduceMean 1, Softmax 2" {
		t.Fatal(got)
	}
}
