package validate

import (
	"context"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// TestLanesGiveOneLaneResults runs a pass with two inference lanes and
// with the models' own runners only: images, both confusion matrices and
// the agreement count must be identical, whatever order lanes finish in.
func TestLanesGiveOneLaneResults(t *testing.T) {
	set, err := dataset.Open(miniData, "val")
	if err != nil {
		t.Fatal(err)
	}
	model := testmodels.Path("seg19-64x128.onnx")
	pass := func(lanes bool) *evalResult {
		cand, err := openModel(model, "ort", "", nil, EngineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer cand.Runner.Close()
		ref, err := openModel(model, "ort", "", nil, EngineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Runner.Close()
		if !lanes {
			cand.fork, ref.fork = nil, nil
		}
		opened, closeLanes, err := openLanes(cand, ref)
		if err != nil {
			t.Fatal(err)
		}
		closeLanes()
		want := 1
		if lanes && runtime.NumCPU() >= 2 {
			want = maxLanes
		}
		if len(opened) != want {
			t.Fatalf("fork=%v: %d lanes, want %d", lanes, len(opened), want)
		}
		pre := dataset.Preprocess{Height: int(cand.InputShape[2]), Width: int(cand.InputShape[3])}
		res, err := evaluate(context.Background(), set, cand, ref, pre, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one, two := pass(false), pass(true)
	if !slices.Equal(one.Images, two.Images) {
		t.Fatalf("images %v vs %v", one.Images, two.Images)
	}
	if !slices.Equal(one.Cand.Counts, two.Cand.Counts) || !slices.Equal(one.Ref.Counts, two.Ref.Counts) {
		t.Fatal("confusion matrices differ between one lane and two")
	}
	if one.Agree != two.Agree || one.Pixels != two.Pixels || one.Agree != one.Pixels {
		t.Fatalf("agreement %d/%d vs %d/%d (same model: all pixels agree)", one.Agree, one.Pixels, two.Agree, two.Pixels)
	}
	if total(one.Cand) == 0 {
		t.Fatal("no pixels scored")
	}
}

// TestReferenceWithOtherLogitsSize compares seg19 (16x32 logits) with the
// same network upsampled inside the graph to the labels' 128x256 (an ONNX
// Resize, bilinear with half-pixel centres). Predict upsamples the small
// logits the same way, so the two must agree on nearly every pixel,
// through logits buffers that fit both sizes.
func TestReferenceWithOtherLogitsSize(t *testing.T) {
	small := testmodels.Path("seg19-64x128.onnx")
	m, err := onnxio.Load(small)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Proto.Graph
	out := g.Output[0]
	inner := out.GetName() + "_quarter"
	for _, n := range g.Node {
		for i, o := range n.Output {
			if o == out.GetName() {
				n.Output[i] = inner
			}
		}
	}
	g.Initializer = append(g.Initializer, &onnxpb.TensorProto{
		Name: proto.String("up_scales"), DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)),
		Dims: []int64{4}, FloatData: []float32{1, 1, 8, 8},
	})
	g.Node = append(g.Node, &onnxpb.NodeProto{
		OpType: proto.String("Resize"), Name: proto.String("up"),
		Input: []string{inner, "", "up_scales"}, Output: []string{out.GetName()},
		Attribute: []*onnxpb.AttributeProto{{Name: proto.String("mode"), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte("linear")}},
	})
	dims := out.GetType().GetTensorType().GetShape().GetDim()
	dims[2].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 128}
	dims[3].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 256}
	big := filepath.Join(t.TempDir(), "seg19-full.onnx")
	if err := m.Save(big, onnxio.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	opts := baseOptions(t)
	opts.Model, opts.Reference = big, small
	opts.ReportDir = filepath.Join(t.TempDir(), "report")
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var rep Report
	readJSON(t, filepath.Join(opts.ReportDir, "report.json"), &rep)
	if rep.PixelAgreement == nil || *rep.PixelAgreement < 99.9 {
		t.Fatalf("pixel agreement %v, want >= 99.9%%", fmtPct(rep.PixelAgreement))
	}
	if rep.MIoUDrop == nil || math.Abs(*rep.MIoUDrop) > 0.05 {
		t.Fatalf("mIoU drop %v, want ~0", rep.MIoUDrop)
	}
}

// gpuRunner stands in for the engine runner: every run "takes" the next
// GPU time of a known sequence.
type gpuRunner struct {
	next  float64
	times []float64
}

func (r *gpuRunner) OutputShape(in []int64) ([]int64, error) { return []int64{1, 19, 1, 1}, nil }
func (r *gpuRunner) RunInto(_ []float32, _ []int64, _ []float32) error {
	r.next++
	r.times = append(r.times, r.next)
	return nil
}
func (r *gpuRunner) Close() error          { return nil }
func (r *gpuRunner) GPUTimesMs() []float64 { return slices.Clone(r.times) }

// The report's gpu_ms covers the timed runs only, not the warm-up.
func TestTimedLoopKeepsTheTimedRunsGPUTimes(t *testing.T) {
	r := &gpuRunner{}
	m := &loadedModel{Runner: r, Logits: []int64{1, 19, 1, 1}}
	samples, _, gpuMs, err := timeRunner(context.Background(), m, nil, nil, Timing{Warmup: time.Millisecond, MinIterations: 5})
	if err != nil {
		t.Fatal(err)
	}
	warm := len(r.times) - len(samples)
	if warm < 1 || len(gpuMs) != len(samples) || gpuMs[0] != float64(warm+1) {
		t.Fatalf("%d runs, %d timed, gpu %v", len(r.times), len(samples), gpuMs)
	}
	// By hand for 1..5: mean 3, nearest-rank p50 3, p90, p95 and p99 5.
	g := gpuStats([]float64{5, 1, 4, 2, 3})
	if *g != (LatencyMs{Mean: 3, P50: 3, P90: 5, P95: 5, P99: 5}) || gpuStats(nil) != nil {
		t.Fatalf("stats %+v", g)
	}
	// An ONNX Runtime runner has no GPU times.
	if _, _, gpuMs, _ := timeRunner(context.Background(), &loadedModel{Runner: fixedRunner{}, Logits: []int64{1, 19, 1, 1}}, nil, nil, Timing{MinIterations: 2}); gpuMs != nil {
		t.Fatalf("gpu times from a CPU runner: %v", gpuMs)
	}
}

type fixedRunner struct{}

func (fixedRunner) OutputShape(in []int64) ([]int64, error)           { return []int64{1, 19, 1, 1}, nil }
func (fixedRunner) RunInto(_ []float32, _ []int64, _ []float32) error { return nil }
func (fixedRunner) Close() error                                      { return nil }
