package main

import "github.com/spf13/cobra"

// Commands below are declared with their contract (DESIGN.md) so that help
// and completion are complete; their work lands with the issues named.

func newBuildCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "build --model M.onnx --out E.engine [flags]",
		Short: "Build a TensorRT engine (needs a GPU and a binary built with -tags tensorrt)",
		Example: `  segtrt build --model sgcpnet.int8.onnx --out sgcpnet.engine --precision int8 \
      --plugin-lib libsegtrt_plugins.so --timing-cache trt.cache`,
		DisableFlagParsing: true,
		RunE:               notYet("segtrt build", "issue 8: TensorRT backend"),
	}
}

func newDoctorCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "doctor [--json]",
		Short:              "Report ONNX Runtime, TensorRT, CUDA and GPUs found on this machine",
		Example:            `  segtrt doctor --json`,
		DisableFlagParsing: true,
		RunE:               notYet("segtrt doctor", "issue 8: TensorRT backend"),
	}
}
