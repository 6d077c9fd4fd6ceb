package main

import (
	"context"
	"math"
	"os"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/calib"
	"github.com/segtrt/segtrt/internal/bytesize"
	"github.com/segtrt/segtrt/internal/progress"
	"github.com/segtrt/segtrt/internal/shard"
	"github.com/segtrt/segtrt/internal/usage"
)

// calibrateOptions is what `segtrt calibrate` was asked to do: a
// calibration, or one of the conversions that need no data.
type calibrateOptions struct {
	mode    string // calibrate, from-cache or from-qdq
	calib   calib.Options
	convert calib.ConvertOptions
}

func calibrateRun(ctx context.Context, o *calibrateOptions) error {
	switch o.mode {
	case "from-cache":
		return calib.FromCache(o.convert)
	case "from-qdq":
		return calib.FromQDQ(o.convert)
	}
	return calib.Run(ctx, o.calib)
}

// newCalibrateCmd wires calibrate's flags; runF does the work (tests pass
// one that records the options).
func newCalibrateCmd(runF func(context.Context, *calibrateOptions) error) *cobra.Command {
	if runF == nil {
		runF = calibrateRun
	}
	var f struct {
		model, data, split, method, out, cache, trtVersion, report, fromCache, fromQDQ, sensSplit, maxMemory, shard, saveTo string
		images, autoImages, sensImages                                                                                      int
		seed                                                                                                                uint64
		percentile, maxDrop                                                                                                 float64
		saveHist                                                                                                            bool
		exclude                                                                                                             []string
		pre                                                                                                                 preprocessFlags
	}
	cmd := &cobra.Command{
		Use:   "calibrate --model M.onnx --data DIR --out M.int8.onnx [flags]",
		Short: "Calibrate INT8 on Cityscapes images; write Q/DQ ONNX and a TensorRT cache",
		Long: `Runs the FP32 model on a seeded subset of a split through ONNX Runtime,
histograms every activation, picks ranges and writes an explicit Q/DQ ONNX model
(TensorRT 10/11, ONNX Runtime), and with --cache the legacy TensorRT calibration
cache. Same inputs and seed give byte-identical outputs.

Ranges come from NVIDIA's reference algorithms: entropy (TensorRT's KL search),
percentile, mse or minmax. The default, auto, computes all four, scores each
one's Q/DQ model by mIoU on images held out from the calibration split (never
the split validate scores on) and keeps the best, so that no tensor's range
is left to the one method that happens to fail on it.

Conversions without data:
  --from-cache C --model M --out Q.onnx   cache -> Q/DQ model
  --from-qdq Q.onnx --cache C             Q/DQ model -> cache`,
		Example: `  segtrt calibrate --model sgcpnet.onnx --data cityscapes --images 500 \
      --out sgcpnet.int8.onnx --cache sgcpnet.calib --report calib.json
  segtrt calibrate --from-qdq sgcpnet.int8.onnx --cache sgcpnet.calib`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			o := &calibrateOptions{mode: "calibrate"}
			method, err := calib.ParseMethod(f.method)
			if err != nil {
				return usage.Errorf("--method: %v", err)
			}
			trtVersion, err := calib.ParseTensorRTVersion(f.trtVersion)
			if err != nil {
				return usage.Errorf("--trt-version: %v", err)
			}
			switch {
			case !(f.maxDrop >= 0) || math.IsInf(f.maxDrop, 0):
				return usage.Errorf("--max-miou-drop %v: want a positive number of points", f.maxDrop)
			case !(f.percentile > 0 && f.percentile <= 100):
				return usage.Errorf("--percentile %v: want a value in (0, 100]", f.percentile)
			case f.images < 0:
				return usage.Errorf("--images %d: want a positive count", f.images)
			case f.autoImages < 0:
				return usage.Errorf("--auto-images %d: want a positive count", f.autoImages)
			case f.sensImages < 0:
				return usage.Errorf("--sensitivity-images %d: want a positive count", f.sensImages)
			}
			var maxMemory uint64
			if f.maxMemory != "" {
				if maxMemory, err = bytesize.Parse(f.maxMemory); err != nil {
					return usage.Errorf("--max-memory: %v", err)
				}
			}
			var exclude []*regexp.Regexp
			for _, p := range f.exclude {
				re, err := regexp.Compile(p)
				if err != nil {
					return usage.Errorf("--exclude %q: %v", p, err)
				}
				exclude = append(exclude, re)
			}
			pre, err := f.pre.parse()
			if err != nil {
				return err
			}
			o.convert = calib.ConvertOptions{FromCache: f.fromCache, FromQDQ: f.fromQDQ, Model: f.model, Out: f.out, Cache: f.cache,
				TensorRT: trtVersion, Exclude: exclude, InputShapes: pre.inputShapes, Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr()}
			switch {
			case f.fromQDQ != "":
				if f.cache == "" {
					return usage.Errorf("--from-qdq needs --cache to write")
				}
				o.mode = "from-qdq"
				return runF(c.Context(), o)
			case f.fromCache != "":
				if f.model == "" || f.out == "" {
					return usage.Errorf("--from-cache needs --model and --out")
				}
				o.mode = "from-cache"
				return runF(c.Context(), o)
			case f.shard != "":
				if f.model == "" || f.data == "" || f.saveTo == "" {
					return usage.Errorf("calibrate --shard needs --model, --data and --save-histograms-to")
				}
			case f.model == "" || f.data == "" || f.out == "":
				return usage.Errorf("calibrate needs --model, --data and --out (or --from-cache / --from-qdq)")
			}
			var sh *shard.Shard
			if f.shard != "" {
				s, err := shard.Parse(f.shard, os.Getenv)
				if err != nil {
					return usage.Errorf("--shard %v", err)
				}
				sh = &s
			}
			o.calib = calib.Options{
				Model: f.model, Data: f.data, Split: f.split, Images: f.images, Seed: f.seed, Method: method,
				Percentile: f.percentile, AutoImages: f.autoImages, Out: f.out, Cache: f.cache, Report: f.report,
				TensorRT: trtVersion, SaveHistograms: f.saveHist, Exclude: exclude, MaxMIoUDrop: f.maxDrop,
				SensitivitySplit: f.sensSplit, SensitivityImages: f.sensImages, MaxMemory: int64(min(maxMemory, 1<<62)),
				InputShapes: pre.inputShapes, Mean: pre.mean, Std: pre.std, BGR: pre.bgr, ORTLib: pre.ortLib,
				Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr(), Progress: progress.Bar(c.ErrOrStderr(), "calibrate"),
				Shard: sh, SaveHistogramsTo: f.saveTo,
			}
			return runF(c.Context(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.model, "model", "", "FP32 ONNX model")
	fs.StringVar(&f.data, "data", "", "Cityscapes-layout data set root")
	fs.StringVar(&f.split, "split", calib.DefaultSplit, "split to draw calibration images from")
	fs.IntVar(&f.images, "images", calib.DefaultImages, "calibration images (a seeded random subset)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the image subset")
	fs.StringVar(&f.method, "method", string(calib.DefaultMethod), "auto, entropy, percentile, mse or minmax")
	fs.IntVar(&f.autoImages, "auto-images", 0, "images of --split held out to score methods under auto (default: a twelfth of --images, 8 to 50)")
	fs.Float64Var(&f.percentile, "percentile", calib.DefaultPercentile, "percentile for --method percentile")
	fs.StringVar(&f.out, "out", "", "Q/DQ ONNX model to write")
	fs.StringVar(&f.cache, "cache", "", "TensorRT calibration cache to write")
	fs.StringVar(&f.trtVersion, "trt-version", "10.16.0", "TensorRT version the cache header names")
	fs.StringVar(&f.report, "report", "", "calib.json to write")
	fs.BoolVar(&f.saveHist, "save-histograms", false, "put each tensor's 2048-bin histogram into calib.json")
	fs.StringArrayVar(&f.exclude, "exclude", nil, "keep nodes whose name matches this regexp in float (repeatable)")
	fs.StringVar(&f.fromCache, "from-cache", "", "build the Q/DQ model from this cache instead of calibrating")
	fs.StringVar(&f.fromQDQ, "from-qdq", "", "write --cache from this Q/DQ model's scales")
	fs.Float64Var(&f.maxDrop, "max-miou-drop", 0, "keep the most harmful layers in float until INT8 loses at most this many mIoU points")
	fs.StringVar(&f.sensSplit, "sensitivity-split", calib.DefaultSensitivitySplit, "split the sensitivity search scores on")
	fs.IntVar(&f.sensImages, "sensitivity-images", calib.DefaultSensitivityImages, "images of --sensitivity-split the search scores on")
	fs.StringVar(&f.shard, "shard", "", "collect shard I/N of the image subset into --save-histograms-to (auto: $JOB_COMPLETION_INDEX/$JOB_COMPLETION_COUNT); then calibrate merge")
	fs.StringVar(&f.saveTo, "save-histograms-to", "", "with --shard: the part file to write")
	fs.StringVar(&f.maxMemory, "max-memory", "", "bound on the memory histogramming holds (activations, ONNX Runtime's working memory, images in flight), e.g. 2GiB (default: an eighth of memory, 512MiB to 4GiB)")
	f.pre.add(fs)
	cmd.AddCommand(newCalibrateMergeCmd(runF))
	return cmd
}

// newCalibrateMergeCmd merges shard parts into what one calibration over
// all their images writes.
func newCalibrateMergeCmd(runF func(context.Context, *calibrateOptions) error) *cobra.Command {
	var f struct {
		model, out, cache, report, data, trtVersion, ortLib string
		saveHist                                            bool
	}
	cmd := &cobra.Command{
		Use:   "merge PART... --model M --out Q.onnx",
		Short: "Merge the histograms of calibrate --shard runs into one calibration's outputs",
		Long: `Merges the parts that calibrate --shard I/N --save-histograms-to PART wrote, one per
shard 0..N-1, and writes the Q/DQ model, cache and calib.json that one calibrate over all
their images writes, byte for byte. The parts must come from the same model, data, seed,
image count, method and preprocessing; a missing or repeated shard is refused. --method
auto (the default) scores the methods on held-out images, so it needs --data.`,
		Example: `  segtrt calibrate --model m.onnx --data cityscapes --shard 0/2 --save-histograms-to part0.json
  segtrt calibrate --model m.onnx --data cityscapes --shard 1/2 --save-histograms-to part1.json
  segtrt calibrate merge part0.json part1.json --model m.onnx --data cityscapes --out m.int8.onnx --cache m.calib`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			if f.model == "" || f.out == "" {
				return usage.Errorf("calibrate merge needs --model and --out")
			}
			trtVersion, err := calib.ParseTensorRTVersion(f.trtVersion)
			if err != nil {
				return usage.Errorf("--trt-version: %v", err)
			}
			return runF(c.Context(), &calibrateOptions{mode: "calibrate", calib: calib.Options{
				Parts: args, Model: f.model, Out: f.out, Cache: f.cache, Report: f.report, Data: f.data,
				TensorRT: trtVersion, SaveHistograms: f.saveHist, ORTLib: f.ortLib,
				Stdout: c.OutOrStdout(), Stderr: c.ErrOrStderr(),
			}})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.model, "model", "", "the FP32 ONNX model the parts were collected on")
	fs.StringVar(&f.out, "out", "", "Q/DQ ONNX model to write")
	fs.StringVar(&f.cache, "cache", "", "TensorRT calibration cache to write")
	fs.StringVar(&f.report, "report", "", "calib.json to write")
	fs.StringVar(&f.data, "data", "", "the data set the parts came from (needed for --method auto and --max-miou-drop)")
	fs.StringVar(&f.trtVersion, "trt-version", "10.16.0", "TensorRT version the cache header names")
	fs.BoolVar(&f.saveHist, "save-histograms", false, "put each tensor's 2048-bin histogram into calib.json")
	fs.StringVar(&f.ortLib, "ort-lib", "", "path of libonnxruntime.so.1")
	return cmd
}
