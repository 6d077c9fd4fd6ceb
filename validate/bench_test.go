package validate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

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

// BenchmarkEndToEndVsRunner runs validate itself on 100 images (mostly
// steady state, as on Cityscapes' 500) and reads its report: the
// end-to-end rate of the pass (decode, inference, scoring) against the FPS
// of the runner alone in validate's timed loop, on the same model and
// images. e2e/runner is the share of the runner's rate the pass keeps
// (the goal is >= 0.9).
func BenchmarkEndToEndVsRunner(b *testing.B) {
	for _, name := range []string{"sgcpnet-256x512", "spgnet-micro-256x512"} {
		b.Run("model="+name, func(b *testing.B) { benchEndToEnd(b, name) })
	}
}

func benchEndToEnd(b *testing.B, name string) {
	opts := Options{
		Model:  filepath.Join(testmodels.Root(), "testdata", "models", name+".onnx"),
		Data:   benchData(b, 100, 256, 512),
		Stdout: io.Discard, Stderr: io.Discard,
	}
	var e2e, runner float64
	for i := 0; i < b.N; i++ {
		opts.ReportDir = filepath.Join(b.TempDir(), fmt.Sprint(i))
		if err := Run(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
		rep, err := ReadReport(filepath.Join(opts.ReportDir, "report.json"))
		if err != nil {
			b.Fatal(err)
		}
		e2e += rep.EndToEndIPS
		runner += rep.FPS
	}
	reportRates(b, e2e, runner)
}

// reportRates reports the mean end-to-end and runner rates over b.N runs
// (e2e and runner are their sums) and their ratio.
func reportRates(b *testing.B, e2e, runner float64) {
	b.ReportMetric(e2e/float64(b.N), "e2e_images/s")
	b.ReportMetric(runner/float64(b.N), "runner_images/s")
	b.ReportMetric(e2e/runner, "e2e/runner")
}

// BenchmarkOverlapRunnerOnOneCore stands in for a runner on its own device
// (a GPU): the runner is a 1-thread ONNX Runtime session and the pass runs
// it on one lane, leaving the other core(s) to decoding and scoring. The
// e2e/runner metric then shows how well the pass overlaps its stages with
// inference, apart from the CPU-sharing bound of BenchmarkEndToEndVsRunner.
func BenchmarkOverlapRunnerOnOneCore(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("needs a core besides the runner's")
	}
	for _, name := range []string{"sgcpnet-256x512", "spgnet-micro-256x512"} {
		b.Run("model="+name, func(b *testing.B) {
			path := filepath.Join(testmodels.Root(), "testdata", "models", name+".onnx")
			set, err := dataset.Open(benchData(b, 100, 256, 512), "val")
			if err != nil {
				b.Fatal(err)
			}
			cand, err := openModel(path, "ort", "", nil, EngineOptions{})
			if err != nil {
				b.Fatal(err)
			}
			cand.Runner.Close()
			if cand.Runner, err = cand.fork(1); err != nil {
				b.Fatal(err)
			}
			defer cand.Runner.Close()
			cand.fork = nil // one lane: the runner itself
			pre := dataset.Preprocess{Height: int(cand.InputShape[2]), Width: int(cand.InputShape[3])}
			var e2e, runner float64
			for i := 0; i < b.N; i++ {
				res, err := evaluate(context.Background(), set, cand, nil, pre, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				e2e += float64(len(res.Images)) / res.Wall.Seconds()
				samples, wall, _, err := timeRunner(context.Background(), cand, res.FirstInput, res.FirstInputDims, DefaultTiming)
				if err != nil {
					b.Fatal(err)
				}
				runner += float64(len(samples)) / wall.Seconds()
			}
			reportRates(b, e2e, runner)
		})
	}
}
