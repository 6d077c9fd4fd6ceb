package export

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/fold"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/ort"
)

func runModel(t *testing.T, path string, input []float32, shape []int64) [][]float32 {
	t.Helper()
	m, err := onnxio.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err = passes.Runnable(m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ort.NewSession(m, ort.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	outs, err := s.Run(input, shape)
	if err != nil {
		t.Fatal(err)
	}
	var res [][]float32
	for _, o := range outs {
		res = append(res, append([]float32(nil), o.Data...))
	}
	return res
}

func randomInput(shape []int64) []float32 {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, graph.NumElements(shape))
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func export(t *testing.T, o Options) (string, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	o.Stdout, o.Stderr = &out, &errOut
	if o.Out == "" {
		o.Out = filepath.Join(t.TempDir(), "out.onnx")
	}
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o.Out, out.String(), errOut.String()
}

func countOps(t *testing.T, path string) map[string]int {
	m, err := onnxio.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := map[string]int{}
	for _, n := range m.Proto.Graph.Node {
		c[n.GetOpType()]++
	}
	return c
}

// The fused graph, run on ONNX Runtime (plugins rewritten to standard
// ops), must equal the original.
func TestFusedEqualsOriginal(t *testing.T) {
	src := testmodels.Path("ops-opset17.onnx")
	meta := testmodels.LoadMeta(t, "ops-opset17.onnx")
	out, summary, warnings := export(t, Options{Model: src, Fusion: passes.Fusion{SPG: true, AvgPool: true}})
	ops := countOps(t, out)
	// OpsNet has one SPG module and four pooling sites: three global ones
	// (fused) and a 2x3 stride-1 AveragePool, too small a window for
	// AvgPoolInfer to be as accurate as TensorRT's direct sum (left as is).
	if ops["SPGExcite"] != 1 || ops["AvgPoolInfer"] != 3 || ops["AveragePool"] != 1 || ops["Shape"] != 0 || ops["Constant"] != 0 {
		t.Fatalf("ops after export: %v\n%s", ops, summary)
	}
	if !strings.Contains(warnings, "/AveragePool_1: 2x3 window over 7x10 features left as a standard op") {
		t.Fatalf("warnings: %s", warnings)
	}
	x := randomInput(meta.InputShape)
	want := runModel(t, src, x, meta.InputShape)
	got := runModel(t, out, x, meta.InputShape)
	for i := range want {
		if d := maxDiff(got[i], want[i]); d > 1e-5 {
			t.Errorf("output %d: max |fused - original| = %g", i, d)
		}
	}
	check, err := exec.Command(testmodels.Python(), "-c",
		"import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]))", out).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker: %v\n%s", err, check)
	}
}

func TestTrainCrop(t *testing.T) {
	src := testmodels.Path("ops-opset17.onnx")
	meta := testmodels.LoadMeta(t, "ops-opset17.onnx")
	// Input 61x83, the pooled features are 7x10: stride 61/7 = 8 and 83/10 = 8.
	// A 24x40 crop gives kernel ceil(24/8)=3 x ceil(40/8)=5. The
	// GlobalAveragePool also feeds Flatten -> Gemm, so it stays global (and
	// is fused). The two 3x5 kernels and the 2x3 AveragePool are too small
	// for AvgPoolInfer: they become (or stay) AveragePool, still resized back.
	out, summary, warnings := export(t, Options{Model: src, Fusion: passes.Fusion{AvgPool: true, TrainCrop: [2]int64{24, 40}}})
	if strings.Count(summary, "-> kernel 3x5") != 2 || !strings.Contains(warnings, `/GlobalAveragePool: pooled value is used as a vector by "/Flatten"`) ||
		strings.Count(warnings, "3x5 window over 7x10 features left as a standard op") != 2 {
		t.Fatalf("summary:\n%s\nwarnings: %s", summary, warnings)
	}
	ops := countOps(t, out)
	if ops["AvgPoolInfer"] != 1 || ops["AveragePool"] != 3 || ops["Resize"] != 2+countOps(t, src)["Resize"] {
		t.Fatalf("ops %v", ops)
	}
	outs := runModel(t, out, randomInput(meta.InputShape), meta.InputShape)
	if len(outs[0]) != int(graph.NumElements(meta.OutputShapes[0])) {
		t.Fatal("output size changed")
	}
	// A crop larger than the feature map clamps and warns, and is then
	// plain global pooling again.
	_, summary, warnings = export(t, Options{Model: src, Fusion: passes.Fusion{TrainCrop: [2]int64{1024, 1024}}})
	if !strings.Contains(warnings, "clamped to 7x10") || !strings.Contains(summary, "-> kernel 7x10") {
		t.Fatalf("summary:\n%s\nwarnings: %s", summary, warnings)
	}
}

// A half-matched SPG pattern is reported by node and left as it was.
func TestHalfMatchLeftUnchanged(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("ops-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	var mulOut string
	for _, n := range m.Proto.Graph.Node {
		if n.GetName() == "/spg/Mul" {
			mulOut = n.Output[0]
		}
	}
	m.Proto.Graph.Output = append(m.Proto.Graph.Output, &onnxpb.ValueInfoProto{Name: &mulOut,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: m.Proto.Graph.Output[0].Type.GetTensorType().ElemType}}}})
	src := filepath.Join(t.TempDir(), "shared-mul.onnx")
	if err := m.Save(src, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _, warnings := export(t, Options{Model: src, Fusion: passes.Fusion{SPG: true}})
	if !strings.Contains(warnings, `"/spg/Add" (Add): SPG pattern not fused`) || !strings.Contains(warnings, `"/spg/Mul"`) {
		t.Fatalf("warnings: %q", warnings)
	}
	if ops := countOps(t, out); ops["SPGExcite"] != 0 || ops["Sigmoid"] != countOps(t, src)["Sigmoid"] {
		t.Fatalf("ops %v", ops)
	}
}

func TestParseOptions(t *testing.T) {
	if f, err := ParsePlugins([]string{"spg, avgpool"}); err != nil || !f.SPG || !f.AvgPool {
		t.Errorf("spg, avgpool: %+v %v", f, err)
	}
	if _, err := ParsePlugins([]string{"spg,nope"}); err == nil || !strings.Contains(err.Error(), `unknown plugin "nope"`) {
		t.Errorf("nope: %v", err)
	}
	if c, err := ParseCrop("1024x512"); err != nil || c != [2]int64{1024, 512} {
		t.Errorf("1024x512: %v %v", c, err)
	}
	for _, bad := range []string{"1024", "0x5", "ax5", "-1x5"} {
		if _, err := ParseCrop(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := Run(context.Background(), Options{Model: "m.onnx"}); err == nil {
		t.Error("no output accepted")
	}
}

// On the trained two-stage SPGNet fixture (AP at inference), the fused
// graph equals the original on ONNX Runtime, with one fused site per SPG
// module (stages - 1 = 1). Its context pooling (one per stage = 2) is a 4x8
// AP over 8x16 features (the micro model's 128x256 crop at 256x512): below
// AvgPoolInfer's accuracy threshold (about 13x13 on large maps; SPGNet's
// 24x24 AP at 1024x2048 is fused, see onnx/passes), so it stays AveragePool
// and export says so for each site.
func TestSPGNetFixture(t *testing.T) {
	src := filepath.Join(testmodels.Root(), "testdata", "models", "spgnet-micro-256x512.onnx")
	out, summary, warnings := export(t, Options{Model: src, Fusion: passes.Fusion{SPG: true, AvgPool: true}})
	ops := countOps(t, out)
	if ops["SPGExcite"] != 1 || ops["AvgPoolInfer"] != 0 || ops["AveragePool"] != 2 ||
		strings.Count(warnings, "4x8 window over 8x16 features left as a standard op") != 2 || strings.Count(warnings, "\n") != 2 {
		t.Fatalf("ops %v\n%s\nwarnings: %s", ops, summary, warnings)
	}
	sameLogits256x512(t, src, out)
}

// SGCPNet's global pooling sits in squeeze-and-excitation gates: a
// training crop must not turn those into inference pooling.
func TestTrainCropLeavesSEGates(t *testing.T) {
	src := filepath.Join(testmodels.Root(), "testdata", "models", "sgcpnet-256x512.onnx")
	_, summary, warnings := export(t, Options{Model: src, Fusion: passes.Fusion{TrainCrop: [2]int64{128, 256}}})
	if strings.Contains(summary, "train-crop:") || strings.Count(warnings, "(a channel gate); left as global pooling") != 9 {
		t.Fatalf("summary:\n%s\nwarnings:\n%s", summary, warnings)
	}
}

// Export leaves SGCPNet no node (other than Q/DQ) whose inputs are all
// constants: the BiFPN-style fusion weights (Relu, ReduceSum, Add, Div on
// initializers) become initializers, and the predictions stay the same.
func TestSGCPNetFoldsFusionWeights(t *testing.T) {
	src := filepath.Join(testmodels.Root(), "testdata", "models", "sgcpnet-256x512.onnx")
	out, summary, warnings := export(t, Options{Model: src})
	m, err := onnxio.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if left := fold.Remaining(g); len(left) != 0 || strings.Contains(warnings, "not folded") {
		t.Fatalf("all-constant nodes left: %v\n%s\n%s", left, summary, warnings)
	}
	before := countOps(t, src)
	if before["Relu"]-countOps(t, out)["Relu"] != 12 {
		t.Errorf("Relu before %d after %d; SGCPNet has 12 fusion-weight Relus", before["Relu"], countOps(t, out)["Relu"])
	}
	sameLogits256x512(t, src, out)
}

// sameLogits256x512 runs a 1x3x256x512 fixture and its export on ONNX
// Runtime and wants the logits within 1e-5.
func sameLogits256x512(t *testing.T, src, out string) {
	t.Helper()
	shape := []int64{1, 3, 256, 512}
	x := randomInput(shape)
	want := runModel(t, src, x, shape)
	got := runModel(t, out, x, shape)
	if d := maxDiff(got[0], want[0]); d > 1e-5 {
		t.Fatalf("max |exported - original| = %g", d)
	}
}
