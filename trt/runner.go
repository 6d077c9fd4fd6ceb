package trt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/segtrt/segtrt/internal/opterr"

	"github.com/segtrt/segtrt/internal/device"
	"github.com/segtrt/segtrt/trt/enginemeta"
)

// RunnerOptions tune OpenEngineRunner.
type RunnerOptions struct {
	// PluginLibs to load; empty: the ones E.engine.json names if they
	// still exist with the same SHA-256, else $SEGTRT_PLUGIN_LIB or
	// libsegtrt_plugins_trtN.so of the loaded TensorRT next to the binary.
	PluginLibs []string
	// CUDAGraph captures the enqueue once into a CUDA graph and replays it.
	CUDAGraph bool
	// InputShape for engines with a dynamic input (default: the
	// profile's opt shape).
	InputShape []int64
	Device     int
	Load       LoadOptions
	// GPU returns the facts of device dev for the compatibility check;
	// nil asks NVML (internal/device), falling back to the CUDA runtime.
	GPU func(dev int) (enginemeta.GPU, error)
}

// EngineRunner runs a TensorRT engine on one image at a time: pinned host
// buffers, device buffers, one stream, CUDA events around the GPU work and,
// optionally, a CUDA graph. It satisfies validate's Runner interface.
type EngineRunner struct {
	path     string
	meta     *enginemeta.Metadata
	warnings []string

	rt     *trtRuntime
	eng    *trtEngine
	ctx    *execContext
	stream *cudaStream
	start  *cudaEvent
	end    *cudaEvent
	graph  *cudaGraph

	input, output string
	inShape       []int64
	outShape      []int64
	hostIn        *hostBuffer
	hostOut       *hostBuffer
	devIn         *deviceBuffer
	devOut        []*deviceBuffer // every output; devOut[0] is the logits
	gpuMs         []float64
}

// OpenEngineRunner opens the engine at path for validate --backend trt and
// returns it with its input shape (1x3xHxW). It reads path.json first and
// refuses an engine that does not fit this machine (enginemeta.Check)
// before TensorRT sees it.
func OpenEngineRunner(path string, opts RunnerOptions) (r *EngineRunner, inputShape []int64, err error) {
	info, err := Load(opts.Load)
	if err != nil {
		return nil, nil, err
	}
	gpuFacts := opts.GPU
	if gpuFacts == nil {
		gpuFacts = probeGPU
	}
	gpu, err := gpuFacts(opts.Device)
	if err != nil {
		return nil, nil, err
	}
	meta, data, warnings, err := CheckEngineFile(path, enginemeta.Machine{GPU: gpu, TensorRT: info.TensorRT})
	if err != nil {
		return nil, nil, err
	}
	r = &EngineRunner{path: path, meta: meta, warnings: warnings}
	defer func() {
		if err != nil {
			r.Close()
			r = nil
		}
	}()
	plugins, err := runnerPlugins(opts.PluginLibs, meta, OSEnv, info.TensorRTMajor)
	if err != nil {
		return nil, nil, err
	}
	if err = setDevice(opts.Device); err != nil {
		return nil, nil, err
	}
	if r.rt, err = newRuntime(); err != nil {
		return nil, nil, err
	}
	for _, p := range plugins {
		if err = r.rt.LoadPlugin(p); err != nil {
			return nil, nil, err
		}
	}
	if r.eng, err = r.rt.Deserialize(data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	io, err := r.eng.IO()
	if err != nil {
		return nil, nil, err
	}
	in, outs, err := splitIO(path, io)
	if err != nil {
		return nil, nil, err
	}
	r.input, r.output = in.Name, outs[0].Name
	if r.inShape, err = chooseInputShape(path, in, opts.InputShape, meta); err != nil {
		return nil, nil, err
	}
	if r.ctx, err = r.eng.NewContext(); err != nil {
		return nil, nil, err
	}
	if err = r.ctx.SetInputShape(r.input, r.inShape); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.hostIn, err = newHostBuffer(numel(r.inShape) * 4); err != nil {
		return nil, nil, err
	}
	if r.devIn, err = newDeviceBuffer(numel(r.inShape) * 4); err != nil {
		return nil, nil, err
	}
	if err = r.ctx.SetTensorAddress(r.input, r.devIn); err != nil {
		return nil, nil, err
	}
	for i, o := range outs {
		shape, err := r.ctx.TensorShape(o.Name)
		if err != nil {
			return nil, nil, err
		}
		size := o.DType.Size()
		if size == 0 {
			return nil, nil, fmt.Errorf("%s: output %s has type %s", path, o.Name, o.DType)
		}
		buf, err := newDeviceBuffer(max(numel(shape)*size, 1))
		if err != nil {
			return nil, nil, err
		}
		r.devOut = append(r.devOut, buf)
		if err := r.ctx.SetTensorAddress(o.Name, buf); err != nil {
			return nil, nil, err
		}
		if i == 0 {
			r.outShape = shape
		}
	}
	if r.hostOut, err = newHostBuffer(numel(r.outShape) * 4); err != nil {
		return nil, nil, err
	}
	if r.stream, err = newStream(); err != nil {
		return nil, nil, err
	}
	if r.start, err = newEvent(); err != nil {
		return nil, nil, err
	}
	if r.end, err = newEvent(); err != nil {
		return nil, nil, err
	}
	if opts.CUDAGraph {
		// One plain run first: TensorRT sets itself up lazily, and that
		// must not end up in the graph.
		if err = r.ctx.Enqueue(r.stream); err != nil {
			return nil, nil, err
		}
		if err = r.stream.Sync(); err != nil {
			return nil, nil, err
		}
		if r.graph, err = r.ctx.CaptureGraph(r.stream); err != nil {
			return nil, nil, err
		}
	}
	return r, slices.Clone(r.inShape), nil
}

// CheckEngineFile reads path.json, checks it describes the engine at path
// (SHA-256) and that the engine fits machine (enginemeta.Check), and
// returns the metadata, the engine's bytes and any warnings.
func CheckEngineFile(path string, machine enginemeta.Machine) (*enginemeta.Metadata, []byte, []string, error) {
	metaPath := enginemeta.PathFor(path)
	meta, err := enginemeta.Read(metaPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("%s: missing; segtrt runs an engine only with the provenance file segtrt build writes beside it, "+
			"since without it nothing says whether the engine fits this GPU and TensorRT", metaPath)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	warnings, err := enginemeta.Check(path, meta, machine)
	if err != nil {
		return nil, nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := meta.VerifyEngine(path, data); err != nil {
		return nil, nil, nil, err
	}
	return meta, data, warnings, nil
}

// runnerPlugins picks the plugin libraries for an engine: explicit ones,
// else the build's own if they are unchanged, else the usual search.
func runnerPlugins(explicit []string, meta *enginemeta.Metadata, env Env, major int) ([]string, error) {
	if len(explicit) > 0 {
		return PluginLibs(env, explicit, major)
	}
	if len(meta.PluginLibs) > 0 {
		var out []string
		for _, f := range meta.PluginLibs {
			got, err := enginemeta.HashFile(f.Path)
			if err != nil || got.SHA256 != f.SHA256 {
				out = nil
				break
			}
			out = append(out, f.Path)
		}
		if out != nil {
			return out, nil
		}
	}
	libs, err := PluginLibs(env, nil, major)
	if err != nil {
		return nil, err
	}
	if len(meta.PluginLibs) > 0 && len(libs) == 0 {
		return nil, opterr.Hintf("the engine was built with plugin libraries %s, which are gone or changed: give {PluginLibs} or set %s",
			fileList(meta.PluginLibs), EnvPluginLib)
	}
	return libs, nil
}

func fileList(files []enginemeta.File) string {
	s := ""
	for i, f := range files {
		if i > 0 {
			s += ", "
		}
		s += f.Path
	}
	return s
}

// splitIO finds the one float32 image input and the outputs (the first
// is the logits, float32).
func splitIO(path string, io []TensorDesc) (TensorDesc, []TensorDesc, error) {
	var ins, outs []TensorDesc
	for _, t := range io {
		if t.Input {
			ins = append(ins, t)
		} else {
			outs = append(outs, t)
		}
	}
	if len(ins) != 1 {
		return TensorDesc{}, nil, fmt.Errorf("%s: the engine has %d inputs; segtrt runs image models with exactly one", path, len(ins))
	}
	if len(outs) == 0 {
		return TensorDesc{}, nil, fmt.Errorf("%s: the engine has no outputs", path)
	}
	if ins[0].DType != Float {
		return TensorDesc{}, nil, fmt.Errorf("%s: input %s is %s, want float32 (FP16 models keep float32 inputs)", path, ins[0].Name, ins[0].DType)
	}
	if outs[0].DType != Float {
		return TensorDesc{}, nil, fmt.Errorf("%s: output %s is %s, want float32 logits", path, outs[0].Name, outs[0].DType)
	}
	return ins[0], outs, nil
}

// chooseInputShape fixes the input's shape: the engine's own when static,
// else the one asked for, else the first profile's opt shape.
func chooseInputShape(path string, in TensorDesc, asked []int64, meta *enginemeta.Metadata) ([]int64, error) {
	static := len(in.Shape) > 0
	for _, d := range in.Shape {
		static = static && d >= 0
	}
	switch {
	case static && asked != nil && !slices.Equal(asked, in.Shape):
		return nil, fmt.Errorf("%s: input %s has the fixed shape %v; cannot run %v", path, in.Name, in.Shape, asked)
	case static:
		return slices.Clone(in.Shape), nil
	case asked != nil:
		if len(asked) != len(in.Shape) {
			return nil, fmt.Errorf("%s: %w", path, opterr.Hintf("input %s has rank %d, {InputShapes} gives %d", in.Name, len(in.Shape), len(asked)))
		}
		return slices.Clone(asked), nil
	}
	for _, prof := range meta.Profiles {
		for _, p := range prof {
			if p.Name == in.Name {
				return slices.Clone(p.Opt), nil
			}
		}
	}
	return nil, fmt.Errorf("%s: %w", path, opterr.Hintf("input %s is dynamic (%v) and neither {InputShapes} nor a profile gives its shape", in.Name, in.Shape))
}

func numel(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// probeGPU asks NVML for device dev, falling back to the CUDA runtime for
// the compute capability.
func probeGPU(dev int) (enginemeta.GPU, error) {
	facts := device.Probe()
	if dev < len(facts.GPUs) {
		g := facts.GPUs[dev]
		return g, nil
	}
	cc, err := computeCapability(dev)
	if err != nil {
		note := facts.GPUNote
		if note == "" {
			note = fmt.Sprintf("no GPU %d", dev)
		}
		return enginemeta.GPU{}, fmt.Errorf("%s; CUDA: %w", note, err)
	}
	return enginemeta.GPU{Name: "unknown (NVML unavailable)", ComputeCapability: cc}, nil
}

// ProbeGPU is probeGPU for other packages (segtrt build's metadata).
func ProbeGPU(dev int) (enginemeta.GPU, error) { return probeGPU(dev) }

// Warnings are the compatibility check's warnings (e.g. another GPU of
// the same compute capability).
func (r *EngineRunner) Warnings() []string { return r.warnings }

// Metadata is the engine's E.engine.json.
func (r *EngineRunner) Metadata() *enginemeta.Metadata { return r.meta }

// OutputShape is the logits' shape; the engine runs one input shape.
func (r *EngineRunner) OutputShape(in []int64) ([]int64, error) {
	if !slices.Equal(in, r.inShape) {
		return nil, fmt.Errorf("%s: the runner is set up for input %v, not %v", r.path, r.inShape, in)
	}
	return slices.Clone(r.outShape), nil
}

// RunInto copies input to the GPU, runs the engine (or its CUDA graph)
// between two events, and copies the logits into dst.
func (r *EngineRunner) RunInto(input []float32, shape []int64, dst []float32) error {
	if r.ctx == nil {
		return fmt.Errorf("%s: runner is closed", r.path)
	}
	if !slices.Equal(shape, r.inShape) {
		return fmt.Errorf("%s: the runner is set up for input %v, not %v", r.path, r.inShape, shape)
	}
	in, out := r.hostIn.Float32s(), r.hostOut.Float32s()
	if len(input) != len(in) || len(dst) != len(out) {
		return fmt.Errorf("%s: buffers of %d and %d values, the engine needs %d and %d", r.path, len(input), len(dst), len(in), len(out))
	}
	copy(in, input)
	if err := r.stream.CopyToDevice(r.devIn, r.hostIn, r.hostIn.Size()); err != nil {
		return err
	}
	if err := r.start.Record(r.stream); err != nil {
		return err
	}
	if r.graph != nil {
		if err := r.graph.Launch(r.stream); err != nil {
			return err
		}
	} else if err := r.ctx.Enqueue(r.stream); err != nil {
		return err
	}
	if err := r.end.Record(r.stream); err != nil {
		return err
	}
	if err := r.stream.CopyToHost(r.hostOut, r.devOut[0], r.hostOut.Size()); err != nil {
		return err
	}
	if err := r.stream.Sync(); err != nil {
		return err
	}
	ms, err := elapsedMs(r.start, r.end)
	if err != nil {
		return err
	}
	r.gpuMs = append(r.gpuMs, ms)
	copy(dst, out)
	return nil
}

// GPUTimesMs are the GPU compute times of every RunInto so far (between
// the events around the enqueue, copies excluded).
func (r *EngineRunner) GPUTimesMs() []float64 { return slices.Clone(r.gpuMs) }

// Close frees everything in reverse order of creation; safe twice and on
// a half-opened runner.
func (r *EngineRunner) Close() error {
	if r == nil {
		return nil
	}
	if r.stream != nil {
		r.stream.Sync()
	}
	r.graph.Close()
	r.end.Close()
	r.start.Close()
	r.stream.Close()
	r.hostOut.Close()
	for _, b := range r.devOut {
		b.Close()
	}
	r.devOut = nil
	r.devIn.Close()
	r.hostIn.Close()
	r.ctx.Close()
	r.eng.Close()
	r.rt.Close()
	r.graph, r.end, r.start, r.stream, r.hostOut, r.devIn, r.hostIn, r.ctx, r.eng, r.rt = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil
	return nil
}
