package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/internal/progress"
	"github.com/segtrt/segtrt/internal/shard"
	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/validate"
)

// newValidateCmd wires validate's flags; runF does the work (tests pass one
// that records the options).
func newValidateCmd(runF func(context.Context, validate.Options) error, mergeF func(context.Context, validate.MergeOptions) error) *cobra.Command {
	if runF == nil {
		runF = validate.Run
	}
	opts := validate.Options{}
	var pre preprocessFlags
	var shardFlag string
	cmd := &cobra.Command{
		Use:   "validate --model CAND --data DIR [flags]",
		Short: "Measure mIoU and speed of a candidate against a reference and targets",
		Long: `Streams a Cityscapes-layout split through the candidate (and the reference),
scores it as Cityscapes' evaluation does, times the runner alone, checks
targets.yaml and writes report.json, report.md, junit.xml and plots.
Exits 3 when a target is missed.`,
		Example: `  segtrt validate --model sgcpnet.int8.onnx --reference sgcpnet.onnx \
      --data cityscapes --targets targets.yaml --report out/
  segtrt validate --model m.onnx --data cityscapes --shard 0/4 --report shard0/`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			switch {
			case opts.Model == "":
				return usage.Errorf("--model is required")
			case opts.Data == "":
				return usage.Errorf("--data is required")
			case opts.Reference != "" && opts.ReferenceReport != "":
				return usage.Errorf("give --reference or --reference-report, not both")
			case opts.Backend != "auto" && opts.Backend != "ort" && opts.Backend != "trt":
				return usage.Errorf("--backend %q: want auto, ort or trt", opts.Backend)
			case opts.Limit < 0:
				return usage.Errorf("--limit %d: want a positive count (0: all)", opts.Limit)
			case opts.Timing.MinIterations < 0 || opts.Timing.Warmup < 0 || opts.Timing.MinDuration < 0:
				return usage.Errorf("--warmup, --iterations and --duration must not be negative")
			}
			if shardFlag != "" {
				s, err := shard.Parse(shardFlag, os.Getenv)
				if err != nil {
					return usage.Errorf("--shard %v", err)
				}
				opts.Shard = &s
			}
			p, err := pre.parse()
			if err != nil {
				return err
			}
			opts.InputShapes, opts.Mean, opts.Std, opts.BGR, opts.ORTLib = p.inputShapes, p.mean, p.std, p.bgr, p.ortLib
			opts.Version, opts.Stdout, opts.Stderr = version, c.OutOrStdout(), c.ErrOrStderr()
			opts.Progress = progress.Bar(c.ErrOrStderr(), "validate")
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "candidate model (.onnx, or .engine with --backend trt)")
	f.StringVar(&opts.Data, "data", "", "Cityscapes-layout data set root")
	f.StringVar(&opts.Split, "split", "val", "split to validate on")
	f.IntVar(&opts.Limit, "limit", 0, "use only the first N images (0: all)")
	f.StringVar(&opts.Reference, "reference", "", "FP32 reference model to compare against")
	f.StringVar(&opts.ReferenceReport, "reference-report", "", "stored report.json of the reference, instead of --reference")
	f.StringVar(&opts.Targets, "targets", "", "targets.yaml: min_miou, max_miou_drop, max_class_iou_drop, min_fps, max_latency_p99_ms")
	f.StringVar(&opts.ReportDir, "report", "", "write report.json, report.md, junit.xml and plots here")
	f.StringVar(&opts.SavePredictions, "save-predictions", "", "write {city}_{seq}_{frame}_pred_labelIds.png here (an empty folder)")
	f.StringVar(&opts.SaveOverlays, "save-overlays", "", "write colour overlays here (an empty folder)")
	f.StringVar(&opts.Backend, "backend", "auto", "auto, ort or trt")
	f.StringVar(&shardFlag, "shard", "", "validate shard I/N: images k with k mod N == I; auto reads $JOB_COMPLETION_INDEX and $JOB_COMPLETION_COUNT")
	f.BoolVar(&opts.Engine.CUDAGraph, "cuda-graph", false, "replay the engine's enqueue from a CUDA graph captured once (--backend trt)")
	f.StringArrayVar(&opts.Engine.PluginLibs, "plugin-lib", nil, "plugin library for the engine (repeatable; default the ones it was built with, if unchanged)")
	f.DurationVar(&opts.Timing.Warmup, "warmup", validate.DefaultTiming.Warmup, "warm-up time before the timed loop")
	f.IntVar(&opts.Timing.MinIterations, "iterations", validate.DefaultTiming.MinIterations, "minimum timed iterations")
	f.DurationVar(&opts.Timing.MinDuration, "duration", validate.DefaultTiming.MinDuration, "minimum duration of the timed loop")
	pre.add(f)
	cmd.AddCommand(newValidateMergeCmd(mergeF))
	return cmd
}

func newValidateMergeCmd(runF func(context.Context, validate.MergeOptions) error) *cobra.Command {
	if runF == nil {
		runF = validate.Merge
	}
	opts := validate.MergeOptions{}
	cmd := &cobra.Command{
		Use:     "merge SHARD.json... --report DIR",
		Short:   "Combine shard reports into the report of one run",
		Example: `  segtrt validate merge shard0/report.json shard1/report.json --targets targets.yaml --report out/`,
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Shards, opts.Stdout = args, c.OutOrStdout()
			return runF(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.ReportDir, "report", "", "write the merged reports here")
	cmd.Flags().StringVar(&opts.Targets, "targets", "", "targets.yaml to check the merged result against")
	return cmd
}
