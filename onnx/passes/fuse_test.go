package passes

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

func floatValue(name string, shape ...int64) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: &onnxpb.TensorShapeProto{Dim: dims}}}}}
}

// poolModel is x (1 x 8 x h x w) -> one stride-1 AveragePool per kernel,
// each its own graph output, plus a GlobalAveragePool.
func poolModel(h, w int64, kernels ...[2]int64) *onnxpb.ModelProto {
	gp := &onnxpb.GraphProto{Name: proto.String("pools"), Input: []*onnxpb.ValueInfoProto{floatValue("x", 1, 8, h, w)}}
	for _, k := range kernels {
		out := "ap" + string(rune('a'+len(gp.Node))) // apa, apb, ...
		gp.Node = append(gp.Node, &onnxpb.NodeProto{
			Name: proto.String(out), OpType: proto.String("AveragePool"), Input: []string{"x"}, Output: []string{out},
			Attribute: []*onnxpb.AttributeProto{intsAttr("kernel_shape", k[0], k[1]), intsAttr("strides", 1, 1)},
		})
		gp.Output = append(gp.Output, floatValue(out, 1, 8, h-k[0]+1, w-k[1]+1))
	}
	gp.Node = append(gp.Node, &onnxpb.NodeProto{Name: proto.String("gap"), OpType: proto.String("GlobalAveragePool"), Input: []string{"x"}, Output: []string{"gap"}})
	gp.Output = append(gp.Output, floatValue("gap", 1, 8, 1, 1))
	return &onnxpb.ModelProto{IrVersion: proto.Int64(8), OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(17)}}, Graph: gp}
}

func fusePools(t *testing.T, m *onnxpb.ModelProto) (Summary, map[string]string) {
	t.Helper()
	g, err := graph.New(m.Graph)
	if err != nil {
		t.Fatal(err)
	}
	res, err := shapes.Infer(g, 17, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Fuse(m, g, res, Fusion{AvgPool: true})
	if err != nil {
		t.Fatal(err)
	}
	// Which op now produces each output.
	producer := map[string]string{}
	for _, n := range m.Graph.Node {
		producer[n.Output[0]] = n.GetOpType()
	}
	return sum, producer
}

// A 3x3 stride-1 AveragePool stays an AveragePool (TensorRT's direct sum is
// more accurate there), SPGNet's 24x24 AP on the 32x64 features of a
// 1024x2048 input becomes AvgPoolInfer, and global pooling is always fused.
func TestFuseAvgPoolOnlyLargeWindows(t *testing.T) {
	m := poolModel(32, 64, [2]int64{3, 3}, [2]int64{24, 24})
	sum, producer := fusePools(t, m)
	if producer["apa"] != "AveragePool" || producer["apb"] != AvgPoolOp || producer["gap"] != AvgPoolOp {
		t.Fatalf("producers %v, summary %+v", producer, sum)
	}
	if len(sum.PoolFused) != 2 || len(sum.NotFused) != 1 ||
		!strings.Contains(sum.NotFused[0], "apa: 3x3 window over 32x64 features left as a standard op") {
		t.Fatalf("summary %+v", sum)
	}
	var fused *onnxpb.NodeProto
	for _, n := range m.Graph.Node {
		if n.Output[0] == "apb" {
			fused = n
		}
	}
	if graph.AttrInt(fused, "kernel_h", 0) != 24 || graph.AttrInt(fused, "kernel_w", 0) != 24 || fused.GetDomain() != Domain {
		t.Fatalf("fused node %v", fused)
	}
}

// On maps large enough for full chunks, the bound comparison puts the
// threshold between 12x12 and 13x13 square windows.
func TestAvgPoolFusionThreshold(t *testing.T) {
	feature := [2]int64{256, 512}
	for k := int64(1); k <= 40; k++ {
		fused := avgPoolNotWorthIt([2]int64{k, k}, feature) == ""
		if fused != (k >= 13) {
			t.Errorf("%dx%d on 256x512: fused %v", k, k, fused)
		}
	}
	// Global pooling makes no slides: a separable direct sum, always fused.
	for _, f := range [][2]int64{{1, 1}, {2, 2}, {7, 10}, {8, 16}, {64, 128}} {
		if why := avgPoolNotWorthIt(f, f); why != "" {
			t.Errorf("global %v: %s", f, why)
		}
	}
	// The SPGNet micro fixture's 4x8 AP on 8x16 features stays AveragePool.
	if avgPoolNotWorthIt([2]int64{4, 8}, [2]int64{8, 16}) == "" {
		t.Error("4x8 on 8x16 fused")
	}
	// 3x3 on 1024x2048: kw + kh + 4B - 5 + 31 (1/3 + 1/3) ~ 149.7.
	if b := AvgPoolInferErrorBound([2]int64{3, 3}, [2]int64{1022, 2046}); b < 149.6 || b > 149.7 {
		t.Errorf("3x3 bound %g", b)
	}
}
