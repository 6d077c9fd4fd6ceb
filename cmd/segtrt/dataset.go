package main

import "github.com/spf13/cobra"

func newDatasetCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "dataset",
		Short:              "Make and check Cityscapes-layout data sets",
		Example:            "  segtrt dataset synth --out data/synth --train 300 --val 100",
		DisableFlagParsing: true,
		RunE:               notYet("segtrt dataset", "issue 4: Cityscapes data"),
	}
}
