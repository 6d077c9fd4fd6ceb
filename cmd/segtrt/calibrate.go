package main

import (
	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/calib"
	"github.com/segtrt/segtrt/internal/progress"
)

func newCalibrateCmd() *cobra.Command {
	opts := calib.Options{}
	var pre preprocessFlags
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
			var err error
			if opts.InputShapes, opts.Mean, opts.Std, err = pre.parse(); err != nil {
				return err
			}
			opts.BGR, opts.ORTLib = pre.bgr, pre.ortLib
			opts.Stdout, opts.Stderr = c.OutOrStdout(), c.ErrOrStderr()
			opts.Progress = func(n int) func() {
				step, _ := progress.Bar(c.ErrOrStderr(), n, "calibrate")
				return step
			}
			return calib.Run(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "FP32 ONNX model")
	f.StringVar(&opts.Data, "data", "", "Cityscapes-layout data set root")
	f.StringVar(&opts.Split, "split", "train", "split to draw calibration images from")
	f.IntVar(&opts.Images, "images", calib.DefaultImages, "calibration images (a seeded random subset)")
	f.Uint64Var(&opts.Seed, "seed", 0, "seed of the image subset")
	f.StringVar(&opts.Method, "method", string(calib.DefaultMethod), "auto, entropy, percentile, mse or minmax")
	f.IntVar(&opts.AutoImages, "auto-images", 0, "images of --split held out to score methods under auto (default: a twelfth of --images, 8 to 50)")
	f.Float64Var(&opts.Percentile, "percentile", calib.DefaultPercentile, "percentile for --method percentile")
	f.StringVar(&opts.Out, "out", "", "Q/DQ ONNX model to write")
	f.StringVar(&opts.Cache, "cache", "", "TensorRT calibration cache to write")
	f.StringVar(&opts.TensorRT, "trt-version", "10.16.0", "TensorRT version the cache header names")
	f.StringVar(&opts.Report, "report", "", "calib.json to write")
	f.BoolVar(&opts.SaveHistograms, "save-histograms", false, "put each tensor's 2048-bin histogram into calib.json")
	f.StringArrayVar(&opts.Exclude, "exclude", nil, "keep nodes whose name matches this regexp in float (repeatable)")
	f.StringVar(&opts.FromCache, "from-cache", "", "build the Q/DQ model from this cache instead of calibrating")
	f.StringVar(&opts.FromQDQ, "from-qdq", "", "write --cache from this Q/DQ model's scales")
	f.Float64Var(&opts.MaxMIoUDrop, "max-miou-drop", 0, "keep the most harmful layers in float until INT8 loses at most this many mIoU points")
	f.StringVar(&opts.SensitivitySplit, "sensitivity-split", "val", "split the sensitivity search scores on")
	f.IntVar(&opts.SensitivityImages, "sensitivity-images", calib.DefaultSensitivityImages, "images of --sensitivity-split the search scores on")
	pre.add(f)
	return cmd
}
