package main

import (
	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginebuild"
)

func newBuildCmd() *cobra.Command {
	opts := enginebuild.Options{}
	var trtLib, cudartLib string
	cmd := &cobra.Command{
		Use:   "build --model M.onnx --out E.engine [flags]",
		Short: "Build a TensorRT engine and its E.engine.json (needs a GPU and a binary built with -tags tensorrt)",
		Long: `Parses the ONNX model with TensorRT's parser (errors name the nodes), builds an
engine and writes it with E.engine.json: TensorRT, CUDA and driver versions, the
GPU, hardware compatibility, flags, profiles, per-layer precisions and SHA-256s
of the ONNX, plugin libraries and engine. Nothing is overwritten without --force.

TensorRT 10: weakly typed networks with precision flags; int8 from a Q/DQ model
or from --calib-cache. TensorRT 11: strongly typed only, so fp16 needs an FP16
ONNX (segtrt export --fp16), int8 a Q/DQ model; best and --calib-cache are refused.`,
		Example: `  segtrt build --model sgcpnet.int8.onnx --out sgcpnet.engine --precision int8 \
      --plugin-lib bin/libsegtrt_plugins.so --timing-cache trt.cache
  segtrt build --model spgnet.fp16.onnx --out spgnet.engine --precision fp16 \
      --opt input:1x3x1024x2048 --workspace 2GiB --hw-compat ampere+`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Version = version
			opts.Stdout, opts.Stderr = c.OutOrStdout(), c.ErrOrStderr()
			opts.Backend = enginebuild.TensorRT{Load_: trt.LoadOptions{TensorRTLib: trtLib, CUDARTLib: cudartLib}}
			return enginebuild.Run(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "ONNX model (float32, FP16 from export --fp16, or Q/DQ from calibrate)")
	f.StringVar(&opts.Out, "out", "", "engine file to write (its metadata goes to OUT.json)")
	f.StringVar(&opts.Precision, "precision", "fp32", "fp32, fp16, int8 or best (TensorRT 10 only)")
	f.StringVar(&opts.CalibCache, "calib-cache", "", "TensorRT calibration cache for int8/best from a float model (TensorRT 10 only)")
	f.StringArrayVar(&opts.PluginLibs, "plugin-lib", nil, "plugin library to load (repeatable; default $"+trt.EnvPluginLib+" or "+trt.PluginLibName+" next to the binary)")
	f.StringArrayVar(&opts.Min, "min", nil, "optimisation profile minimum NAME:1x3xHxW (repeatable)")
	f.StringArrayVar(&opts.Opt, "opt", nil, "optimisation profile shape NAME:1x3xHxW that kernels are tuned for (repeatable)")
	f.StringArrayVar(&opts.Max, "max", nil, "optimisation profile maximum NAME:1x3xHxW (repeatable)")
	f.StringVar(&opts.Workspace, "workspace", "", "workspace memory limit, e.g. 512MiB or 2GiB (default TensorRT's)")
	f.StringVar(&opts.TimingCache, "timing-cache", "", "timing cache to read if present and to write back")
	f.StringVar(&opts.HWCompat, "hw-compat", "none", "hardware compatibility: none, ampere+ or same-cc")
	f.BoolVar(&opts.Force, "force", false, "replace an existing engine and its metadata")
	f.IntVar(&opts.Device, "device", 0, "CUDA device to build on")
	f.StringVar(&trtLib, "trt-lib", "", "libnvinfer.so.N or its folder (else $"+trt.EnvTensorRTLib+", LD_LIBRARY_PATH, system paths)")
	f.StringVar(&cudartLib, "cudart-lib", "", "libcudart.so.N or its folder (else $"+trt.EnvCUDARTLib+", LD_LIBRARY_PATH, system paths)")
	return cmd
}
