package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/export"
	"github.com/segtrt/segtrt/internal/usage"
)

// newExportCmd wires export's flags; runF does the work (tests pass one
// that records the options).
func newExportCmd(runF func(context.Context, export.Options) error) *cobra.Command {
	if runF == nil {
		runF = export.Run
	}
	opts := export.Options{}
	var shapeFlags, plugins []string
	var trainCrop string
	cmd := &cobra.Command{
		Use:   "export --model M.onnx --out M.trt.onnx [flags]",
		Short: "Fold constants, fuse plugin patterns and rewrite pooling for TensorRT",
		Long: `Folds constants (Shape chains on static shapes included), removes identities
and dead nodes, fuses the SPG excitation into SPGExcite and average pooling into
AvgPoolInfer (segtrt's TensorRT plugins, ONNX domain "segtrt"; pooling windows
too small for the plugin to be as accurate as a direct sum stay standard ops,
and the summary says which), and with
--train-crop turns global pooling into inference-time average pooling with
kernel ceil(crop / stride) at each site, resized back to the feature size.`,
		Example: `  segtrt export --model spgnet.onnx --out spgnet.trt.onnx \
      --plugins spg,avgpool --train-crop 1024x1024`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Model == "" || opts.Out == "" {
				return usage.Errorf("export needs --model and --out")
			}
			var err error
			if opts.Fusion, err = export.ParsePlugins(plugins); err != nil {
				return usage.Errorf("--plugins: %v", err)
			}
			if trainCrop != "" {
				if opts.Fusion.TrainCrop, err = export.ParseCrop(trainCrop); err != nil {
					return usage.Errorf("--train-crop %v", err)
				}
			}
			if opts.InputShapes, err = parseInputShapes(shapeFlags); err != nil {
				return err
			}
			opts.Stdout, opts.Stderr = c.OutOrStdout(), c.ErrOrStderr()
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "ONNX model to prepare")
	f.StringVar(&opts.Out, "out", "", "prepared ONNX model to write")
	f.StringSliceVar(&plugins, "plugins", nil, "plugin patterns to fuse: spg, avgpool")
	f.StringVar(&trainCrop, "train-crop", "", "training crop HxW: global pooling becomes inference average pooling")
	f.BoolVar(&opts.FP16, "fp16", false, "also write an FP16 model for strongly typed TensorRT, and its CPU emulation")
	f.StringArrayVar(&shapeFlags, "input-shape", nil, "input shape NAME:1x3xHxW for dynamic models")
	return cmd
}
