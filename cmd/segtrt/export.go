package main

import (
	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/export"
)

func newExportCmd() *cobra.Command {
	opts := export.Options{}
	var shapeFlags []string
	cmd := &cobra.Command{
		Use:   "export --model M.onnx --out M.trt.onnx [flags]",
		Short: "Fold constants, fuse plugin patterns and rewrite pooling for TensorRT",
		Long: `Folds constants (Shape chains on static shapes included), removes identities
and dead nodes, fuses the SPG excitation into SPGExcite and average pooling into
AvgPoolInfer (segtrt's TensorRT plugins, ONNX domain "segtrt"), and with
--train-crop turns global pooling into inference-time average pooling with
kernel ceil(crop / stride) at each site, resized back to the feature size.`,
		Example: `  segtrt export --model spgnet.onnx --out spgnet.trt.onnx \
      --plugins spg,avgpool --train-crop 1024x1024`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if opts.InputShapes, err = parseInputShapes(shapeFlags); err != nil {
				return err
			}
			opts.Stdout, opts.Stderr = c.OutOrStdout(), c.ErrOrStderr()
			return export.Run(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "ONNX model to prepare")
	f.StringVar(&opts.Out, "out", "", "prepared ONNX model to write")
	f.StringSliceVar(&opts.Plugins, "plugins", nil, "plugin patterns to fuse: spg, avgpool")
	f.StringVar(&opts.TrainCrop, "train-crop", "", "training crop HxW: global pooling becomes inference average pooling")
	f.BoolVar(&opts.FP16, "fp16", false, "write an FP16 model for strongly typed TensorRT (issue 8)")
	f.StringArrayVar(&shapeFlags, "input-shape", nil, "input shape NAME:1x3xHxW for dynamic models")
	return cmd
}
