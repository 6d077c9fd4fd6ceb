package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/dataset/synth"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/fold"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/ort"
)

// Models nobody here wrote: torchvision's segmentation networks (static
// and dynamic H/W, opsets 13 and 17) and a model of ops segtrt's shape
// inference lacks go through inspect, export, calibrate and validate, and
// export changes no prediction.
func TestAnyModelPipeline(t *testing.T) {
	zoo := testmodels.TorchvisionZoo(t)
	data := testmodels.SynthSet(t, "synth-128x256-seed7-24-8", synth.Options{Train: 24, Val: 8, Height: 128, Width: 256, Seed: 7})
	models := []string{testmodels.Path("unknown-ops.onnx")}
	for _, name := range []string{"fcn_resnet50-op17-static"} {
		models = append(models, filepath.Join(zoo, name+".onnx"))
	}
	for _, net := range []string{"deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"} {
		for _, v := range []string{"op13-static", "op13-dynamic", "op17-static", "op17-dynamic"} {
			models = append(models, filepath.Join(zoo, net+"-"+v+".onnx"))
		}
	}
	for _, model := range models {
		name := strings.TrimSuffix(filepath.Base(model), ".onnx")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out := func(f string) string { return filepath.Join(dir, f) }
			cli := func(args ...string) (string, string) {
				t.Helper()
				code, stdout, stderr := runCLI(args...)
				if code != 0 {
					t.Fatalf("segtrt %s: exit %d\n%s%s", args[0], code, stdout, stderr)
				}
				return stdout, stderr
			}
			stdout, _ := cli("inspect", model)
			unknownOps := strings.Contains(stdout, "no shape inference for")
			if unknownOps != (name == "unknown-ops") {
				t.Errorf("inspect:\n%s", stdout)
			}
			_, stderr := cli("export", "--model", model, "--out", out("exported.onnx"))
			if unknownOps != strings.Contains(stderr, "has no rule for CumSum") {
				t.Errorf("export's stderr: %s", stderr)
			}
			samePredictions(t, model, out("exported.onnx"))
			cli("calibrate", "--model", model, "--data", data, "--out", out("int8.onnx"), "--report", out("calib.json"), "--images", "8")
			var rep struct {
				Unclassified []string `json:"unclassified"`
			}
			raw, _ := os.ReadFile(out("calib.json"))
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if unknownOps != (len(rep.Unclassified) > 0) {
				t.Errorf("calib.json unclassified: %v", rep.Unclassified)
			}
			cli("validate", "--model", out("int8.onnx"), "--reference", model, "--data", data,
				"--report", out("report"), "--duration", "0s", "--iterations", "2")
		})
	}
}

// samePredictions runs both models on ONNX Runtime (dynamic ones at
// 1x3x128x256) and wants the same class at every pixel.
func samePredictions(t *testing.T, a, b string) {
	t.Helper()
	shape := []int64{1, 3, 128, 256}
	if m, err := onnxio.Load(a); err == nil {
		for i, d := range m.Proto.Graph.Input[0].GetType().GetTensorType().GetShape().GetDim() {
			if d.GetDimValue() > 0 {
				shape[i] = d.GetDimValue()
			}
		}
	}
	x := make([]float32, graph.NumElements(shape))
	for i := range x {
		x[i] = float32((i*7919)%1000)/500 - 1
	}
	var logits [2][]float32
	for k, path := range []string{a, b} {
		m, err := onnxio.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if k == 1 {
			g, err := graph.New(m.Proto.Graph)
			if err != nil {
				t.Fatal(err)
			}
			if left := fold.Remaining(g); len(left) != 0 {
				t.Errorf("export left all-constant nodes: %v", left)
			}
		}
		s, err := ort.NewSession(m, ort.Options{})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := s.Run(x, shape)
		if err != nil {
			t.Fatal(err)
		}
		logits[k] = append([]float32(nil), outs[0].Data...)
		s.Close()
	}
	const classes = 19
	pixels := int(shape[2] * shape[3])
	if len(logits[0]) != classes*pixels || len(logits[1]) != len(logits[0]) {
		t.Fatalf("logits of %d and %d values", len(logits[0]), len(logits[1]))
	}
	differ := 0
	for p := 0; p < pixels; p++ {
		if argmax(logits[0], p, pixels) != argmax(logits[1], p, pixels) {
			differ++
		}
	}
	if differ > 0 {
		t.Errorf("export changed the prediction at %d of %d pixels", differ, pixels)
	}
}

func argmax(logits []float32, p, pixels int) int {
	best := 0
	for c := 1; c < len(logits)/pixels; c++ {
		if logits[c*pixels+p] > logits[best*pixels+p] {
			best = c
		}
	}
	return best
}

// Bad input stays strict. An op ONNX Runtime does not know either stops
// validate and calibrate with its reason on one line; a truncated file, a
// cycle or a missing initializer stops every command with one line.
func TestAnyModelBadInputStaysStrict(t *testing.T) {
	data := testmodels.SynthSet(t, "synth-128x256-seed7-24-8", synth.Options{Train: 24, Val: 8, Height: 128, Width: 256, Seed: 7})
	dir := t.TempDir()
	src, err := os.ReadFile(testmodels.Path("unknown-ops.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, edit func(g *onnxpb.GraphProto)) string {
		m := &onnxpb.ModelProto{}
		if err := proto.Unmarshal(src, m); err != nil {
			t.Fatal(err)
		}
		edit(m.Graph)
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fancy := variant("fancy.onnx", func(g *onnxpb.GraphProto) { g.Node[2].OpType = proto.String("FancyCumSum") })
	cycle := variant("cycle.onnx", func(g *onnxpb.GraphProto) { g.Node[1].Input[0] = g.Node[3].Output[0] })
	missing := variant("missing.onnx", func(g *onnxpb.GraphProto) { g.Initializer = g.Initializer[1:] })
	truncated := filepath.Join(dir, "truncated.onnx")
	if err := os.WriteFile(truncated, src[:len(src)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	commands := func(m string) map[string][]string {
		return map[string][]string{
			"inspect":   {"inspect", m},
			"export":    {"export", "--model", m, "--out", filepath.Join(dir, "out.onnx")},
			"calibrate": {"calibrate", "--model", m, "--data", data, "--out", filepath.Join(dir, "q.onnx"), "--images", "4"},
			"validate":  {"validate", "--model", m, "--data", data, "--report", filepath.Join(dir, "rep"), "--limit", "2"},
		}
	}
	check := func(args []string, want string) {
		t.Helper()
		code, _, stderr := runCLI(args...)
		last := strings.TrimSpace(stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:])
		if code != 1 || !strings.Contains(last, want) || !strings.HasPrefix(last, "segtrt: ") || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line with %q", args, code, stderr, want)
		}
	}
	for _, cmd := range []string{"calibrate", "validate"} {
		check(commands(fancy)[cmd], "No Op registered for FancyCumSum")
	}
	for what, c := range map[string]struct{ path, want string }{
		"truncated": {truncated, "truncated"},
		"cycle":     {cycle, "cycle"},
		"missing":   {missing, "missing initializer"},
	} {
		for _, args := range commands(c.path) {
			code, _, stderr := runCLI(args...)
			if code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, c.path) {
				t.Errorf("%s, %v: exit %d, stderr %q", what, args[0], code, stderr)
			}
		}
	}
}
