package validate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/dataset/synth"
	"github.com/segtrt/segtrt/internal/testmodels"
)

// benchData renders (once) a synthetic val split at the fixture size.
func benchData(b *testing.B, n, h, w int) string {
	dir := filepath.Join(testmodels.Root(), "testdata", "cache", fmt.Sprintf("bench-val-%d-%dx%d", n, h, w))
	if _, err := os.Stat(filepath.Join(dir, "leftImg8bit", "val")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	err := synth.Run(context.Background(), synth.Options{Out: dir, Train: 0, Val: n, Height: h, Width: w, Seed: 1, Stdout: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkEndToEndVsRunner measures validate's whole pass (decode,
// inference, scoring) against the runner alone on the same model and
// images; the e2e/runner metric is the share of the runner's throughput
// the pipeline keeps (issue 5 asks for >= 0.9). 100 images, so that the
// pass runs mostly in steady state, as on Cityscapes' 500.
func BenchmarkEndToEndVsRunner(b *testing.B) {
	for _, name := range []string{"sgcpnet-256x512", "spgnet-micro-256x512"} {
		b.Run("model="+name, func(b *testing.B) { benchEndToEnd(b, name) })
	}
}

func benchEndToEnd(b *testing.B, name string) {
	model := filepath.Join(testmodels.Root(), "testdata", "models", name+".onnx")
	data := benchData(b, 100, 256, 512)
	cand, err := openModel(model, "ort", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cand.Runner.Close()
	set, err := dataset.Open(data, "val")
	if err != nil {
		b.Fatal(err)
	}
	pre := dataset.Preprocess{Height: 256, Width: 512}
	b.ResetTimer()
	var e2e, runner float64
	for i := 0; i < b.N; i++ {
		res, err := evaluate(context.Background(), set, cand, nil, pre, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		e2e += float64(len(res.Images)) / res.Wall.Seconds()
		samples, wall, err := timeRunner(context.Background(), cand, res.FirstInput, res.FirstInputDims,
			Timing{Warmup: 0, MinIterations: set.Len(), MinDuration: time.Nanosecond})
		if err != nil {
			b.Fatal(err)
		}
		runner += float64(len(samples)) / wall.Seconds()
	}
	b.ReportMetric(e2e/float64(b.N), "e2e_images/s")
	b.ReportMetric(runner/float64(b.N), "runner_images/s")
	b.ReportMetric(e2e/runner, "e2e/runner")
}
