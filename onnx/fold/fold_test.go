package fold

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/ort"
)

func foldModel(t *testing.T, m *onnxio.Model) Summary {
	t.Helper()
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shapes.Infer(g, m.Opset(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := Constants(g, res, m.Opset())
	passes.RemoveDead(m.Proto.Graph)
	return sum
}

func run(t *testing.T, m *onnxio.Model, opts ort.Options) []ort.Output {
	t.Helper()
	s, err := ort.NewSession(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Zeros: each output is then its constant part exactly (+ max(x) = 0).
	x := make([]float32, 60)
	outs, err := s.Run(x, []int64{1, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// consts.onnx holds a constant subgraph for every kernel; ONNX Runtime
// running the original, its own folding off, is the reference. Every
// value must match it bit for bit, except in y3 (exp, log, tanh, erf, ...)
// and y6 (reductions), where folding rounds a float64 result once, to the
// correctly rounded float32, while ONNX Runtime's float32 approximations
// and float32 sums may be an ulp or two away.
func TestFoldMatchesONNXRuntime(t *testing.T) {
	orig, err := onnxio.Load(testmodels.Path("consts.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	want := run(t, orig, ort.Options{NoOptimize: true})
	m, _ := onnxio.Load(testmodels.Path("consts.onnx"))
	sum := foldModel(t, m)
	if len(sum.Skipped) != 0 {
		t.Errorf("skipped: %v", sum.Skipped)
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if left := Remaining(g); len(left) != 0 {
		t.Errorf("all-constant nodes left: %v", left)
	}
	// Only the input's ReduceMax and the output Adds remain.
	if n := len(m.Proto.Graph.Node); n != 1+len(m.Proto.Graph.Output) {
		t.Errorf("%d nodes left, want %d", n, 1+len(m.Proto.Graph.Output))
	}
	path := filepath.Join(t.TempDir(), "folded.onnx")
	if err := m.Save(path, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	folded, err := onnxio.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := run(t, folded, ort.Options{NoOptimize: true})
	for i := range want {
		if len(got[i].Data) != len(want[i].Data) {
			t.Fatalf("%s: %d values, want %d", want[i].Name, len(got[i].Data), len(want[i].Data))
		}
		for k, w := range want[i].Data {
			g := got[i].Data[k]
			ulps := math.Abs(float64(g-w)) / ulp(w)
			if g != w && ((want[i].Name != "y3" && want[i].Name != "y6") || ulps > 2) {
				t.Errorf("%s[%d] = %v, ONNX Runtime %v", want[i].Name, k, g, w)
			}
		}
	}
}

// Numbers by hand: SGCPNet's fusion-weight normalisation, and ONNX's
// integer Mod (divisor's sign; C's with fmod) and Div (truncating).
func TestFoldByHand(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("consts.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	foldModel(t, m)
	inits := map[string]*onnxpb.TensorProto{}
	for _, tp := range m.Proto.Graph.Initializer {
		inits[tp.GetName()] = tp
	}
	adds := map[string]string{} // output name -> its constant input
	for _, n := range m.Proto.Graph.Node {
		if n.GetOpType() == "Add" {
			adds[n.Output[0]] = n.Input[0]
		}
	}
	values := func(out string) []float64 {
		tp := inits[adds[out]]
		if tp == nil {
			t.Fatalf("%s: no folded initializer", out)
		}
		v, err := graph.Float64s(tp)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := float32(2.0) + float32(1e-4)
	want := []float32{float32(0.7) / d, 0, float32(1.3) / d}
	for k, v := range values("y0") {
		if float32(v) != want[k] {
			t.Errorf("fusion weight %d = %v, want %v", k, v, want[k])
		}
	}
	// Mod(-7,3)=2 Mod(7,3)=1 Mod(-7,-3)=-1 Mod(7,-3)=-2; fmod: -1 1 -1 1;
	// Div: -2 2 2 -2; Mul; Sub.
	wantInts := []float64{2, 1, -1, -2, -1, 1, -1, 1, -2, 2, 2, -2, -21, 21, 21, -21, -10, 4, -4, 10}
	if got := values("y2"); !equal(got, wantInts) {
		t.Errorf("integer ops: %v, want %v", got, wantInts)
	}
	// arange(12) as 3x4, transposed, rows 1 and 3, columns 2, 0, -1.
	if got := values("y1"); !equal(got, []float64{9, 1, 9, 11, 3, 11}) {
		t.Errorf("index ops: %v", got)
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Expand of a scalar to 1024x2048 stays a node: folding it would store
// two million numbers computed from one.
func TestFoldDoesNotGrowModel(t *testing.T) {
	f32 := onnxpb.TensorProto_FLOAT
	gp := &onnxpb.GraphProto{
		Initializer: []*onnxpb.TensorProto{
			{Name: proto.String("one"), DataType: proto.Int32(int32(f32)), Dims: []int64{1}, FloatData: []float32{1}},
			{Name: proto.String("shape"), DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Dims: []int64{2}, Int64Data: []int64{1024, 2048}},
		},
		Node: []*onnxpb.NodeProto{
			{Name: proto.String("big"), OpType: proto.String("Expand"), Input: []string{"one", "shape"}, Output: []string{"e"}},
			{Name: proto.String("use"), OpType: proto.String("Add"), Input: []string{"x", "e"}, Output: []string{"y"}},
		},
		Input:  []*onnxpb.ValueInfoProto{valueInfo("x", 1024, 2048)},
		Output: []*onnxpb.ValueInfoProto{valueInfo("y", 1024, 2048)},
	}
	g, err := graph.New(gp)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shapes.Infer(g, 17, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := Constants(g, res, 17)
	if sum.Folded != 0 || len(gp.Node) != 2 || len(sum.Skipped) != 1 || !strings.Contains(sum.Skipped[0], `Expand (at node "big")`) {
		t.Errorf("folded %d, skipped %v, %d nodes", sum.Folded, sum.Skipped, len(gp.Node))
	}
}

func valueInfo(name string, dims ...int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: shape}}}}
}

// ulp is the spacing of float32 numbers at w.
func ulp(w float32) float64 {
	a := float32(math.Abs(float64(w)))
	return float64(math.Nextafter32(a, float32(math.Inf(1))) - a)
}
