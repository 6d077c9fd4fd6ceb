package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/internal/bytesize"
	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginebuild"
)

// newBuildCmd wires build's flags; runF does the work (tests pass one that
// records the options).
func newBuildCmd(runF func(context.Context, enginebuild.Options) error) *cobra.Command {
	if runF == nil {
		runF = enginebuild.Run
	}
	opts := enginebuild.Options{}
	var trtShim, trtLib, cudartLib, workspace, hwCompat string
	var mins, opt, maxs []string
	cmd := &cobra.Command{
		Use:   "build --model M.onnx --out E.engine [flags]",
		Short: "Build a TensorRT engine and its E.engine.json (needs a GPU, TensorRT and segtrt's shim)",
		Long: `Parses the ONNX model with TensorRT's parser (errors name the nodes), builds an
engine and writes it with E.engine.json: TensorRT, CUDA and driver versions, the
GPU, hardware compatibility, flags, profiles, per-layer precisions and SHA-256s
of the ONNX, plugin libraries and engine. Nothing is overwritten without --force.

TensorRT 10: weakly typed networks with precision flags; int8 from a Q/DQ model
or from --calib-cache. TensorRT 11: strongly typed only, so fp16 needs an FP16
ONNX (segtrt export --fp16), int8 a Q/DQ model; best and --calib-cache are refused.`,
		Example: `  segtrt build --model sgcpnet.int8.onnx --out sgcpnet.engine --precision int8 \
      --timing-cache trt.cache
  segtrt build --model spgnet.fp16.onnx --out spgnet.engine --precision fp16 \
      --opt input:1x3x1024x2048 --workspace 2GiB --hw-compat ampere+`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Model == "" || opts.Out == "" {
				return usage.Errorf("build needs --model and --out")
			}
			var err error
			if opts.Precision, err = enginebuild.ParsePrecision(opts.Precision); err != nil {
				return usage.Errorf("--precision %v", err)
			}
			if opts.HWCompat, err = trt.ParseHWCompat(hwCompat); err != nil {
				return usage.Errorf("--hw-compat: %v", err)
			}
			if workspace != "" {
				if opts.Workspace, err = bytesize.Parse(workspace); err != nil {
					return usage.Errorf("--workspace: %v", err)
				}
			}
			if opts.Profile, err = parseProfile(mins, opt, maxs); err != nil {
				return err
			}
			if opts.Device < 0 {
				return usage.Errorf("--device %d: want a CUDA device index", opts.Device)
			}
			opts.Version = version
			opts.Stdout, opts.Stderr = c.OutOrStdout(), c.ErrOrStderr()
			opts.Backend = enginebuild.TensorRT{Load_: trt.LoadOptions{Shim: trtShim, TensorRTLib: trtLib, CUDARTLib: cudartLib}}
			return runF(c.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Model, "model", "", "ONNX model (float32, FP16 from export --fp16, or Q/DQ from calibrate)")
	f.StringVar(&opts.Out, "out", "", "engine file to write (its metadata goes to OUT.json)")
	f.StringVar(&opts.Precision, "precision", "fp32", "fp32, fp16, int8 or best (TensorRT 10 only)")
	f.StringVar(&opts.CalibCache, "calib-cache", "", "TensorRT calibration cache for int8/best from a float model (TensorRT 10 only)")
	f.StringArrayVar(&opts.PluginLibs, "plugin-lib", nil, "plugin library to load (repeatable; default $"+trt.EnvPluginLib+" or libsegtrt_plugins_trtN.so of the loaded TensorRT next to the binary)")
	f.StringArrayVar(&mins, "min", nil, "optimisation profile minimum NAME:1x3xHxW (repeatable)")
	f.StringArrayVar(&opt, "opt", nil, "optimisation profile shape NAME:1x3xHxW that kernels are tuned for (repeatable)")
	f.StringArrayVar(&maxs, "max", nil, "optimisation profile maximum NAME:1x3xHxW (repeatable)")
	f.StringVar(&workspace, "workspace", "", "workspace memory limit, e.g. 512MiB or 2GiB (default TensorRT's)")
	f.StringVar(&opts.TimingCache, "timing-cache", "", "timing cache to read if present and to write back")
	f.StringVar(&hwCompat, "hw-compat", "none", "hardware compatibility: none, ampere+ or same-cc")
	f.BoolVar(&opts.Force, "force", false, "replace an existing engine and its metadata")
	f.IntVar(&opts.Device, "device", 0, "CUDA device to build on")
	f.StringVar(&trtShim, "trt-shim", "", "segtrt's TensorRT shim libsegtrt_trtN.so or its folder (else $"+trt.EnvShim+", next to the binary)")
	f.StringVar(&trtLib, "trt-lib", "", "libnvinfer.so.N or its folder (else $"+trt.EnvTensorRTLib+", LD_LIBRARY_PATH, system paths)")
	f.StringVar(&cudartLib, "cudart-lib", "", "libcudart.so.N or its folder (else $"+trt.EnvCUDARTLib+", LD_LIBRARY_PATH, system paths)")
	return cmd
}

// parseProfile reads repeated --min, --opt and --max NAME:1x3xHxW flags
// into one profile: --opt is required for every input named, and --min and
// --max default to it.
func parseProfile(mins, opts, maxs []string) (enginebuild.Profile, error) {
	lo, err := parseShapeFlags("min", mins)
	if err != nil {
		return nil, err
	}
	mid, err := parseShapeFlags("opt", opts)
	if err != nil {
		return nil, err
	}
	hi, err := parseShapeFlags("max", maxs)
	if err != nil {
		return nil, err
	}
	p := enginebuild.Profile{}
	for name, d := range mid {
		in := trt.ProfileInput{Name: name, Min: d, Opt: d, Max: d}
		if v, ok := lo[name]; ok {
			in.Min = v
		}
		if v, ok := hi[name]; ok {
			in.Max = v
		}
		p[name] = in
	}
	for _, side := range []map[string][]int64{lo, hi} {
		for name := range side {
			if _, ok := mid[name]; !ok {
				return nil, usage.Errorf("input %q: --min/--max given without --opt %s:...", name, name)
			}
		}
	}
	return p, nil
}
