package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/segtrt/segtrt/internal/shard"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/device"
	"github.com/segtrt/segtrt/internal/interrupt"
	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/internal/progress"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/ort"
	"github.com/segtrt/segtrt/score"
)

// ErrTargetMissed is wrapped by Run's error when the run finished but a
// target was missed (exit code 3).
var ErrTargetMissed = errors.New("validation target missed")

// Options are `segtrt validate`'s inputs.
type Options struct {
	Model           string
	Reference       string // FP32 reference model, or
	ReferenceReport string // a stored report.json of the reference
	Data            string
	Split           string
	Limit           int
	Shard           *Shard // nil: the whole split
	Targets         string
	ReportDir       string
	SavePredictions string
	SaveOverlays    string
	Backend         string
	ORTLib          string
	Engine          EngineOptions // --backend trt
	InputShapes     map[string][]int64
	Mean, Std       [3]float32
	BGR             bool
	Timing          Timing
	Version         string // segtrt's, for the report
	Stdout, Stderr  io.Writer
	Progress        progress.Reporter // one step per image scored
}

// EngineOptions tune TensorRT engines (--backend trt).
type EngineOptions struct {
	// CUDAGraph captures the engine's enqueue once into a CUDA graph and
	// replays it on every run, timed loop included.
	CUDAGraph bool
	// PluginLibs to load; empty: the ones the engine was built with if
	// unchanged, else the usual search.
	PluginLibs []string
}

// Shard selects images k (in the split's order) with k mod Count == Index.
type Shard = shard.Shard

func (o *Options) check() error {
	switch {
	case o.Model == "" || o.Data == "":
		return errors.New("validate needs a model and a data set")
	case o.Reference != "" && o.ReferenceReport != "":
		return opterr.Errorf("give {Reference} or {ReferenceReport}, not both")
	case o.Engine.CUDAGraph && (o.Backend == "ort" || o.Backend != "trt" && strings.HasSuffix(o.Model, ".onnx")):
		return opterr.Errorf("{CUDAGraph} replays a TensorRT engine: give an .engine with {Backend} trt")
	}
	paths := []pathcheck.Path{pathcheck.In("Model", o.Model), pathcheck.In("Reference", o.Reference),
		pathcheck.In("ReferenceReport", o.ReferenceReport), pathcheck.In("Targets", o.Targets), pathcheck.InFolder("Data", o.Data),
		pathcheck.OutFolder("SavePredictions", o.SavePredictions)}
	// Predictions and overlays may share one folder (their names differ).
	if !pathcheck.Same(o.SaveOverlays, o.SavePredictions) {
		paths = append(paths, pathcheck.OutFolder("SaveOverlays", o.SaveOverlays))
	}
	return pathcheck.Check(append(paths, reportFiles("ReportDir", o.ReportDir)...)...)
}

// reportFiles are the files WriteDir writes into dir: the report folder is
// not written as a whole (it may hold other things, even the model), so
// each file is checked as an output of its own.
func reportFiles(field, dir string) []pathcheck.Path {
	if dir == "" {
		return nil
	}
	out := []pathcheck.Path{pathcheck.OutFilesFolder(field, dir)}
	for _, name := range []string{"report.json", "report.md", "junit.xml", "class_iou.png", "latency_hist.png"} {
		out = append(out, pathcheck.Out(field, filepath.Join(dir, name)))
	}
	return out
}

// Run validates a candidate model and writes the reports. It returns an
// error wrapping ErrTargetMissed when the run finished but missed a target.
func Run(ctx context.Context, opts Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	if opts.Split == "" {
		opts.Split = "val"
	}
	if opts.Timing == (Timing{}) {
		opts.Timing = DefaultTiming
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	var targets *Targets
	if opts.Targets != "" {
		var err error
		if targets, err = LoadTargets(opts.Targets, dataset.ClassNames()); err != nil {
			return err
		}
		if targets.NeedsReference() && opts.Reference == "" && opts.ReferenceReport == "" {
			return fmt.Errorf("%s: %w", opts.Targets, opterr.Errorf("max_miou_drop and max_class_iou_drop need {Reference} or {ReferenceReport}"))
		}
	}
	set, err := dataset.Open(opts.Data, opts.Split)
	if err != nil {
		return err
	}
	set = set.Limit(opts.Limit)
	var shard *ShardData
	if opts.Shard != nil {
		if set, err = set.Shard(opts.Shard.Index, opts.Shard.Count); err != nil {
			return err
		}
		shard = &ShardData{Index: opts.Shard.Index, Count: opts.Shard.Count}
	}
	var storedRef *Report
	if opts.ReferenceReport != "" {
		if storedRef, err = ReadReport(opts.ReferenceReport); err != nil {
			return err
		}
	}
	// Each output folder is held (flock on the folder) for the run: a
	// second run on the same outputs stops here.
	var held []*heldDir
	ok := false
	defer func() {
		for _, h := range held {
			h.release(ok)
		}
	}()
	for _, o := range []struct{ field, dir string }{{"ReportDir", opts.ReportDir}, {"SavePredictions", opts.SavePredictions}, {"SaveOverlays", opts.SaveOverlays}} {
		if o.dir == "" || o.field == "SaveOverlays" && pathcheck.Same(o.dir, opts.SavePredictions) {
			continue
		}
		h, err := holdDir(o.field, o.dir)
		if err != nil {
			return err
		}
		held = append(held, h)
	}
	preds, err := stageDir("SavePredictions", opts.SavePredictions)
	if err != nil {
		return err
	}
	defer preds.discard()
	overlays := preds
	if !pathcheck.Same(opts.SaveOverlays, opts.SavePredictions) {
		if overlays, err = stageDir("SaveOverlays", opts.SaveOverlays); err != nil {
			return err
		}
		defer overlays.discard()
	}
	cand, err := openModel(opts.Model, opts.Backend, opts.ORTLib, opts.InputShapes, opts.Engine)
	var dyn *shapes.DynamicInput
	if errors.As(err, &dyn) && len(opts.InputShapes) == 0 {
		// A dynamic model takes the images as they are: their one size.
		h, w, serr := set.ImageSize()
		if serr != nil {
			return serr
		}
		opts.InputShapes = dyn.AtSize(h, w, opts.Split, opts.Stderr)
		cand, err = openModel(opts.Model, opts.Backend, opts.ORTLib, opts.InputShapes, opts.Engine)
	}
	if err != nil {
		return err
	}
	defer cand.Runner.Close()
	var ref *loadedModel
	if opts.Reference != "" {
		if ref, err = openModel(opts.Reference, "auto", opts.ORTLib, opts.InputShapes, opts.Engine); err != nil {
			return err
		}
		defer ref.Runner.Close()
		if fmt.Sprint(ref.InputShape) != fmt.Sprint(cand.InputShape) {
			return fmt.Errorf("%s takes input %v but the candidate %s takes %v; compare models at one input size", ref.Path, ref.InputShape, cand.Path, cand.InputShape)
		}
	}
	pre := dataset.Preprocess{Height: int(cand.InputShape[2]), Width: int(cand.InputShape[3]), Mean: opts.Mean, Std: opts.Std, BGR: opts.BGR}
	if err := pre.Validate(); err != nil {
		return fmt.Errorf("%s: %w", opts.Model, err)
	}
	out := &outputs{set: set, predDir: preds.path(), overlayDir: overlays.path()}
	step, done := opts.Progress.Start(set.Len())
	interrupt.Stage("validate.pass")
	res, err := evaluate(ctx, set, cand, ref, pre, out, step)
	done()
	if err != nil {
		return err
	}
	if total(res.Cand) == 0 {
		return fmt.Errorf("%s/%s: labels have no evaluated pixels (all ignore)", opts.Data, opts.Split)
	}
	interrupt.Stage("validate.timing")
	samples, timedWall, gpuMs, err := timeRunner(ctx, cand, res.FirstInput, res.FirstInputDims, opts.Timing)
	if err != nil {
		return fmt.Errorf("%s: timed loop: %w", cand.Path, err)
	}
	files, err := hashFiles(opts)
	if err != nil {
		return err
	}
	rep := &Report{
		SchemaVersion: SchemaVersion, Files: files,
		Model: opts.Model, ReferenceModel: opts.Reference, Backend: cand.Backend,
		Data: opts.Data, Split: opts.Split, InputShape: cand.InputShape,
		Images: len(res.Images), ImageNames: res.Images,
		Candidate:   ScoresOf(res.Cand, dataset.ClassNames()),
		EndToEndIPS: float64(len(res.Images)) / res.Wall.Seconds(),
		Device:      device.Probe(),
		Versions:    versions(opts.Version),
		Warnings:    []string{},
	}
	if ref != nil {
		rs := ScoresOf(res.Ref, dataset.ClassNames())
		rep.compare(&rs, res.Agree, res.Pixels)
	}
	if storedRef != nil {
		if err := sameImages(storedRef, rep, opts.ReferenceReport); err != nil {
			return err
		}
		rep.ReferenceModel = storedRef.Model
		rep.compare(&storedRef.Candidate, 0, 0)
	}
	rep.NonFiniteLogits = nonFiniteOf(res.NonFinite, res.Images)
	lat := Summarize(samples, timedWall)
	rep.setLatency(lat, timedWall.Seconds(), opts.Timing.Warmup.Seconds())
	rep.Timing.Runner, rep.Timing.PassLanes = cand.Setup, res.Lanes
	rep.GPUMs, rep.Timing.CUDAGraph = gpuStats(gpuMs), opts.Engine.CUDAGraph && cand.Backend == "trt"
	ms := make([]float64, len(samples))
	for i, s := range samples {
		ms[i] = float64(s) / float64(time.Millisecond)
	}
	if shard != nil {
		shard.LatencySamplesMs, shard.TimedWallS, shard.PassWallS = ms, timedWall.Seconds(), res.Wall.Seconds()
		shard.AgreePixels, shard.LabelPixels = res.Agree, res.Pixels
		rep.Shard = shard
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The reports first, then the folders: a run whose report could not be
	// written leaves no predictions either. A missed target is a finished
	// run: its predictions stay.
	err = finish(rep, targets, lat, ms, opts.ReportDir, opts.Stdout)
	if err != nil && !errors.Is(err, ErrTargetMissed) {
		return err
	}
	if cerr := preds.commit(); cerr != nil {
		return cerr
	}
	if overlays != preds {
		if cerr := overlays.commit(); cerr != nil {
			return cerr
		}
	}
	ok = true
	return err
}

// finish checks targets against the scores and lat, prints the table,
// writes the reports (latencyMs are lat's samples, for the histogram) and
// turns a missed target into ErrTargetMissed.
func finish(rep *Report, targets *Targets, lat Latency, latencyMs []float64, reportDir string, stdout io.Writer) error {
	rep.Pass = true
	rep.Targets = []TargetResult{}
	if targets != nil {
		rep.Targets = Check(targets, rep.Candidate, rep.Reference, lat)
	}
	if nf := rep.NonFiniteLogits; nf != nil {
		// NaN or Inf logits score as some class; the run cannot pass.
		rep.Targets = append(rep.Targets, TargetResult{Name: "finite_outputs", Want: 0, Got: float64(nf.Values)})
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d NaN or infinite logits in %d images (first: %s)", nf.Values, nf.Images, strings.Join(nf.First, ", ")))
	}
	var missed []string
	for _, t := range rep.Targets {
		if !t.Pass {
			rep.Pass = false
			missed = append(missed, t.String())
		}
	}
	rep.WriteTable(stdout)
	if reportDir != "" {
		if err := rep.WriteDir(reportDir, latencyMs); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reports in %s (report.json, report.md, junit.xml, class_iou.png, latency_hist.png)\n", reportDir)
	}
	if len(missed) > 0 {
		return fmt.Errorf("%w: %s", ErrTargetMissed, strings.Join(missed, "; "))
	}
	return nil
}

func msToDurations(ms []float64) []time.Duration {
	d := make([]time.Duration, len(ms))
	for i, v := range ms {
		d[i] = time.Duration(v * float64(time.Millisecond))
	}
	return d
}

func total(m *score.ConfusionMatrix) uint64 {
	var n uint64
	for _, c := range m.Counts {
		n += c
	}
	return n
}

// sameImages checks that a stored reference report scored the same images.
func sameImages(stored, rep *Report, path string) error {
	if stored.Split != rep.Split || strings.Join(stored.ImageNames, ",") != strings.Join(rep.ImageNames, ",") {
		return fmt.Errorf("%s: %w", path, opterr.Hintf("the reference report covers %d images of split %q, this run %d images of %q; they must be the same images (same {Split}, {Limit} and {Shard})",
			stored.Images, stored.Split, rep.Images, rep.Split))
	}
	return nil
}

func versions(segtrt string) map[string]string {
	v := map[string]string{"segtrt": segtrt, "go": runtime.Version()}
	if info, err := ort.Init(""); err == nil {
		v["onnxruntime"] = info.Version
	}
	return v
}
