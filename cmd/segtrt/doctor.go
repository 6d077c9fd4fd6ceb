package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/doctor"
	"github.com/segtrt/segtrt/trt"
)

func newDoctorCmd(runF func(context.Context, doctor.Options) error) *cobra.Command {
	if runF == nil {
		runF = doctor.Run
	}
	opts := doctor.Options{}
	cmd := &cobra.Command{
		Use:   "doctor [--json]",
		Short: "Report ONNX Runtime, TensorRT, CUDA, GPUs and plugin libraries found on this machine",
		Long: `Says how this binary was built (build tags, TensorRT headers) and what it finds:
ONNX Runtime, TensorRT (loaded with dlopen in a -tags tensorrt binary, else looked
for on disk), the CUDA runtime and driver, GPUs (NVML) and segtrt's plugin
library, then lists what is missing and what for. Exits 0 either way.`,
		Example: `  segtrt doctor
  segtrt doctor --json --plugin-lib bin/libsegtrt_plugins.so`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Version, opts.Stdout = version, c.OutOrStdout()
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, "print JSON instead of a table")
	f.StringArrayVar(&opts.PluginLibs, "plugin-lib", nil, "plugin library to check (repeatable; default $"+trt.EnvPluginLib+" or "+trt.PluginLibName+" next to the binary)")
	f.StringVar(&opts.ORTLib, "ort-lib", "", "path of libonnxruntime.so.1")
	f.StringVar(&opts.TRTLib, "trt-lib", "", "libnvinfer.so.N or its folder")
	f.StringVar(&opts.CUDARTLib, "cudart-lib", "", "libcudart.so.N or its folder")
	return cmd
}
