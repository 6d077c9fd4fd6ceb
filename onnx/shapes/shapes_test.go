package shapes

import (
	"fmt"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

func infer(t *testing.T, name string, inputs map[string][]int64) (Result, *graph.Graph) {
	t.Helper()
	m, err := onnxio.Load(testmodels.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Infer(g, m.Opset(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	return res, g
}

func sameDims(a, b []int64) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// Every intermediate shape must agree with onnx's own shape inference, and
// the outputs with what torch computed.
func TestShapesMatchTorchAndONNX(t *testing.T) {
	for _, name := range []string{"ops-opset11.onnx", "ops-opset13.onnx", "ops-opset17.onnx", "plain.onnx"} {
		t.Run(name, func(t *testing.T) {
			meta := testmodels.LoadMeta(t, name)
			res, g := infer(t, name, nil)
			if len(meta.ONNXValueShapes) < 10 && name != "plain.onnx" {
				t.Fatalf("sidecar has only %d reference shapes", len(meta.ONNXValueShapes))
			}
			for value, want := range meta.ONNXValueShapes {
				if got := res[value]; got == nil || !sameDims(got.Shape, want) {
					t.Errorf("%s: got %v, onnx says %v", value, got, want)
				}
			}
			for i, out := range g.Proto.Output {
				if got := res[out.GetName()]; !sameDims(got.Shape, meta.OutputShapes[i]) {
					t.Errorf("output %s: got %v, torch gave %v", out.GetName(), got.Shape, meta.OutputShapes[i])
				}
			}
		})
	}
}

func TestDynamicModelAtTwoSizes(t *testing.T) {
	meta := testmodels.LoadMeta(t, "ops-dynamic.onnx")
	for _, c := range []struct{ in, out []int64 }{
		{meta.InputShape, meta.OutputShapes[0]},
		{meta.AltInputShape, meta.AltOutputShapes[0]},
	} {
		res, _ := infer(t, "ops-dynamic.onnx", map[string][]int64{"input": c.in})
		if got := res["seg"]; !sameDims(got.Shape, c.out) {
			t.Errorf("input %v: seg %v, torch gave %v", c.in, got.Shape, c.out)
		}
	}
}

func TestInputShapeErrors(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := graph.New(m.Proto.Graph)
	for _, bad := range []map[string][]int64{
		{"nope": {1, 3, 20, 30}},
		{"input": {1, 3, 20}},
		{"input": {1, 3, 21, 30}},
	} {
		if _, err := Infer(g, m.Opset(), bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestUnsupportedOpNamesNode(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	n := m.Proto.Graph.Node[1]
	n.OpType = new(string)
	*n.OpType = "FancyNorm"
	g, _ := graph.New(m.Proto.Graph)
	_, err = Infer(g, m.Opset(), nil)
	if err == nil || err.Error() != fmt.Sprintf("node %q (FancyNorm): cannot infer shapes for op FancyNorm (not one segtrt supports)", n.GetName()) {
		t.Fatalf("got %v", err)
	}
}

func TestConvAndPoolArithmetic(t *testing.T) {
	// Hand-computed: out = floor((in + pads - dil*(k-1) - 1) / stride) + 1,
	// and ceil mode drops a window that would start in the end padding.
	cases := []struct {
		w    window
		in   int64
		want int64
	}{
		{window{kernel: []int64{3}, strides: []int64{2}, dilations: []int64{1}, padBegin: []int64{1}, padEnd: []int64{1}}, 224, 112},
		{window{kernel: []int64{7}, strides: []int64{2}, dilations: []int64{1}, padBegin: []int64{3}, padEnd: []int64{3}}, 61, 31},
		{window{kernel: []int64{3}, strides: []int64{1}, dilations: []int64{2}, padBegin: []int64{2}, padEnd: []int64{2}}, 16, 16},
		{window{kernel: []int64{3}, strides: []int64{2}, dilations: []int64{1}, padBegin: []int64{1}, padEnd: []int64{1}, ceil: true}, 31, 16},
		{window{kernel: []int64{2}, strides: []int64{2}, dilations: []int64{1}, padBegin: []int64{0}, padEnd: []int64{0}, ceil: true}, 5, 3},
		{window{kernel: []int64{3}, strides: []int64{2}, dilations: []int64{1}, autoPad: "SAME_UPPER"}, 7, 4},
	}
	for i, c := range cases {
		got, err := c.w.out([]int64{c.in})
		if err != nil || got[0] != c.want {
			t.Errorf("case %d: got %v %v, want %d", i, got, err, c.want)
		}
	}
}

func TestParseInputShape(t *testing.T) {
	name, dims, err := ParseInputShape("input:0:1x3x512x1024")
	if err != nil || name != "input:0" || !sameDims(dims, []int64{1, 3, 512, 1024}) {
		t.Fatalf("got %q %v %v", name, dims, err)
	}
	for _, bad := range []string{"input", "input:", ":1x3", "input:1x0x3", "input:1xax3"} {
		if _, _, err := ParseInputShape(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A Constant whose "value" attribute is not a tensor (here an int) is bad
// input, not a crash; the fuzzer found this one.
func TestConstantValueWithoutTensor(t *testing.T) {
	name, typ := "value", onnxpb.AttributeProto_INT
	g, err := graph.New(&onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{{
			Name: proto.String("c"), OpType: proto.String("Constant"), Output: []string{"y"},
			Attribute: []*onnxpb.AttributeProto{{Name: &name, Type: &typ, I: proto.Int64(3)}},
		}},
		Output: []*onnxpb.ValueInfoProto{{Name: proto.String("y")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = Infer(g, 17, nil); err == nil {
		t.Fatal("a Constant with no tensor was accepted")
	}
}
