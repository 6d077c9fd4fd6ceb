package patterns

import (
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

func TestOpsFixturePatterns(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("ops-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := graph.New(m.Proto.Graph)
	res, err := shapes.Infer(g, m.Opset(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// OpsNet has one SPGExcite module: d + sigmoid(gate) * trans(d).
	spg := FindSPGExcite(g, res)
	if len(spg) != 1 {
		t.Fatalf("%d SPG sites, want 1", len(spg))
	}
	if p := g.ProducerOf(spg[0].T); p == nil || p.GetName() != "/spg/trans/Conv" {
		t.Errorf("t comes from %v, want /spg/trans/Conv", p)
	}
	// adaptive_avg_pool2d(1), mean(2,3), avg_pool2d(full size), and the
	// stride-1 2x3 pooling resized back.
	want := []struct {
		kind    PoolingKind
		kernel  [2]int64
		resized bool
	}{
		{GlobalAveragePool, [2]int64{7, 10}, false},
		{ReduceMeanHW, [2]int64{7, 10}, false},
		{AveragePoolGlobal, [2]int64{7, 10}, false},
		{InferenceAP, [2]int64{2, 3}, true},
	}
	pools := FindPooling(g, res)
	if len(pools) != len(want) {
		t.Fatalf("%d pooling sites, want %d: %+v", len(pools), len(want), pools)
	}
	for i, w := range want {
		p := pools[i]
		if p.Kind != w.kind || p.Kernel != w.kernel || (p.Resize >= 0) != w.resized || p.Feature != [2]int64{7, 10} {
			t.Errorf("site %d: %+v, want %+v", i, p, w)
		}
	}
}

func TestSharedMulIsNotFused(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("ops-opset17.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := graph.New(m.Proto.Graph)
	res, _ := shapes.Infer(g, m.Opset(), nil)
	site := FindSPGExcite(g, res)[0]
	// Make the Mul's output a graph output too: fusing would lose it.
	mulOut := g.Node(site.Mul).Output[0]
	m.Proto.Graph.Output = append(m.Proto.Graph.Output, &onnxpb.ValueInfoProto{Name: &mulOut})
	g2, err := graph.New(m.Proto.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(FindSPGExcite(g2, res)); n != 0 {
		t.Fatalf("matched %d sites although %s is also a graph output", n, mulOut)
	}
}
