package main

import (
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/dataset/synth"
	"github.com/segtrt/segtrt/internal/usage"
)

func newDatasetCmd() *cobra.Command {
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
	cmd.AddCommand(newDatasetSynthCmd(), newDatasetCheckCmd())
	return cmd
}

func newDatasetSynthCmd() *cobra.Command {
	opts := synth.Options{}
	cmd := &cobra.Command{
		Use:   "synth --out DIR [flags]",
		Short: "Render synthetic street scenes in the Cityscapes layout (all 19 classes in every split)",
		Example: `  segtrt dataset synth --out data/synth
  segtrt dataset synth --out testdata/cityscapes-mini --train 3 --val 3 --test 3 --height 128 --width 256`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Stdout = c.OutOrStdout()
			// A progress bar only for a person watching; logs stay clean.
			if f, ok := c.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				opts.Progress = f
			}
			return synth.Run(c.Context(), opts)
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

func newDatasetCheckCmd() *cobra.Command {
	opts := dataset.CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check DIR [--split S]",
		Short: "List every layout, pairing and label problem of a data set, and its class histogram",
		Example: `  segtrt dataset check data/cityscapes
  segtrt dataset check data/cityscapes --split val`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Root, opts.Stdout = args[0], c.OutOrStdout()
			return dataset.RunCheck(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Split, "split", "", "split to check (default: every split found)")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "decoding goroutines (0: one per core)")
	return cmd
}
