package calib

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/export/onnxio"
	"github.com/segtrt/segtrt/export/onnxpb"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/internal/usage"
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
	for _, method := range []string{"entropy", "percentile", "minmax", "mse"} {
		t.Run(method, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			old := runtime.GOMAXPROCS(1)
			calibrate(t, a, func(o *Options) { o.Method = method; o.SaveHistograms = true })
			runtime.GOMAXPROCS(old)
			calibrate(t, b, func(o *Options) { o.Method = method; o.SaveHistograms = true })
			for _, f := range []string{"q.onnx", "q.calib", "calib.json"} {
				if !bytes.Equal(read(t, filepath.Join(a, f)), read(t, filepath.Join(b, f))) {
					t.Errorf("%s differs between runs", f)
				}
			}
		})
	}
}

func TestReportAndCacheAgree(t *testing.T) {
	dir := t.TempDir()
	o := calibrate(t, dir, func(o *Options) { o.Method = "minmax"; o.SaveHistograms = true })
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
	if err := Run(context.Background(), Options{FromQDQ: o.Out, Cache: fromQDQ}); err != nil {
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
	if err := Run(context.Background(), Options{FromCache: o.Cache, Model: o.Model, Out: rebuilt, Stderr: &stderr}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, rebuilt), read(t, o.Out)) {
		t.Fatal("Q/DQ model rebuilt from the cache differs from the calibrated one")
	}
}

// reluOnly writes a model with no op TensorRT would quantize.
func reluOnly(t *testing.T, dir string) string {
	dim := func(v int64) *onnxpb.TensorShapeProto_Dimension {
		return &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	vi := func(name string) *onnxpb.ValueInfoProto {
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{dim(1), dim(3), dim(8), dim(8)}}}}}}
	}
	m := &onnxio.Model{Proto: &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(17)}},
		Graph: &onnxpb.GraphProto{
			Name:   proto.String("relu"),
			Input:  []*onnxpb.ValueInfoProto{vi("input")},
			Output: []*onnxpb.ValueInfoProto{vi("y")},
			Node:   []*onnxpb.NodeProto{{Name: proto.String("relu"), OpType: proto.String("Relu"), Input: []string{"input"}, Output: []string{"y"}}},
		},
	}}
	path := filepath.Join(dir, "relu.onnx")
	if err := m.Save(path, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return path
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

	cases := []struct {
		name string
		o    Options
		want string
		use  bool
	}{
		{"no images", Options{Model: good.Model, Data: emptySplit, Out: filepath.Join(dir, "x1.onnx")}, "empty", false},
		{"unparsable cache", Options{FromCache: badCache, Model: good.Model, Out: filepath.Join(dir, "x2.onnx")}, "bad.calib: line 1", false},
		{"cache lacks tensors", Options{FromCache: shortCache, Model: good.Model, Out: filepath.Join(dir, "x3.onnx")}, "no scale for 2 tensors", false},
		{"unwritable output", Options{Model: good.Model, Data: miniData, Images: 1, Out: filepath.Join(dir, "no", "such", "q.onnx")}, "q.onnx", false},
		{"opset too old", Options{Model: testmodels.Path("ops-opset11.onnx"), Data: miniData, Out: filepath.Join(dir, "x4.onnx")}, "opset 11", false},
		{"no float activations", Options{Model: reluOnly(t, dir), Data: miniData, Out: filepath.Join(dir, "x8.onnx")}, "nothing to quantize", false},
		{"bad method", Options{Model: good.Model, Data: miniData, Out: filepath.Join(dir, "x5.onnx"), Method: "kl"}, "unknown calibration method", true},
		{"bad exclude", Options{Model: good.Model, Data: miniData, Out: filepath.Join(dir, "x6.onnx"), Exclude: []string{"("}}, "--exclude", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Run(context.Background(), c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, c.want)
			}
			if usage.Is(err) != c.use {
				t.Errorf("usage error %v, want %v", usage.Is(err), c.use)
			}
			if c.o.Out != "" {
				if _, err := os.Stat(c.o.Out); !os.IsNotExist(err) {
					t.Errorf("%s was written", c.o.Out)
				}
			}
		})
	}
	var stderr bytes.Buffer
	if err := Run(context.Background(), Options{FromCache: extraCache, Model: good.Model, Out: filepath.Join(dir, "x7.onnx"), Stderr: &stderr}); err != nil {
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
