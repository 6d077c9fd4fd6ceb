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
		Long: `Says what it finds: ONNX Runtime, segtrt's TensorRT shims (libsegtrt_trtN.so:
which one is used, and why any other was refused), TensorRT (loaded through the
shim with dlopen, else looked for on disk), the CUDA runtime (and any refused as
too new for the driver) and driver, GPUs (NVML) and segtrt's plugin libraries,
then lists what is missing and what for. Exits 0 either way.`,
		Example: `  segtrt doctor
  segtrt doctor --json --trt-shim /opt/segtrt/lib`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Version, opts.Stdout = version, c.OutOrStdout()
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, "print JSON instead of a table")
	f.StringArrayVar(&opts.PluginLibs, "plugin-lib", nil, "plugin library to check (repeatable; default $"+trt.EnvPluginLib+" or libsegtrt_plugins_trtN.so next to the binary)")
	f.StringVar(&opts.TRTShim, "trt-shim", "", "segtrt's TensorRT shim libsegtrt_trtN.so or its folder")
	f.StringVar(&opts.ORTLib, "ort-lib", "", "path of libonnxruntime.so.1")
	f.StringVar(&opts.TRTLib, "trt-lib", "", "libnvinfer.so.N or its folder")
	f.StringVar(&opts.CUDARTLib, "cudart-lib", "", "libcudart.so.N or its folder")
	return cmd
}
