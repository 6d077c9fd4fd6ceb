package validate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/shard"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

var miniData = filepath.Join(testmodels.Root(), "testdata", "cityscapes-mini")

func quickTiming() Timing { return Timing{Warmup: 10 * time.Millisecond, MinIterations: 3} }

func baseOptions(t *testing.T) Options {
	return Options{
		Model:  testmodels.Path("seg19-64x128.onnx"),
		Data:   miniData,
		Split:  "val",
		Timing: quickTiming(),
		Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{},
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// The mIoU must equal Cityscapes' rule computed independently (numpy) from
// the predictions validate saved and the labelIds PNGs.
func TestMIoUMatchesIndependentEvaluation(t *testing.T) {
	dir := t.TempDir()
	opts := baseOptions(t)
	opts.ReportDir = filepath.Join(dir, "report")
	opts.SavePredictions = filepath.Join(dir, "pred")
	opts.SaveOverlays = filepath.Join(dir, "overlay")
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var rep Report
	readJSON(t, filepath.Join(opts.ReportDir, "report.json"), &rep)
	out, err := exec.Command(testmodels.Python(), "testdata/cityscapes_eval.py", opts.SavePredictions, miniData, "val").CombinedOutput()
	if err != nil {
		t.Fatalf("numpy evaluation: %v\n%s", err, out)
	}
	var ref struct {
		MIoU     float64    `json:"miou"`
		PerClass []*float64 `json:"per_class"`
		Images   int        `json:"images"`
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if ref.Images != rep.Images || rep.Images == 0 {
		t.Fatalf("numpy saw %d predictions, report has %d images", ref.Images, rep.Images)
	}
	if math.Abs(ref.MIoU-rep.Candidate.MIoU) > 0.01 {
		t.Fatalf("mIoU %.4f, numpy %.4f", rep.Candidate.MIoU, ref.MIoU)
	}
	entries, _ := os.ReadDir(opts.SavePredictions)
	if len(entries) != rep.Images {
		t.Fatalf("%d files in the predictions folder, want exactly %d", len(entries), rep.Images)
	}
	for _, f := range []string{"report.json", "report.md", "junit.xml", "class_iou.png", "latency_hist.png"} {
		if _, err := os.Stat(filepath.Join(opts.ReportDir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if overlays, _ := os.ReadDir(opts.SaveOverlays); len(overlays) != rep.Images {
		t.Errorf("%d overlays", len(overlays))
	}
	if rep.Reference != nil || rep.MIoUDrop != nil || rep.LatencyMs.P99 <= 0 || rep.FPS <= 0 || rep.Timing.Iterations < 3 {
		t.Errorf("report: reference %v drop %v latency %+v fps %v", rep.Reference, rep.MIoUDrop, rep.LatencyMs, rep.FPS)
	}
}

func TestReferenceAndTargets(t *testing.T) {
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.yaml")
	os.WriteFile(targets, []byte("max_miou_drop: 0.5\nmin_miou: 99.9\n"), 0o644)
	opts := baseOptions(t)
	opts.Reference = opts.Model // the same model: nothing may drop
	opts.Targets = targets
	opts.ReportDir = filepath.Join(dir, "report")
	err := Run(context.Background(), opts)
	if !errors.Is(err, ErrTargetMissed) || !strings.Contains(err.Error(), "min_miou: want >= 99.9") {
		t.Fatalf("got %v", err)
	}
	var rep Report
	readJSON(t, filepath.Join(opts.ReportDir, "report.json"), &rep)
	if rep.Pass || rep.MIoUDrop == nil || *rep.MIoUDrop != 0 || rep.PixelAgreement == nil || *rep.PixelAgreement != 100 {
		t.Fatalf("pass %v drop %v agreement %v", rep.Pass, rep.MIoUDrop, rep.PixelAgreement)
	}
	// Every file the run read is named by content.
	for _, f := range []*filehash.File{&rep.Files.Model, rep.Files.ReferenceModel, rep.Files.Targets} {
		b, _ := os.ReadFile(f.Path)
		sum := sha256.Sum256(b)
		if f == nil || f.SHA256 != hex.EncodeToString(sum[:]) || rep.SchemaVersion != SchemaVersion {
			t.Fatalf("files %+v", rep.Files)
		}
	}
	if len(rep.Targets) != 2 || !rep.Targets[1].Pass || rep.Targets[0].Pass {
		t.Fatalf("targets %+v", rep.Targets)
	}
	data, _ := os.ReadFile(filepath.Join(opts.ReportDir, "junit.xml"))
	var suite junitSuite
	if err := xml.Unmarshal(data, &suite); err != nil || suite.Tests != 2 || suite.Failures != 1 {
		t.Fatalf("junit: %v %+v", err, suite)
	}

	// The stored report of the reference stands in for re-running it.
	refDir := filepath.Join(dir, "ref")
	ro := baseOptions(t)
	ro.ReportDir = refDir
	if err := Run(context.Background(), ro); err != nil {
		t.Fatal(err)
	}
	so := baseOptions(t)
	so.ReferenceReport = filepath.Join(refDir, "report.json")
	so.ReportDir = filepath.Join(dir, "stored")
	if err := Run(context.Background(), so); err != nil {
		t.Fatal(err)
	}
	var stored Report
	readJSON(t, filepath.Join(so.ReportDir, "report.json"), &stored)
	if stored.MIoUDrop == nil || *stored.MIoUDrop != 0 {
		t.Fatalf("drop against stored reference: %v", stored.MIoUDrop)
	}
	so.Limit, so.ReportDir = 1, filepath.Join(dir, "mismatch")
	if err := Run(context.Background(), so); err == nil || !strings.Contains(err.Error(), "same images") {
		t.Fatalf("stored reference over other images: %v", err)
	}
}

func TestShardsMergeToOneRun(t *testing.T) {
	dir := t.TempDir()
	whole := baseOptions(t)
	whole.ReportDir = filepath.Join(dir, "whole")
	if err := Run(context.Background(), whole); err != nil {
		t.Fatal(err)
	}
	var shardFiles []string
	for _, s := range []string{"1/2", "0/2"} {
		o := baseOptions(t)
		sh, err := shard.Parse(s, os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		o.Shard = &sh
		o.ReportDir = filepath.Join(dir, "shard"+s[:1])
		if err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		shardFiles = append(shardFiles, filepath.Join(o.ReportDir, "report.json"))
	}
	merged := filepath.Join(dir, "merged")
	if err := Merge(context.Background(), MergeOptions{Shards: shardFiles, ReportDir: merged, Stdout: &bytes.Buffer{}}); err != nil {
		t.Fatal(err)
	}
	var a, b Report
	readJSON(t, filepath.Join(whole.ReportDir, "report.json"), &a)
	readJSON(t, filepath.Join(merged, "report.json"), &b)
	ja, _ := json.Marshal(a.Candidate)
	jb, _ := json.Marshal(b.Candidate)
	if string(ja) != string(jb) || strings.Join(a.ImageNames, ",") != strings.Join(b.ImageNames, ",") {
		t.Fatalf("merged scores differ from one run:\n%s\n%s", ja, jb)
	}
	if b.Timing.Iterations < 6 {
		t.Fatalf("merged latency pools %d samples", b.Timing.Iterations)
	}
	if err := Merge(context.Background(), MergeOptions{Shards: shardFiles[:1], Stdout: &bytes.Buffer{}}); err == nil {
		t.Fatal("merged an incomplete set of shards")
	}
}

// Bad input: a clear error and no report files at all.
func TestBadInputLeavesNoReport(t *testing.T) {
	dir := t.TempDir()
	badTargets := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badTargets, []byte("min_fsp: 3\n"), 0o644)
	cases := []struct {
		name   string
		edit   func(o *Options)
		want   string
		option bool // an error about how the options were set
	}{
		{"wrong class count", func(o *Options) { o.Model = testmodels.Path("plain.onnx") }, "plain.onnx: output \"logits\": shape", false},
		{"unknown target key", func(o *Options) { o.Targets = badTargets }, `unknown key "min_fsp"`, false},
		{"unreadable targets", func(o *Options) { o.Targets = filepath.Join(dir, "none.yaml") }, "none.yaml: no such file", false},
		{"drop without reference", func(o *Options) {
			os.WriteFile(filepath.Join(dir, "drop.yaml"), []byte("max_miou_drop: 1\n"), 0o644)
			o.Targets = filepath.Join(dir, "drop.yaml")
		}, "need Reference or ReferenceReport", true},
		{"missing split", func(o *Options) { o.Split = "nope" }, "nope", false},
		{"input shape mismatch", func(o *Options) { o.InputShapes = map[string][]int64{"input": {1, 3, 32, 32}} }, "1x3x32x32", false},
		{"missing model", func(o *Options) { o.Model = filepath.Join(dir, "gone.onnx") }, "gone.onnx", false},
		{"shard past the split", func(o *Options) { o.Shard = &Shard{Index: 2, Count: 2} }, "bad shard 2/2", false},
		{"trt backend", func(o *Options) { o.Backend = "trt" }, "library not found", false},
		{"cuda graph on onnx", func(o *Options) { o.Engine.CUDAGraph = true }, "CUDAGraph replays a TensorRT engine", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := baseOptions(t)
			o.ReportDir = filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
			c.edit(&o)
			err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, c.want)
			}
			if _, ok := opterr.As(err); ok != c.option {
				t.Errorf("option error: %v, want %v", ok, c.option)
			}
			if _, err := os.Stat(o.ReportDir); !os.IsNotExist(err) {
				t.Errorf("report folder exists after a failed run")
			}
		})
	}
}

// A second run on the same outputs stops at once; a run that fails after
// the pass leaves no predictions folder (not even the one it made); a
// successful one moves the finished folder into place and leaves nothing
// else beside it.
func TestPredictionFoldersAreWrittenWhole(t *testing.T) {
	dir := t.TempDir()
	pred := filepath.Join(dir, "pred")

	held, err := holdDir("SavePredictions", pred)
	if err != nil {
		t.Fatal(err)
	}
	o := baseOptions(t)
	o.SavePredictions = pred
	if err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "another segtrt run is writing it") {
		t.Fatalf("concurrent run: %v", err)
	}
	held.release(false)

	// The report cannot be written (its folder's place is a file): the run
	// fails after the pass, and its predictions go with it.
	blocker := filepath.Join(dir, "report")
	os.WriteFile(blocker, []byte("x"), 0o644)
	o = baseOptions(t)
	o.SavePredictions = pred
	o.ReportDir = filepath.Join(blocker, "sub")
	if err := Run(context.Background(), o); err == nil {
		t.Fatal("an unwritable report passed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("a failed run left %v", entries)
	}
	os.Remove(blocker)

	o = baseOptions(t)
	o.SavePredictions, o.SaveOverlays = pred, pred // one folder for both
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	preds, _ := os.ReadDir(pred)
	if len(entries) != 1 || entries[0].Name() != "pred" || len(preds) == 0 || len(preds)%2 != 0 {
		t.Fatalf("after a run: %v, %d files", entries, len(preds))
	}
}

// A candidate whose logits hold NaN fails the gate (exit 3's error) with
// the count and the images, even without a targets file.
func TestNaNLogitsFailTheGate(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("seg19-64x128.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g := m.Proto.Graph
	out := g.Output[0].GetName()
	// logits' = logits + Log(-1 - Abs(logits)): NaN everywhere.
	g.Initializer = append(g.Initializer, &onnxpb.TensorProto{Name: proto.String("minus_one"), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{-1}})
	g.Node = append(g.Node,
		&onnxpb.NodeProto{OpType: proto.String("Abs"), Input: []string{out}, Output: []string{"abs"}},
		&onnxpb.NodeProto{OpType: proto.String("Sub"), Input: []string{"minus_one", "abs"}, Output: []string{"neg"}},
		&onnxpb.NodeProto{OpType: proto.String("Log"), Input: []string{"neg"}, Output: []string{"nan"}},
		&onnxpb.NodeProto{OpType: proto.String("Add"), Input: []string{out, "nan"}, Output: []string{"nan_logits"}})
	g.Output[0].Name = proto.String("nan_logits")
	dir := t.TempDir()
	bad := filepath.Join(dir, "nan.onnx")
	if err := m.Save(bad, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	o := baseOptions(t)
	o.Model = bad
	o.ReportDir = filepath.Join(dir, "report")
	err = Run(context.Background(), o)
	if !errors.Is(err, ErrTargetMissed) || !strings.Contains(err.Error(), "finite_outputs") {
		t.Fatalf("got %v", err)
	}
	var rep Report
	readJSON(t, filepath.Join(o.ReportDir, "report.json"), &rep)
	nf := rep.NonFiniteLogits
	n := rep.Images
	if nf == nil || nf.Images != n || nf.Values != uint64(n*19*16*32) || len(nf.First) != min(n, 10) || rep.Pass {
		t.Fatalf("non_finite_logits %+v of %d images, pass %v", nf, n, rep.Pass)
	}
}

// A model with dynamic height and width validates without --input-shape:
// it takes the split's image size, says so once, and scores as the same
// model given that shape explicitly.
func TestDynamicModelTakesTheImageSize(t *testing.T) {
	model := testmodels.DynamicHW(t, "seg19-64x128.onnx")
	dir := t.TempDir()
	o := baseOptions(t)
	o.Model = model
	var stderr bytes.Buffer
	o.Stderr = &stderr
	o.ReportDir = filepath.Join(dir, "auto")
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "has a dynamic input; using input:1x3x128x256, the size of the val images") || strings.Count(stderr.String(), "note:") != 1 {
		t.Fatalf("stderr %q", stderr.String())
	}
	o2 := baseOptions(t)
	o2.Model = model
	o2.InputShapes = map[string][]int64{"input": {1, 3, 128, 256}}
	o2.ReportDir = filepath.Join(dir, "given")
	if err := Run(context.Background(), o2); err != nil {
		t.Fatal(err)
	}
	var a, b Report
	readJSON(t, filepath.Join(dir, "auto", "report.json"), &a)
	readJSON(t, filepath.Join(dir, "given", "report.json"), &b)
	if a.Candidate.MIoU != b.Candidate.MIoU || fmt.Sprint(a.InputShape) != "[1 3 128 256]" {
		t.Fatalf("auto %v %v, given %v", a.InputShape, a.Candidate.MIoU, b.Candidate.MIoU)
	}
}
