package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/inspect"
)

// newInspectCmd wires inspect's flags; runF does the work (tests pass one
// that records the options).
func newInspectCmd(runF func(context.Context, inspect.Options) error) *cobra.Command {
	if runF == nil {
		runF = inspect.Run
	}
	opts := inspect.Options{}
	var shapeFlags []string
	cmd := &cobra.Command{
		Use:   "inspect MODEL",
		Short: "Show a model's inputs, outputs, params, MACs and fusable patterns",
		Example: `  segtrt inspect testdata/models/sgcpnet-256x512.onnx
  segtrt inspect spgnet.onnx --input-shape input:1x3x1024x2048 --json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, args []string) error {
			shapes, err := parseInputShapes(shapeFlags)
			if err != nil {
				return err
			}
			opts.Model, opts.InputShapes, opts.Stdout, opts.OptionName = args[0], shapes, c.OutOrStdout(), flagName
			return runF(c.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&shapeFlags, "input-shape", nil, "input shape NAME:1x3xHxW for dynamic models (repeatable)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON instead of a table")
	return cmd
}
