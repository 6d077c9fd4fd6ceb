package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/cost"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
	"google.golang.org/protobuf/proto"
)

func TestJSONReport(t *testing.T) {
	var out bytes.Buffer
	err := Run(context.Background(), Options{Model: testmodels.Path("ops-opset17.onnx"), JSON: true, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"inputs", "outputs", "opset", "op_counts", "params", "macs", "macs_by_op", "spg_excitation", "pooling"} {
		if _, ok := rep[key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	if rep["opset"].(float64) != 17 || rep["params"].(float64) != 5815 {
		t.Errorf("opset %v params %v", rep["opset"], rep["params"])
	}
	if n := len(rep["spg_excitation"].([]any)); n != 1 {
		t.Errorf("%d SPG sites", n)
	}
}

func TestTable(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Model: testmodels.Path("plain.onnx"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"input", "1x3x20x30", "params", "327", "MACs", "110,836", "BatchNormalization"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDynamicModelNeedsInputShapeForMACs(t *testing.T) {
	rep, err := Inspect(testmodels.Path("ops-dynamic.onnx"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.MACs != nil || len(rep.Notes) == 0 || rep.Params != 5815-0 {
		t.Errorf("macs %v notes %v params %d", rep.MACs, rep.Notes, rep.Params)
	}
	rep, err = Inspect(testmodels.Path("ops-dynamic.onnx"), map[string][]int64{"input": {1, 3, 64, 96}})
	if err != nil {
		t.Fatal(err)
	}
	meta := testmodels.LoadMeta(t, "ops-dynamic.onnx")
	if rep.MACs == nil || *rep.MACs != meta.HookMACs+50 {
		t.Errorf("macs %v, want hooks %d + MatMul 50", rep.MACs, meta.HookMACs)
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 11680872: "11,680,872", -1234: "-1,234"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

// Whatever the bytes, inspect answers with a report or an error, never a
// panic.
func FuzzInspectPipeline(f *testing.F) {
	for _, name := range []string{"plain.onnx", "ops-opset11.onnx", "ops-opset17.onnx"} {
		data, err := os.ReadFile(testmodels.Path(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnxio.Parse(data)
		if err != nil {
			return
		}
		g, err := graph.New(m.Proto.Graph)
		if err != nil {
			return
		}
		cost.Params(g)
		res, err := shapes.Infer(g, m.Opset(), nil)
		if err != nil {
			return
		}
		cost.CountMACs(g, res)
	})
}

func TestMissingModelNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.onnx")
	_, err := Inspect(path, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v", err)
	}
}

// An op segtrt's shape inference has no rule for (CumSum) does not stop
// inspect: it says so in a note, counts params, and MACs as far as shapes
// are known (partial when a counted node lies below the unknown op).
func TestUnknownOpIsANoteNotAnError(t *testing.T) {
	withCumSum := func(atStart bool) string {
		m, err := onnxio.Load(testmodels.Path("plain.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		g := m.Proto.Graph
		g.Initializer = append(g.Initializer, &onnxpb.TensorProto{Name: proto.String("axis"), DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: []int64{3}})
		cs := &onnxpb.NodeProto{Name: proto.String("cumsum"), OpType: proto.String("CumSum"), Output: []string{"cs"}}
		if atStart {
			in := g.Input[0].GetName()
			for _, n := range g.Node {
				for i, x := range n.Input {
					if x == in {
						n.Input[i] = "cs"
					}
				}
			}
			cs.Input = []string{in, "axis"}
			g.Node = append([]*onnxpb.NodeProto{cs}, g.Node...)
		} else {
			out := g.Output[0].GetName()
			for _, n := range g.Node {
				for i, x := range n.Output {
					if x == out {
						n.Output[i] = "pre"
					}
				}
			}
			cs.Input, cs.Output = []string{"pre", "axis"}, []string{out}
			g.Node = append(g.Node, cs)
		}
		path := filepath.Join(t.TempDir(), "cumsum.onnx")
		if err := m.Save(path, onnxio.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		return path
	}
	rep, err := Inspect(withCumSum(false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.MACs == nil || *rep.MACs != 110836 || rep.MACsPartial || rep.Params != 327 ||
		len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], `no shape inference for CumSum (at node "cumsum")`) {
		t.Fatalf("at the end: macs %v partial %v params %d notes %v", rep.MACs, rep.MACsPartial, rep.Params, rep.Notes)
	}
	rep, err = Inspect(withCumSum(true), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.MACs == nil || *rep.MACs != 0 || !rep.MACsPartial {
		t.Fatalf("at the start: macs %v partial %v", rep.MACs, rep.MACsPartial)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Model: withCumSum(true), Stdout: &out}); err != nil || !strings.Contains(out.String(), "partial)") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}
