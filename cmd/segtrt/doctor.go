package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/doctor"
	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/trt"
)

func newDoctorCmd(runF func(context.Context, doctor.Options) error) *cobra.Command {
	if runF == nil {
		runF = doctor.Run
	}
	opts := doctor.Options{}
	cmd := &cobra.Command{
		Use:   "doctor [--json | --smoke]",
		Short: "Report ONNX Runtime, TensorRT, CUDA, GPUs and plugin libraries found on this machine",
		Long: `Says what it finds: ONNX Runtime, segtrt's TensorRT shims (libsegtrt_trtN.so:
which one is used, and why any other was refused), TensorRT (loaded through the
shim with dlopen, else looked for on disk), the CUDA runtime (and any refused as
too new for the driver) and driver, GPUs (NVML) and segtrt's plugin libraries,
then lists what is missing and what for. Exits 0 either way.

--smoke is the self-check for a fresh GPU runner with the shipped files alone:
it builds an FP32 engine of a small model with both of segtrt's plugins (the
model is in the binary), runs it, and compares the output with ONNX Runtime's
on the unfused model; one line per step, exit 1 if a step fails.`,
		Example: `  segtrt doctor
  segtrt doctor --json --trt-shim /opt/segtrt/lib
  segtrt doctor --smoke`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Smoke && opts.JSON {
				return usage.Errorf("give --json or --smoke, not both")
			}
			opts.Version, opts.Stdout = version, c.OutOrStdout()
			opts.Explain = func(err error) string { return spellOptions(err).Error() }
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, "print JSON instead of a table")
	f.BoolVar(&opts.Smoke, "smoke", false, "build and run a small engine with both plugins, compare with ONNX Runtime (exit 1 on failure)")
	f.StringArrayVar(&opts.PluginLibs, "plugin-lib", nil, "plugin library to check (repeatable; default $"+trt.EnvPluginLib+" or libsegtrt_plugins_trtN.so next to the binary)")
	f.StringVar(&opts.TRTShim, "trt-shim", "", "segtrt's TensorRT shim libsegtrt_trtN.so or its folder")
	f.StringVar(&opts.ORTLib, "ort-lib", "", "path of libonnxruntime.so.1")
	f.StringVar(&opts.TRTLib, "trt-lib", "", "libnvinfer.so.N or its folder")
	f.StringVar(&opts.CUDARTLib, "cudart-lib", "", "libcudart.so.N or its folder")
	return cmd
}
