package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/dataset/synth"
	"github.com/segtrt/segtrt/internal/progress"
	"github.com/segtrt/segtrt/internal/usage"
)

func newDatasetCmd(synthF func(context.Context, synth.Options) error, checkF func(context.Context, dataset.CheckOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dataset",
		Short: "Make and check Cityscapes-layout data sets",
		Example: `  segtrt dataset synth --out data/synth --train 300 --val 100
  segtrt dataset check data/synth --split val`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usage.Errorf("%s: unknown command %q (see '%s --help')", c.CommandPath(), args[0], c.CommandPath())
			}
			return c.Help()
		},
	}
	cmd.AddCommand(newDatasetSynthCmd(synthF), newDatasetCheckCmd(checkF))
	return cmd
}

func newDatasetSynthCmd(runF func(context.Context, synth.Options) error) *cobra.Command {
	if runF == nil {
		runF = synth.Run
	}
	opts := synth.Options{}
	cmd := &cobra.Command{
		Use:   "synth --out DIR [flags]",
		Short: "Render synthetic street scenes in the Cityscapes layout (all 19 classes in every split)",
		Example: `  segtrt dataset synth --out data/synth
  segtrt dataset synth --out testdata/cityscapes-mini --train 3 --val 3 --test 3 --height 128 --width 256`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			switch {
			case opts.Out == "":
				return usage.Errorf("dataset synth: --out is required")
			case opts.Train < 0 || opts.Val < 0 || opts.Test < 0:
				return usage.Errorf("dataset synth: --train, --val and --test must not be negative")
			case opts.Train+opts.Val+opts.Test == 0:
				return usage.Errorf("dataset synth: nothing to do (--train, --val and --test are all 0)")
			case opts.Height < synth.MinHeight || opts.Width < synth.MinWidth || opts.Height > synth.MaxHeight || opts.Width > synth.MaxWidth:
				return usage.Errorf("dataset synth: --height %d --width %d is outside %dx%d..%dx%d",
					opts.Height, opts.Width, synth.MinHeight, synth.MinWidth, synth.MaxHeight, synth.MaxWidth)
			case opts.Workers < 0:
				return usage.Errorf("dataset synth: --workers %d: want a positive count (0: one per core)", opts.Workers)
			}
			opts.Stdout = c.OutOrStdout()
			opts.Progress = progress.Bar(c.ErrOrStderr(), "synth")
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Out, "out", "", "output folder (gets leftImg8bit/ and gtFine/)")
	f.IntVar(&opts.Train, "train", synth.DefaultTrain, "training images")
	f.IntVar(&opts.Val, "val", synth.DefaultVal, "validation images")
	f.IntVar(&opts.Test, "test", 0, "test images")
	f.IntVar(&opts.Height, "height", synth.DefaultHeight, "image height in pixels")
	f.IntVar(&opts.Width, "width", synth.DefaultWidth, "image width in pixels")
	f.Uint64Var(&opts.Seed, "seed", 0, "random seed: the same seed gives the same bytes")
	f.IntVar(&opts.Workers, "workers", 0, "rendering goroutines (0: one per core)")
	return cmd
}

func newDatasetCheckCmd(runF func(context.Context, dataset.CheckOptions) error) *cobra.Command {
	if runF == nil {
		runF = dataset.RunCheck
	}
	opts := dataset.CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check DIR [--split S]",
		Short: "List every layout, pairing and label problem of a data set, and its class histogram",
		Example: `  segtrt dataset check data/cityscapes
  segtrt dataset check data/cityscapes --split val`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Workers < 0 {
				return usage.Errorf("dataset check: --workers %d: want a positive count (0: one per core)", opts.Workers)
			}
			opts.Root, opts.Stdout = args[0], c.OutOrStdout()
			return runF(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Split, "split", "", "split to check (default: every split found)")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "decoding goroutines (0: one per core)")
	return cmd
}
