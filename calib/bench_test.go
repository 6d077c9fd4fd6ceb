package calib

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/validate"
)

// runnerMeanMs times the model alone with validate's runner (ONNX Runtime,
// every core, spinning threads) and returns the mean latency in ms.
func runnerMeanMs(b *testing.B, model, data string) float64 {
	dir := b.TempDir()
	err := validate.Run(context.Background(), validate.Options{
		Model: model, Data: data, Split: "val", Limit: 1, ReportDir: dir,
		Timing: validate.Timing{Warmup: 500 * time.Millisecond, MinIterations: 50, MinDuration: 2 * time.Second},
		Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{},
	})
	if err != nil {
		b.Fatal(err)
	}
	var rep validate.Report
	data2, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(data2, &rep); err != nil {
		b.Fatal(err)
	}
	return rep.LatencyMs.Mean
}

// calibrateMs runs the whole calibrate command on n images and returns its
// wall time in ms.
func calibrateMs(b *testing.B, o Options) float64 {
	dir := b.TempDir()
	o.Out = filepath.Join(dir, "q.onnx")
	if o.Report != "" {
		o.Report = filepath.Join(dir, "calib.json")
	}
	start := time.Now()
	if err := Run(context.Background(), o); err != nil {
		b.Fatal(err)
	}
	return float64(time.Since(start).Microseconds()) / 1000
}

// BenchmarkCalibrateVsRunner is make bench-calib: the wall time per image of
// `calibrate --method percentile` on 100 images (histogram collection and
// all that goes with it), against the model's own inference, both in each
// iteration so that a busy machine slows both. x-runner is their ratio;
// with-report adds every method's ranges for calib.json, auto-vs-entropy
// is the default run's wall time over a single-method (entropy) run's.
func BenchmarkCalibrateVsRunner(b *testing.B) {
	for _, fx := range fixtures {
		b.Run(fx, func(b *testing.B) {
			f := testmodels.LoadFixture(b, fx)
			const images = 100
			o := Options{Model: f.Model, Data: f.Data, Images: images}
			var runner, pct, withReport, auto, entropy float64
			for b.Loop() {
				runner += runnerMeanMs(b, f.Model, f.Data)
				o.Method, o.Report = Percentile, ""
				pct += calibrateMs(b, o) / images
				o.Report = "calib.json"
				withReport += calibrateMs(b, o) / images
				o.Method, o.Report = Entropy, ""
				entropy += calibrateMs(b, o)
				o.Method = Auto
				auto += calibrateMs(b, o)
			}
			b.ReportMetric(runner/float64(b.N), "runner-ms")
			b.ReportMetric(pct/float64(b.N), "calib-ms/img")
			b.ReportMetric(pct/runner, "x-runner")
			b.ReportMetric(withReport/runner, "x-runner-with-report")
			b.ReportMetric(auto/entropy, "auto-vs-entropy")
		})
	}
}
