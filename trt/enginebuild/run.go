package enginebuild

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/segtrt/segtrt/calib"
	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginemeta"
)

// Options are a build's inputs.
type Options struct {
	Model, Out  string
	Precision   string // fp32, fp16, int8 or best ("" is fp32)
	CalibCache  string
	PluginLibs  []string
	Profile     Profile // shapes for inputs with dynamic dimensions
	Workspace   uint64  // bytes; 0 keeps TensorRT's default
	TimingCache string
	HWCompat    trt.HWCompat
	Force       bool
	Device      int // CUDA device index
	// Version is segtrt's own, recorded in the metadata.
	Version        string
	Stdout, Stderr io.Writer

	// Backend builds; nil is TensorRT (package trt).
	Backend Backend
	// Env finds plugin libraries; nil is the real environment.
	Env *trt.Env
	Now func() time.Time
}

// Backend is what a build needs of TensorRT and the GPU; tests pass a fake.
type Backend interface {
	// Majors are the TensorRT major versions Load can open, known before
	// loading (the tagged build's headers fix it), so that options are
	// checked before TensorRT is touched.
	Majors() []int
	Load() (trt.Info, error)
	GPU(dev int) (enginemeta.GPU, error)
	Build(ctx context.Context, spec trt.BuildSpec) (*trt.BuildResult, error)
}

// TensorRT is the real Backend.
type TensorRT struct{ Load_ trt.LoadOptions }

// Majors are those of the shims found; with none, options are checked
// against every major segtrt knows (and Load then says what is missing).
func (b TensorRT) Majors() []int {
	env := trt.OSEnv
	if b.Load_.Env != nil {
		env = *b.Load_.Env
	}
	if m := trt.FoundShimMajors(env, b.Load_.Shim); len(m) > 0 {
		return m
	}
	return trt.Majors
}

// Load opens TensorRT and the CUDA runtime.
func (b TensorRT) Load() (trt.Info, error) { return trt.Load(b.Load_) }

// GPU gives the building GPU's facts.
func (TensorRT) GPU(dev int) (enginemeta.GPU, error) { return trt.ProbeGPU(dev) }

// Build runs trt.BuildEngine.
func (TensorRT) Build(ctx context.Context, spec trt.BuildSpec) (*trt.BuildResult, error) {
	return trt.BuildEngine(ctx, spec)
}

// plan is a checked build request.
type plan struct {
	precision  string
	profile    Profile
	workspace  uint64
	hw         trt.HWCompat
	model      ModelFacts
	plugins    []string
	calib      []byte
	calibAlgo  trt.CalibAlgo
	calibVer   int
	timing     []byte
	haveTiming bool
}

// Check validates everything that can be validated without TensorRT:
// the options, the model, the profile, plugin libraries, the calibration
// cache and that nothing is overwritten without Force.
func Check(opts Options) (*plan, error) {
	if opts.Model == "" || opts.Out == "" {
		return nil, errors.New("build needs a model and an output")
	}
	p := &plan{hw: opts.HWCompat, workspace: opts.Workspace, profile: opts.Profile}
	if p.profile == nil {
		p.profile = Profile{}
	}
	var err error
	if p.precision, err = ParsePrecision(opts.Precision); err != nil {
		return nil, opterr.Errorf("{Precision} %v", err)
	}
	if err := p.profile.Check(); err != nil {
		return nil, err
	}
	if opts.CalibCache != "" && p.precision != "int8" && p.precision != "best" {
		return nil, opterr.Errorf("{CalibCache} needs {Precision} int8 or best")
	}
	if opts.Device < 0 {
		return nil, opterr.Errorf("{Device} %d: want a CUDA device index", opts.Device)
	}
	paths := []pathcheck.Path{pathcheck.In("Model", opts.Model), pathcheck.In("CalibCache", opts.CalibCache),
		pathcheck.Out("Out", opts.Out), pathcheck.Out("Out", enginemeta.PathFor(opts.Out)), pathcheck.Out("TimingCache", opts.TimingCache)}
	for _, lib := range opts.PluginLibs {
		paths = append(paths, pathcheck.In("PluginLibs", lib))
	}
	if err := pathcheck.Check(paths...); err != nil {
		return nil, err
	}
	if !opts.Force {
		for _, f := range []string{opts.Out, enginemeta.PathFor(opts.Out)} {
			if _, err := os.Stat(f); err == nil {
				return nil, opterr.Hintf("%s exists; pass {Force} to replace it", f)
			}
		}
	}
	m, err := onnxio.Load(opts.Model)
	if err != nil {
		return nil, err
	}
	for _, f := range m.ExternalFiles() {
		// TensorRT's parser reads the weights from these: no output may be one.
		paths = append(paths, pathcheck.In("Model", f))
	}
	if err := pathcheck.Check(paths...); err != nil {
		return nil, err
	}
	p.model = Facts(m.Proto)
	if err := CheckProfile(p.model, p.profile); err != nil {
		return nil, err
	}
	if need, ok := PluginWorkspaceAt(m, largestShapes(p.model, p.profile)); ok {
		if err := checkWorkspace(p.workspace, need); err != nil {
			return nil, err
		}
	}
	if p.plugins, err = trt.PluginLibs(env(opts), opts.PluginLibs, 0); err != nil {
		return nil, err
	}
	if len(p.model.Plugins) > 0 && len(p.plugins) == 0 {
		return nil, opterr.Hintf("%s uses segtrt plugins (%s): give {PluginLibs} bin/%s (make native), or set %s",
			opts.Model, strings.Join(p.model.Plugins, ", "), trt.PluginLibName(trt.Majors[0]), trt.EnvPluginLib)
	}
	if opts.CalibCache != "" {
		if p.calib, err = os.ReadFile(opts.CalibCache); err != nil {
			return nil, err
		}
		c, err := calib.ReadCache(strings.NewReader(string(p.calib)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opts.CalibCache, err)
		}
		if p.calibAlgo, err = trt.ParseCalibAlgo(c.Calibrator); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.CalibCache, err)
		}
		p.calibVer = c.Version
	}
	if opts.TimingCache != "" {
		p.haveTiming = true
		data, err := os.ReadFile(opts.TimingCache)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Made by this build.
		case err != nil:
			return nil, err
		default:
			p.timing = data
		}
	}
	return p, nil
}

// env is where plugin libraries are looked for.
func env(opts Options) trt.Env {
	if opts.Env != nil {
		return *opts.Env
	}
	return trt.OSEnv
}

// precisionPossible refuses, before TensorRT is loaded, a precision that
// no TensorRT the backend can load would accept.
func precisionPossible(majors []int, precision string, f ModelFacts, calibCache bool) error {
	var first error
	for _, m := range majors {
		_, err := PlanPrecision(precision, m, f, calibCache)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// Run builds opts.Model into opts.Out and writes the engine, its
// metadata and the timing cache. Nothing is written unless the build
// succeeds.
func Run(ctx context.Context, opts Options) error {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p, err := Check(opts)
	if err != nil {
		return err
	}
	backend := opts.Backend
	if backend == nil {
		backend = TensorRT{}
	}
	if err := precisionPossible(backend.Majors(), p.precision, p.model, p.calib != nil); err != nil {
		return err
	}
	info, err := backend.Load()
	if err != nil {
		return err
	}
	if len(opts.PluginLibs) == 0 && len(p.model.Plugins) > 0 {
		// The default plugin library is the loaded TensorRT's major's.
		if p.plugins, err = trt.PluginLibs(env(opts), nil, info.TensorRTMajor); err != nil {
			return err
		}
		if len(p.plugins) == 0 {
			return fmt.Errorf("%s uses segtrt plugins, and no %s lies next to the binary for the TensorRT %d it loaded",
				opts.Model, trt.PluginLibName(info.TensorRTMajor), info.TensorRTMajor)
		}
	}
	pp, err := PlanPrecision(p.precision, info.TensorRTMajor, p.model, p.calib != nil)
	if err != nil {
		return err
	}
	if p.calib != nil && p.calibVer != 0 && trt.VersionString(p.calibVer) != info.TensorRT {
		fmt.Fprintf(opts.Stderr, "warning: %s was written for TensorRT %s; building with %s\n", opts.CalibCache, trt.VersionString(p.calibVer), info.TensorRT)
	}
	gpu, err := backend.GPU(opts.Device)
	if err != nil {
		return err
	}
	if p.hw == trt.HWCompatAmperePlus {
		cc, err := enginemeta.ParseCC(gpu.ComputeCapability)
		if err != nil {
			return err
		}
		if cc.Less(enginemeta.Ampere) {
			return opterr.Hintf("{HWCompat} ampere+ must be built on an Ampere or newer GPU; %s has compute capability %s", gpu.Name, cc)
		}
	}
	meta := &enginemeta.Metadata{
		Schema: enginemeta.Schema, Segtrt: opts.Version, Created: opts.Now().UTC().Format(time.RFC3339),
		TensorRT: info.TensorRT, TensorRTHeaders: info.HeaderVersion, ONNXParser: info.Parser,
		CUDARuntime: info.CUDARuntime, CUDADriver: info.CUDADriver, GPU: gpu,
		HWCompat: p.hw.String(), Precision: p.precision, StronglyTyped: pp.StronglyTyped, Flags: []string{},
		WorkspaceBytes: p.workspace, PluginLibs: []enginemeta.File{},
	}
	for _, f := range pp.Flags {
		meta.Flags = append(meta.Flags, f.String())
	}
	if meta.ONNX, err = enginemeta.HashFile(opts.Model); err != nil {
		return err
	}
	for _, lib := range p.plugins {
		f, err := enginemeta.HashFile(lib)
		if err != nil {
			return err
		}
		meta.PluginLibs = append(meta.PluginLibs, f)
	}
	if p.calib != nil {
		f := enginemeta.HashBytes(opts.CalibCache, p.calib)
		meta.CalibCache = &f
	}
	meta.TimingCache = opts.TimingCache
	spec := trt.BuildSpec{
		ONNX: opts.Model, StronglyTyped: pp.StronglyTyped, Flags: pp.Flags, WorkspaceBytes: p.workspace,
		HWCompat: p.hw, Profile: p.profile.Inputs(), UseTimingCache: p.haveTiming, TimingCache: p.timing,
		PluginLibs: p.plugins, Device: opts.Device,
	}
	if pp.UseCalib {
		spec.CalibCache, spec.CalibAlgo = p.calib, p.calibAlgo
	}
	start := time.Now()
	res, err := backend.Build(ctx, spec)
	if err != nil {
		if lines := trt.ParseErrors(err); len(lines) > 0 {
			return fmt.Errorf("%s: TensorRT's ONNX parser failed: %s", opts.Model, strings.Join(lines, "; "))
		}
		return err
	}
	elapsed := time.Since(start)
	if res.HWCompat != p.hw {
		return fmt.Errorf("TensorRT built the engine with hardware compatibility %s, not %s", res.HWCompat, p.hw)
	}
	fillFromResult(meta, res)
	if meta.Layers == nil {
		meta.Layers = []enginemeta.Layer{}
	}
	meta.Engine = enginemeta.HashBytes(opts.Out, res.Engine)
	metaBytes, err := meta.Marshal()
	if err != nil {
		return err
	}
	// Engine first, metadata second: a runner needs both, and refuses an
	// engine whose metadata names another SHA-256. If the metadata cannot
	// be written, the new engine is removed again.
	if err := atomicfile.WriteBytes(opts.Out, res.Engine); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(enginemeta.PathFor(opts.Out), metaBytes); err != nil {
		os.Remove(opts.Out)
		return err
	}
	if p.haveTiming && len(res.TimingCache) > 0 {
		if err := atomicfile.WriteBytes(opts.TimingCache, res.TimingCache); err != nil {
			return err
		}
	}
	printSummary(opts, meta, pp, elapsed, len(res.Warnings))
	return nil
}

func fillFromResult(meta *enginemeta.Metadata, res *trt.BuildResult) {
	for _, t := range res.IO {
		io := "output"
		if t.Input {
			io = "input"
		}
		meta.IO = append(meta.IO, enginemeta.Tensor{Name: t.Name, IO: io, DType: t.DType.String(), Shape: t.Shape})
	}
	meta.Profiles = append(meta.Profiles, res.Profiles...)
	if layers, counts, err := enginemeta.ParseLayerInfo(res.LayerInfo); err == nil {
		meta.Layers, meta.LayerPrecisions = layers, counts
	} else {
		meta.BuildWarnings = append(meta.BuildWarnings, "per-layer precisions unavailable: "+err.Error())
	}
	meta.BuildWarnings = append(meta.BuildWarnings, res.Warnings...)
}

func printSummary(opts Options, m *enginemeta.Metadata, pp precisionPlan, elapsed time.Duration, warnings int) {
	w := opts.Stdout
	fmt.Fprintf(w, "wrote %s (%.1f MiB) and %s in %s\n", opts.Out, float64(m.Engine.Bytes)/(1<<20), enginemeta.PathFor(opts.Out), elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  TensorRT %s (headers %s), CUDA runtime %s, driver CUDA %s\n", m.TensorRT, m.TensorRTHeaders, m.CUDARuntime, m.CUDADriver)
	fmt.Fprintf(w, "  GPU %s (compute capability %s), hw-compat %s\n", m.GPU.Name, m.GPU.ComputeCapability, m.HWCompat)
	fmt.Fprintf(w, "  precision %s: %s\n", m.Precision, pp.describe())
	if len(m.LayerPrecisions) > 0 {
		var parts []string
		for _, k := range []string{"int8", "fp16", "bf16", "fp8", "fp32", "int32", "int64", "bool", "uint8", "unknown"} {
			if n := m.LayerPrecisions[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", k, n))
			}
		}
		fmt.Fprintf(w, "  %d layers: %s\n", len(m.Layers), strings.Join(parts, ", "))
	}
	if opts.TimingCache != "" {
		fmt.Fprintf(w, "  timing cache %s\n", opts.TimingCache)
	}
	if warnings > 0 {
		fmt.Fprintf(opts.Stderr, "warning: TensorRT logged %d warnings (build_warnings in %s)\n", warnings, enginemeta.PathFor(opts.Out))
	}
}
