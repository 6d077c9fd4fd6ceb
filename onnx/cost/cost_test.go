package cost

import (
	"math"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/shapes"
)

func load(t *testing.T, path string) (*graph.Graph, shapes.Result) {
	t.Helper()
	m, err := onnxio.Load(path)
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
	return g, res
}

func TestAgainstTorch(t *testing.T) {
	cases := []struct {
		name string
		// Expected differences from torch's own numbers, by hand:
		paramsDelta int64 // ops: the stem Conv(bias=False)+BN(8) folds: 16 BN params become an 8-element bias
		macsDelta   int64 // ops: hooks miss the MatMul (1x5x2)·(1x2x5): 25 outputs x 2
	}{
		{"ops-opset11.onnx", -8, 50},
		{"ops-opset13.onnx", -8, 50},
		{"ops-opset17.onnx", -8, 50},
		{"plain.onnx", 0, 0},
		{"external/plain-ext.onnx", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			meta := testmodels.LoadMeta(t, c.name)
			g, res := load(t, testmodels.Path(c.name))
			if got, want := Params(g), meta.TorchParams+c.paramsDelta; got != want {
				t.Errorf("params %d, want %d (torch %d)", got, want, meta.TorchParams)
			}
			macs, err := CountMACs(g, res)
			if err != nil {
				t.Fatal(err)
			}
			if want := meta.HookMACs + c.macsDelta; macs.Total != want {
				t.Errorf("MACs %d, want %d (hooks %d)", macs.Total, want, meta.HookMACs)
			}
		})
	}
}

// The numbers of a fresh torchvision ResNet-18 exported by
// torch 1.13: BatchNorm folds into Conv, and the identical zero biases of a
// fresh model are merged into one shared initializer per channel count.
func TestResNet18(t *testing.T) {
	g, res := load(t, testmodels.ResNet18(t))
	if got := Params(g); got != 11_680_872 {
		t.Errorf("params %d, want 11,680,872", got)
	}
	macs, err := CountMACs(g, res)
	if err != nil {
		t.Fatal(err)
	}
	if macs.Total != 1_814_073_344 {
		t.Errorf("MACs %d, want 1,814,073,344", macs.Total)
	}
	// The classifier: 512 x 1000.
	if macs.ByOp["Gemm"] != 512_000 {
		t.Errorf("Gemm MACs %d, want 512,000", macs.ByOp["Gemm"])
	}
}

func BenchmarkInspectResNet18(b *testing.B) {
	path := testmodels.ResNet18(b)
	m, err := onnxio.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g, err := graph.New(m.Proto.Graph)
		if err != nil {
			b.Fatal(err)
		}
		res, err := shapes.Infer(g, m.Opset(), nil)
		if err != nil {
			b.Fatal(err)
		}
		Params(g)
		if _, err := CountMACs(g, res); err != nil {
			b.Fatal(err)
		}
	}
}

// A count past 64 bits is an error, never a wrapped number (inspect
// printed MACs 0).
func TestMACOverflowIsAnError(t *testing.T) {
	if p := prod([]int64{1 << 32, 1 << 32}); p != overflowed {
		t.Fatalf("prod %d", p)
	}
	if _, err := mul(prod([]int64{1 << 32, 1 << 32}), 3); err == nil {
		t.Fatal("an overflowed product multiplied")
	}
	if _, err := mul(1<<40, 1<<40); err == nil {
		t.Fatal("2^80 fit")
	}
	if v, err := mul(1<<30, 1<<30); err != nil || v != 1<<60 {
		t.Fatalf("%d %v", v, err)
	}
	if _, ok := addInt(math.MaxInt64, 1); ok {
		t.Fatal("MaxInt64 + 1 fit")
	}
}
