package ort

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// torchIO reads the input and outputs torch computed for a fixture.
func torchIO(t *testing.T, name string, sizes ...int64) [][]float32 {
	t.Helper()
	return readIO(t, testmodels.Path(name)+".io.bin", sizes...)
}

func readIO(t *testing.T, path string, sizes ...int64) [][]float32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	off := 0
	for _, n := range sizes {
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
			off += 4
		}
		out = append(out, v)
	}
	if off != len(data) {
		t.Fatalf("%s has %d bytes, read %d", path, len(data), off)
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestMatchesTorch(t *testing.T) {
	for _, c := range []string{"plain.onnx", "ops-opset17.onnx"} {
		t.Run(c, func(t *testing.T) { matchesTorch(t, c, Options{}) })
		// As calibration runs it: NCHW throughout, no arena.
		t.Run(c+"/keep-layout", func(t *testing.T) { matchesTorch(t, c, Options{KeepLayout: true, NoArena: true, Threads: 1}) })
	}
}

func matchesTorch(t *testing.T, c string, opts Options) {
	meta := testmodels.LoadMeta(t, c)
	sizes := []int64{graph.NumElements(meta.InputShape)}
	for _, s := range meta.OutputShapes {
		sizes = append(sizes, graph.NumElements(s))
	}
	io := torchIO(t, c, sizes...)
	m, err := onnxio.Load(testmodels.Path(c))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for run := 0; run < 2; run++ { // the second run reuses buffers
		outs, err := s.Run(io[0], meta.InputShape)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			if d := maxAbsDiff(o.Data, io[i+1]); d > 1e-4 {
				t.Errorf("run %d output %s: max |ORT - torch| = %g", run, o.Name, d)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestWrongInputShape(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(m, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Run(make([]float32, 3*40*60), []int64{1, 3, 40, 60})
	if err == nil || !strings.Contains(err.Error(), "1x3x40x60") {
		t.Fatalf("got %v", err)
	}
}

func TestFindNamesWhatItTried(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	if _, err := Find(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("explicit missing path: %v", err)
	}
	t.Setenv(EnvLibrary, "")
	old := installedLibrary
	installedLibrary = ""
	defer func() { installedLibrary = old }()
	if _, err := Find(""); err != nil && !strings.Contains(err.Error(), "tried") {
		t.Fatalf("got %v", err)
	}
}

// plainSession opens plain.onnx with the input and output torch gave.
func plainSession(t *testing.T) (*Session, testmodels.Meta, [][]float32) {
	meta := testmodels.LoadMeta(t, "plain.onnx")
	io := torchIO(t, "plain.onnx", graph.NumElements(meta.InputShape), graph.NumElements(meta.OutputShapes[0]))
	m, err := onnxio.Load(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(m, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, meta, io
}

func TestRunIntoCallerBuffer(t *testing.T) {
	s, meta, io := plainSession(t)
	shape, err := s.OutputShape(0, meta.InputShape)
	if err != nil || graph.NumElements(shape) != 7 {
		t.Fatalf("output shape %v %v", shape, err)
	}
	dst := make([]float32, 7)
	if err := s.RunInto(io[0], meta.InputShape, dst); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(dst, io[1]); d > 1e-4 {
		t.Fatalf("max diff %g", d)
	}
	if err := s.RunInto(io[0], meta.InputShape, make([]float32, 6)); err == nil {
		t.Fatal("short buffer accepted")
	}
}

// RunAllInto fills every output into the caller's buffers, equal to what
// Run returns, so that two buffer sets can alternate between runs.
func TestRunAllIntoCallerBuffers(t *testing.T) {
	s, meta, io := plainSession(t)
	outs, err := s.Run(io[0], meta.InputShape)
	if err != nil {
		t.Fatal(err)
	}
	sets := make([][][]float32, 2)
	for k := range sets {
		sets[k] = make([][]float32, len(outs))
		for i, o := range outs {
			sets[k][i] = make([]float32, len(o.Data))
		}
		if err := s.RunAllInto(io[0], meta.InputShape, sets[k]); err != nil {
			t.Fatal(err)
		}
	}
	for k := range sets {
		for i, o := range outs {
			if d := maxAbsDiff(sets[k][i], o.Data); d != 0 {
				t.Fatalf("set %d output %d differs from Run by %g", k, i, d)
			}
		}
	}
	if err := s.RunAllInto(io[0], meta.InputShape, sets[0][:0]); err == nil {
		t.Fatal("missing buffers accepted")
	}
	sets[1][0] = sets[1][0][1:]
	if err := s.RunAllInto(io[0], meta.InputShape, sets[1]); err == nil {
		t.Fatal("short buffer accepted")
	}
}

// A tiny model declaring a 1x3x100000x100000 input is refused in one line
// before anything is allocated, not by an out-of-memory crash.
func TestHugeDeclaredInputIsRefused(t *testing.T) {
	m, err := onnxio.Load(testmodels.Path("seg19-64x128.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dims := m.Proto.Graph.Input[0].Type.GetTensorType().Shape.Dim
	dims[2].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 100000}
	dims[3].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 100000}
	_, err = NewSession(m, Options{Threads: 1})
	if err == nil || !strings.Contains(err.Error(), "1x3x100000x100000: more than segtrt's limit of 2^31 elements") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
	if err := CheckElements("x", []int64{1 << 40, 1 << 40}); err == nil {
		t.Fatal("an overflowing count passed")
	}
	if err := CheckElements("x", []int64{1, 19, 1024, 2048}); err != nil {
		t.Fatal(err)
	}
}
