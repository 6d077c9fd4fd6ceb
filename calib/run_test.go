package calib

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/internal/shard"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

var miniData = filepath.Join(testmodels.Root(), "testdata", "cityscapes-mini")

func calibrate(t *testing.T, dir string, edit func(*Options)) Options {
	t.Helper()
	o := Options{
		Model: testmodels.Path("seg19-64x128.onnx"), Data: miniData, Images: 3,
		Out: filepath.Join(dir, "q.onnx"), Cache: filepath.Join(dir, "q.calib"), Report: filepath.Join(dir, "calib.json"),
	}
	if edit != nil {
		edit(&o)
	}
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Same inputs and seed give the same bytes, whatever the thread count.
func TestDeterministic(t *testing.T) {
	for _, method := range append([]Method{Auto}, Methods...) {
		t.Run(string(method), func(t *testing.T) {
			// Both runs write to the same paths (calib.json names them).
			dir := t.TempDir()
			edit := func(o *Options) { o.Method = method; o.SaveHistograms = true; o.AutoImages = 1 }
			files := []string{"q.onnx", "q.calib", "calib.json"}
			old := runtime.GOMAXPROCS(1)
			calibrate(t, dir, edit)
			runtime.GOMAXPROCS(old)
			first := map[string][]byte{}
			for _, f := range files {
				first[f] = read(t, filepath.Join(dir, f))
			}
			calibrate(t, dir, edit)
			for _, f := range files {
				if !bytes.Equal(first[f], read(t, filepath.Join(dir, f))) {
					t.Errorf("%s differs between runs", f)
				}
			}
		})
	}
}

// Without a cache or calib.json only the quantized tensors are
// histogrammed; the Q/DQ model is the same bytes either way.
func TestQDQModelAloneIsTheSame(t *testing.T) {
	full := calibrate(t, t.TempDir(), nil)
	alone := calibrate(t, t.TempDir(), func(o *Options) { o.Cache, o.Report = "", "" })
	if !bytes.Equal(read(t, full.Out), read(t, alone.Out)) {
		t.Fatal("the Q/DQ model differs when written alone")
	}
}

func TestReportAndCacheAgree(t *testing.T) {
	dir := t.TempDir()
	o := calibrate(t, dir, func(o *Options) { o.Method = MinMax; o.SaveHistograms = true })
	var rep Report
	if err := json.Unmarshal(read(t, o.Report), &rep); err != nil {
		t.Fatal(err)
	}
	cache, err := ReadCache(bytes.NewReader(read(t, o.Cache)))
	if err != nil {
		t.Fatal(err)
	}
	if cache.Calibrator != "MinMaxCalibration" || cache.Version != 101600 || rep.Method != "minmax" || len(rep.Images) != 3 {
		t.Fatalf("cache %s %d, report %s %d images", cache.Calibrator, cache.Version, rep.Method, len(rep.Images))
	}
	for _, f := range []struct {
		got  filehash.File
		path string
	}{{rep.Model, o.Model}, {rep.QDQModel, o.Out}, {*rep.Cache, o.Cache}} {
		sum := sha256.Sum256(read(t, f.path))
		if f.got.Path != f.path || f.got.SHA256 != hex.EncodeToString(sum[:]) || rep.SchemaVersion != SchemaVersion {
			t.Errorf("calib.json names %+v for %s", f.got, f.path)
		}
	}
	if len(rep.Tensors) != len(cache.Scales) || len(rep.Weights) != 3 {
		t.Fatalf("%d tensors in report, %d in cache, %d weights", len(rep.Tensors), len(cache.Scales), len(rep.Weights))
	}
	for _, tr := range rep.Tensors {
		if cache.Scales[tr.Name] != tr.Scale || tr.Scale != Scale(tr.Amax) {
			t.Errorf("%s: cache %v report %v amax/127 %v", tr.Name, cache.Scales[tr.Name], tr.Scale, Scale(tr.Amax))
		}
		// minmax: amax is max |x| of the data.
		if want := max(-tr.Min, tr.Max); tr.Amax != want {
			t.Errorf("%s: minmax amax %v, want max|x| %v", tr.Name, tr.Amax, want)
		}
		if len(tr.Counts) != Bins || len(tr.Edges) != Bins+1 || tr.Edges[0] != 0 {
			t.Errorf("%s: %d counts, %d edges", tr.Name, len(tr.Counts), len(tr.Edges))
		}
	}
	for _, w := range rep.Weights {
		if w.Axis != 0 || len(w.Amax) < 8 {
			t.Errorf("weight %s: axis %d, %d channels", w.Name, w.Axis, len(w.Amax))
		}
	}
}

// The Q/DQ model passes onnx's checker, and converting it to a cache and
// back gives the same model.
func TestConversionsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	o := calibrate(t, dir, nil)
	out, err := exec.Command(testmodels.Python(), "-c",
		"import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", o.Out).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker: %v\n%s", err, out)
	}
	fromQDQ := filepath.Join(dir, "from-qdq.calib")
	if err := FromQDQ(ConvertOptions{FromQDQ: o.Out, Cache: fromQDQ}); err != nil {
		t.Fatal(err)
	}
	cache, _ := ReadCache(bytes.NewReader(read(t, fromQDQ)))
	full, _ := ReadCache(bytes.NewReader(read(t, o.Cache)))
	if len(cache.Scales) != 3 {
		t.Fatalf("%d scales from the Q/DQ model, want the 3 quantized activations", len(cache.Scales))
	}
	for n, s := range cache.Scales {
		if full.Scales[n] != s {
			t.Errorf("%s: %v from Q/DQ, %v calibrated", n, s, full.Scales[n])
		}
	}
	rebuilt := filepath.Join(dir, "rebuilt.onnx")
	var stderr bytes.Buffer
	if err := FromCache(ConvertOptions{FromCache: o.Cache, Model: o.Model, Out: rebuilt, Stderr: &stderr}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, rebuilt), read(t, o.Out)) {
		t.Fatal("Q/DQ model rebuilt from the cache differs from the calibrated one")
	}
}

// tinyModel writes a 1x3x8x8 -> 1xCx8x8 model of the given nodes, which
// read "input" and write "y", and float initializers.
func tinyModel(t *testing.T, dir, name string, outChannels int64, nodes []*onnxpb.NodeProto, inits map[string][]float32, dims map[string][]int64) string {
	dim := func(v int64) *onnxpb.TensorShapeProto_Dimension {
		return &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	vi := func(name string, c int64) *onnxpb.ValueInfoProto {
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{dim(1), dim(c), dim(8), dim(8)}}}}}}
	}
	g := &onnxpb.GraphProto{
		Name:   proto.String(name),
		Input:  []*onnxpb.ValueInfoProto{vi("input", 3)},
		Output: []*onnxpb.ValueInfoProto{vi("y", outChannels)},
		Node:   nodes,
	}
	for _, n := range []string{"w", "zero", "ten"} { // a stable order
		if v, ok := inits[n]; ok {
			g.Initializer = append(g.Initializer, &onnxpb.TensorProto{Name: proto.String(n), Dims: dims[n],
				DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: v})
		}
	}
	m := &onnxio.Model{Proto: &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(17)}},
		Graph:       g,
	}}
	path := filepath.Join(dir, name+".onnx")
	if err := m.Save(path, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
}

func node(op string, in []string, out string) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{Name: proto.String(op + "_" + out), OpType: proto.String(op), Input: in, Output: []string{out}}
}

// reluOnly writes a model with no op TensorRT would quantize.
func reluOnly(t *testing.T, dir string) string {
	return tinyModel(t, dir, "relu", 3, []*onnxpb.NodeProto{node("Relu", []string{"input"}, "y")}, nil, nil)
}

// convAfter writes input -> nodes -> "x" -> 1x1 Conv (3 -> 2 channels) -> y.
func convAfter(t *testing.T, dir, name string, nodes []*onnxpb.NodeProto, inits map[string][]float32, dims map[string][]int64) string {
	inits["w"] = []float32{1, -1, 0.5, 0.25, 2, -0.5}
	dims["w"] = []int64{2, 3, 1, 1}
	return tinyModel(t, dir, name, 2, append(nodes, node("Conv", []string{"x", "w"}, "y")), inits, dims)
}

// auto scores every method on held-out images of the calibration split,
// records the scores and every method's amax, and keeps the two image
// sets apart.
func TestAutoRecordsItsChoice(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	o := calibrate(t, dir, func(o *Options) { o.Method = Auto; o.AutoImages = 1; o.Stdout = &stdout })
	var rep Report
	if err := json.Unmarshal(read(t, o.Report), &rep); err != nil {
		t.Fatal(err)
	}
	a := rep.Auto
	if a == nil || len(a.Scores) != 4 || len(a.Images) != 1 || len(rep.Images) != 2 || a.Split != "train" || a.Fallback != "" {
		t.Fatalf("auto report %+v, %d calibration images", a, len(rep.Images))
	}
	best := 0.0
	for k, s := range a.Scores {
		if s.Method != string(Methods[k]) || !(s.MIoU > 0 && s.MIoU <= 100) {
			t.Fatalf("score %d: %+v", k, s)
		}
		best = max(best, s.MIoU)
	}
	// The choice is the first method within the margin of the best.
	for _, s := range a.Scores {
		if s.MIoU >= best-AutoTieMargin {
			if a.Chosen != s.Method || rep.Method != s.Method {
				t.Fatalf("chose %s (method %s), want %s", a.Chosen, rep.Method, s.Method)
			}
			break
		}
	}
	for _, img := range rep.Images {
		if img == a.Images[0] {
			t.Fatalf("held-out image %s also calibrated on", img)
		}
	}
	for _, tr := range rep.Tensors {
		if tr.Methods == nil || tr.Amax != tr.Methods.Get(Method(rep.Method)) {
			t.Fatalf("%s: amax %v, methods %+v", tr.Name, tr.Amax, tr.Methods)
		}
	}
	if !strings.Contains(stdout.String(), "auto: entropy") {
		t.Errorf("stdout %q names no scores", stdout.String())
	}
	// The chosen method run on its own, on the same two images, writes the
	// same model and cache.
	same := calibrate(t, t.TempDir(), func(x *Options) { x.Method = Method(rep.Method); x.Images = 2 })
	for _, f := range []func(Options) string{func(o Options) string { return o.Out }, func(o Options) string { return o.Cache }} {
		if !bytes.Equal(read(t, f(o)), read(t, f(same))) {
			t.Errorf("%s differs from %s", f(o), f(same))
		}
	}
}

// With a split too small to hold images out, auto uses the fallback
// method and says so.
func TestAutoFallsBackOnTinySplits(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	o := calibrate(t, dir, func(o *Options) { o.Method = ""; o.Stderr = &stderr })
	var rep Report
	json.Unmarshal(read(t, o.Report), &rep)
	if rep.Method != string(FallbackMethod) || rep.Auto == nil || rep.Auto.Fallback == "" || len(rep.Images) != 3 {
		t.Fatalf("method %s, auto %+v", rep.Method, rep.Auto)
	}
	if !strings.Contains(stderr.String(), "too small to hold images out") {
		t.Errorf("stderr: %q", stderr.String())
	}
}

// Calibrating on the images validate scores on is flagged, by split name
// and by content.
func TestOverlapWithValidationWarns(t *testing.T) {
	var stderr bytes.Buffer
	o := calibrate(t, t.TempDir(), func(o *Options) { o.Split = "val"; o.Stderr = &stderr })
	if !strings.Contains(stderr.String(), `from split "val"`) {
		t.Fatalf("no warning for --split val: %q", stderr.String())
	}
	var rep Report
	json.Unmarshal(read(t, o.Report), &rep)
	if len(rep.Warnings) == 0 {
		t.Fatal("calib.json records no warning")
	}
	// A copy of a val image among the train images.
	data := t.TempDir()
	if err := os.CopyFS(data, os.DirFS(miniData)); err != nil {
		t.Fatal(err)
	}
	train, _ := filepath.Glob(filepath.Join(data, "leftImg8bit", "train", "*", "*.png"))
	val, _ := filepath.Glob(filepath.Join(data, "leftImg8bit", "val", "*", "*.png"))
	os.WriteFile(train[0], read(t, val[1]), 0o644)
	stderr.Reset()
	calibrate(t, t.TempDir(), func(o *Options) { o.Data = data; o.Stderr = &stderr })
	if !strings.Contains(stderr.String(), "1 calibration images also appear") || !strings.Contains(stderr.String(), filepath.Base(val[1])) {
		t.Fatalf("no warning naming the copied image: %q", stderr.String())
	}
	stderr.Reset()
	calibrate(t, t.TempDir(), func(o *Options) { o.Stderr = &stderr })
	if strings.Contains(stderr.String(), "appear") {
		t.Fatalf("warning without overlap: %q", stderr.String())
	}
}

// A tensor that is zero on every image gets a warning and a safe range:
// no zero, subnormal or NaN scale reaches the model or the cache.
func TestZeroTensorGetsSafeScale(t *testing.T) {
	dir := t.TempDir()
	model := convAfter(t, dir, "zero", []*onnxpb.NodeProto{node("Mul", []string{"input", "zero"}, "x")},
		map[string][]float32{"zero": {0}}, map[string][]int64{"zero": {1}})
	var stderr bytes.Buffer
	o := calibrate(t, dir, func(o *Options) { o.Model = model; o.Method = Entropy; o.Stderr = &stderr })
	if !strings.Contains(stderr.String(), "zero on every calibration image") || !strings.Contains(stderr.String(), "x") {
		t.Fatalf("no warning: %q", stderr.String())
	}
	cache, err := ReadCache(bytes.NewReader(read(t, o.Cache)))
	if err != nil {
		t.Fatal(err)
	}
	if got := cache.Scales["x"]; got != Scale(zeroAmax) {
		t.Fatalf("scale of the zero tensor: %v, want %v", got, Scale(zeroAmax))
	}
	for n, s := range cache.Scales {
		if !(s >= 0x1p-126) || math.IsInf(float64(s), 0) {
			t.Errorf("%s: scale %v", n, s)
		}
	}
	m, _ := onnxio.Load(o.Out)
	g, _ := graph.New(m.Proto.Graph)
	for _, n := range m.Proto.Graph.Node {
		if n.GetOpType() != "QuantizeLinear" {
			continue
		}
		v, _ := graph.Float64s(g.Initializers[n.Input[1]])
		for _, s := range v {
			if !(float32(s) >= 0x1p-126) || math.IsInf(s, 0) {
				t.Errorf("%s: scale %v", graph.NodeName(n), s)
			}
		}
	}
}

// NaN activations stop the run with one line naming the tensor and an
// image that produced them.
func TestNonFiniteActivationsStopTheRun(t *testing.T) {
	dir := t.TempDir()
	// sqrt(input - 10) is NaN for every normalised pixel.
	model := convAfter(t, dir, "nan", []*onnxpb.NodeProto{node("Sub", []string{"input", "ten"}, "d"), node("Sqrt", []string{"d"}, "x")},
		map[string][]float32{"ten": {10}}, map[string][]int64{"ten": {1}})
	o := Options{Model: model, Data: miniData, Images: 3, Out: filepath.Join(dir, "q.onnx"), Cache: filepath.Join(dir, "q.calib")}
	err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), `tensor "x"`) || !strings.Contains(err.Error(), "NaN") ||
		!strings.Contains(err.Error(), "_leftImg8bit.png") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
	for _, p := range []string{o.Out, o.Cache} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s written", p)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := calibrate(t, dir, nil)
	badCache := filepath.Join(dir, "bad.calib")
	os.WriteFile(badCache, []byte("not a cache\n"), 0o644)
	shortCache := filepath.Join(dir, "short.calib")
	os.WriteFile(shortCache, []byte("TRT-101600-EntropyCalibration2\ninput: 3c010a14\n"), 0o644)
	extraCache := filepath.Join(dir, "extra.calib")
	os.WriteFile(extraCache, append(read(t, good.Cache), []byte("no_such_tensor: 3c010a14\n")...), 0o644)
	emptySplit := filepath.Join(dir, "empty")
	os.MkdirAll(filepath.Join(emptySplit, "leftImg8bit", "train"), 0o755)

	fromCache := func(o ConvertOptions) func() error { return func() error { return FromCache(o) } }
	run := func(o Options) func() error { return func() error { return Run(context.Background(), o) } }
	cases := []struct {
		name string
		run  func() error
		out  string
		want string
	}{
		{"no images", run(Options{Model: good.Model, Data: emptySplit, Out: filepath.Join(dir, "x1.onnx")}), filepath.Join(dir, "x1.onnx"), "empty"},
		{"unparsable cache", fromCache(ConvertOptions{FromCache: badCache, Model: good.Model, Out: filepath.Join(dir, "x2.onnx")}), filepath.Join(dir, "x2.onnx"), "bad.calib: line 1"},
		{"cache lacks tensors", fromCache(ConvertOptions{FromCache: shortCache, Model: good.Model, Out: filepath.Join(dir, "x3.onnx")}), filepath.Join(dir, "x3.onnx"), "no scale for 2 tensors"},
		{"unwritable output", run(Options{Model: good.Model, Data: miniData, Images: 1, Out: filepath.Join(dir, "no", "such", "q.onnx")}), filepath.Join(dir, "no", "such", "q.onnx"), "q.onnx"},
		{"opset too old", run(Options{Model: testmodels.Path("ops-opset11.onnx"), Data: miniData, Out: filepath.Join(dir, "x4.onnx")}), filepath.Join(dir, "x4.onnx"), "opset 11"},
		{"no float activations", run(Options{Model: reluOnly(t, dir), Data: miniData, Out: filepath.Join(dir, "x8.onnx")}), filepath.Join(dir, "x8.onnx"), "nothing to quantize"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, c.want)
			}
			if _, err := os.Stat(c.out); !os.IsNotExist(err) {
				t.Errorf("%s was written", c.out)
			}
		})
	}
	var stderr bytes.Buffer
	if err := FromCache(ConvertOptions{FromCache: extraCache, Model: good.Model, Out: filepath.Join(dir, "x7.onnx"), Stderr: &stderr}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "no_such_tensor") {
		t.Errorf("no warning naming the unknown tensor: %q", stderr.String())
	}
	matches, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// A model with a dynamic input calibrates without --input-shape, at the
// split's image size, and says so.
func TestDynamicModelCalibratesAtTheImageSize(t *testing.T) {
	model := testmodels.DynamicHW(t, "seg19-64x128.onnx")
	dir := t.TempDir()
	var stderr bytes.Buffer
	o := calibrate(t, dir, func(o *Options) { o.Model, o.Method, o.Stderr = model, MinMax, &stderr })
	if !strings.Contains(stderr.String(), "has a dynamic input; using input:1x3x128x256, the size of the train images") {
		t.Fatalf("stderr %q", stderr.String())
	}
	if _, err := os.Stat(o.Out); err != nil {
		t.Fatal(err)
	}
}

// A memory ceiling splits collection into passes over the images, one per
// group of activations, and changes no byte of what calibrate writes: the
// histograms do not depend on the order values arrive in.
func TestMaxMemoryGivesTheSameBytes(t *testing.T) {
	edit := func(limit int64) func(*Options) {
		return func(o *Options) { o.Method = Percentile; o.SaveHistograms = true; o.MaxMemory = limit }
	}
	readReport := func(path string) Report {
		var r Report
		if err := json.Unmarshal(read(t, path), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	dir := t.TempDir()
	one := calibrate(t, dir, edit(1<<40))
	want := map[string][]byte{"q.onnx": read(t, one.Out), "q.calib": read(t, one.Cache)}
	wantRep := readReport(one.Report)
	if wantRep.Collection == nil || wantRep.Collection.Groups != 1 {
		t.Fatalf("unbounded: collection %+v", wantRep.Collection)
	}
	// A quarter of one image's activations beside the most a session
	// can hold (a session with no outputs), which holds three or more
	// groups of them; and one byte: every tensor alone.
	m, g, res, _, err := loadForQDQ(one.Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCostModel(g, res)
	all, work := onePass(c, activationTensors(g, res)), c.session(nil, len(g.Order))
	if all.bytes <= 0 || work <= all.work || m == nil {
		t.Fatalf("one pass: %d bytes of activations, %d of ONNX Runtime's; %d with no outputs", all.bytes, all.work, work)
	}
	part := all.bytes/4 + work + 2*c.sample
	for _, limit := range []int64{part, 1} {
		var stderr bytes.Buffer
		o := calibrate(t, dir, func(o *Options) { edit(limit)(o); o.Stderr = &stderr })
		for f, b := range want {
			if !bytes.Equal(b, read(t, filepath.Join(dir, f))) {
				t.Errorf("--max-memory %d: %s differs from one pass", limit, f)
			}
		}
		rep := readReport(o.Report)
		if rep.Collection.Groups < 3 || rep.Collection.MaxMemory != limit || !strings.Contains(stderr.String(), "passes over the images") {
			t.Errorf("--max-memory %d: collection %+v\n%s", limit, rep.Collection, stderr.String())
		}
		if c := rep.Collection; limit > 1 && c.total() > limit {
			t.Errorf("--max-memory %d: held %+v", limit, c)
		}
		wantRep.Collection, rep.Collection = nil, nil
		a, _ := json.Marshal(wantRep)
		b, _ := json.Marshal(rep)
		if !bytes.Equal(a, b) {
			t.Errorf("--max-memory %d: calib.json differs beyond collection", limit)
		}
	}
}

// Shards plus merge write the bytes one run writes: the histograms' exact
// range-doubling merge makes the sum of the parts the whole.
func TestShardsMergeToOneRun(t *testing.T) {
	for _, method := range []Method{Percentile, Auto} {
		t.Run(string(method), func(t *testing.T) {
			dir := t.TempDir()
			edit := func(o *Options) { o.Method = method; o.SaveHistograms = true; o.AutoImages = 1 }
			one := calibrate(t, dir, edit)
			want := map[string][]byte{}
			for _, f := range []string{one.Out, one.Cache, one.Report} {
				want[f] = read(t, f)
			}
			for n := 1; n <= 3; n++ {
				var parts []string
				for i := n - 1; i >= 0; i-- { // any order
					part := filepath.Join(dir, fmt.Sprintf("part%d-%d.json", i, n))
					o := Options{Model: one.Model, Data: miniData, Images: one.Images, SaveHistogramsTo: part, Shard: &shard.Shard{Index: i, Count: n}}
					edit(&o)
					if err := Run(context.Background(), o); err != nil {
						t.Fatal(err)
					}
					parts = append(parts, part)
				}
				m := Options{Parts: parts, Model: one.Model, Out: one.Out, Cache: one.Cache, Report: one.Report, SaveHistograms: true}
				if method == Auto {
					m.Data = miniData
				}
				if err := Run(context.Background(), m); err != nil {
					t.Fatal(err)
				}
				for f, b := range want {
					got := read(t, f)
					if f == one.Report {
						got, b = withoutCollection(t, got), withoutCollection(t, b)
					}
					if !bytes.Equal(b, got) {
						t.Errorf("N=%d: %s differs from one run", n, filepath.Base(f))
					}
				}
			}
		})
	}
}

func withoutCollection(t *testing.T, report []byte) []byte {
	var r map[string]any
	if err := json.Unmarshal(report, &r); err != nil {
		t.Fatal(err)
	}
	delete(r, "collection")
	b, _ := json.Marshal(r)
	return b
}

// Parts of different calibrations, a missing shard and a repeated one are
// refused, naming what is wrong.
func TestMergeRefusesBadParts(t *testing.T) {
	dir := t.TempDir()
	model := testmodels.Path("seg19-64x128.onnx")
	part := func(name string, i, n int, edit func(*Options)) string {
		path := filepath.Join(dir, name)
		o := Options{Model: model, Data: miniData, Images: 3, Method: Percentile, SaveHistogramsTo: path, Shard: &shard.Shard{Index: i, Count: n}}
		if edit != nil {
			edit(&o)
		}
		if err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p0, p1, p2 := part("p0", 0, 3, nil), part("p1", 1, 3, nil), part("p2", 2, 3, nil)
	seed := part("seed", 1, 3, func(o *Options) { o.Seed = 7; o.Images = 2 })
	method := part("method", 1, 3, func(o *Options) { o.Method = MinMax })
	other := part("other", 1, 3, func(o *Options) { o.Model = testmodels.Path("plain.onnx") })
	// A part edited by hand to lose its collection record.
	var raw map[string]any
	if err := json.Unmarshal(read(t, p1), &raw); err != nil {
		t.Fatal(err)
	}
	delete(raw, "collection")
	edited := filepath.Join(dir, "edited")
	b, _ := json.Marshal(raw)
	if err := os.WriteFile(edited, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		parts []string
		want  string
	}{
		{[]string{p0, edited, p2}, "edited: a part without its shard or collection record"},
		{[]string{p0, seed, p2}, "differ in seed"},
		{[]string{p0, method, p2}, "differ in method"},
		{[]string{p0, other, p2}, "differ in model"},
		{[]string{p0, p2}, "shard 1/3 is missing"},
		{[]string{p0, p1, p1, p2}, "shard 1/3 given twice"},
		{[]string{p0, p1, filepath.Join(dir, "nope")}, "no such file"},
	}
	for _, c := range cases {
		out := filepath.Join(dir, "q.onnx")
		err := Run(context.Background(), Options{Parts: c.parts, Model: model, Out: out})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.parts, err, c.want)
		}
		if _, statErr := os.Stat(out); statErr == nil {
			t.Errorf("%v: wrote %s", c.parts, out)
		}
	}
	err := Run(context.Background(), Options{Parts: []string{p0, p1, p2}, Model: testmodels.Path("plain.onnx"), Out: filepath.Join(dir, "q.onnx")})
	if err == nil || !strings.Contains(err.Error(), "is not the model the parts were made from") {
		t.Errorf("merge with another model: %v", err)
	}
}
