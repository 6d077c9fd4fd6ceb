// Package doctor implements `segtrt doctor`: what it finds on this machine
// (ONNX Runtime, segtrt's TensorRT shims and plugin libraries, TensorRT,
// the CUDA runtime and driver, GPUs), which shim would be used and why any
// was refused, and what is missing
// for which command. "No GPU" and "no TensorRT" are ordinary answers: the
// command exits 0 and lists them.
//
// The facts come from a Prober (probe.go is the real one); tests pass
// fakes of whole machines.
package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/segtrt/segtrt/trt"

	"github.com/segtrt/segtrt/internal/device"
)

// Options are doctor's inputs.
type Options struct {
	JSON       bool
	PluginLibs []string
	ORTLib     string
	TRTShim    string
	TRTLib     string
	CUDARTLib  string
	Version    string
	// Smoke builds and runs an engine with both plugins instead of
	// listing (Smoke).
	Smoke bool
	// Explain renders an error for people (the CLI spells options as
	// flags); nil is err.Error().
	Explain func(error) string
	Stdout  io.Writer
	// Probe finds the facts; nil is the real machine.
	Probe Prober
}

// Prober finds the facts of one machine.
type Prober interface {
	Shims(flagPath string) []Library
	ONNXRuntime(flagPath string) Library
	TensorRT(flagPath string) TensorRT
	CUDA(flagPath string) CUDA
	Device() device.Facts
	Plugins(explicit []string) Plugins
}

// Library is one shared library found (or not).
type Library struct {
	Name    string `json:"name"`
	Found   bool   `json:"found"`
	Path    string `json:"path,omitempty"`
	Version string `json:"version,omitempty"`
	// How it was checked: "loaded" (dlopen) or "file" (found on disk).
	Checked string `json:"checked,omitempty"`
	// Used marks the shim or plugin library segtrt would use.
	Used bool   `json:"used,omitempty"`
	Note string `json:"note,omitempty"`
}

// TensorRT is what was found of TensorRT.
type TensorRT struct {
	Version   string    `json:"version,omitempty"`
	Libraries []Library `json:"libraries"`
	Note      string    `json:"note,omitempty"`
}

// CUDA is the CUDA runtime and driver found.
type CUDA struct {
	Runtime Library `json:"runtime"`
	Driver  Library `json:"driver"`
	// DriverCUDA is the newest CUDA the driver supports, when known.
	DriverCUDA string `json:"driver_cuda,omitempty"`
	// Refused lists CUDA runtimes that loaded but need a newer driver
	// (segtrt then tries the next one).
	Refused []trt.Refusal `json:"refused,omitempty"`
}

// Plugins are segtrt's plugin libraries found.
type Plugins struct {
	Libraries []Library `json:"libraries"`
	Note      string    `json:"note,omitempty"`
}

// Report is everything doctor says; --json prints it.
type Report struct {
	Segtrt      string       `json:"segtrt_version"`
	Shims       []Library    `json:"shims"`
	ONNXRuntime Library      `json:"onnxruntime"`
	TensorRT    TensorRT     `json:"tensorrt"`
	CUDA        CUDA         `json:"cuda"`
	Machine     device.Facts `json:"machine"`
	Plugins     Plugins      `json:"plugins"`
	// Missing lists what is absent, each with what it is needed for.
	Missing []string `json:"missing"`
}

// Run prints the report; it fails only when it cannot write.
func Run(ctx context.Context, opts Options) error {
	if opts.Smoke {
		return Smoke(ctx, SmokeOptions{
			Load:       trt.LoadOptions{Shim: opts.TRTShim, TensorRTLib: opts.TRTLib, CUDARTLib: opts.CUDARTLib},
			PluginLibs: opts.PluginLibs, ORTLib: opts.ORTLib, Stdout: opts.Stdout, Explain: opts.Explain,
		})
	}
	p := opts.Probe
	if p == nil {
		p = RealProber{TRTShim: opts.TRTShim, TRTLib: opts.TRTLib, CUDARTLib: opts.CUDARTLib}
	}
	r := Collect(p, opts)
	if opts.JSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.WriteText(opts.Stdout)
}

// Collect asks the prober and works out what is missing.
func Collect(p Prober, opts Options) *Report {
	r := &Report{
		Segtrt:      opts.Version,
		Shims:       p.Shims(opts.TRTShim),
		ONNXRuntime: p.ONNXRuntime(opts.ORTLib),
		TensorRT:    p.TensorRT(opts.TRTLib),
		CUDA:        p.CUDA(opts.CUDARTLib),
		Machine:     p.Device(),
		Plugins:     p.Plugins(opts.PluginLibs),
		Missing:     []string{},
	}
	if r.Shims == nil {
		r.Shims = []Library{}
	}
	miss := func(format string, args ...any) { r.Missing = append(r.Missing, fmt.Sprintf(format, args...)) }
	if !r.ONNXRuntime.Found {
		miss("ONNX Runtime (calibrate, validate): run `make deps`, or pass --ort-lib")
	}
	if len(r.Shims) == 0 {
		miss("segtrt's TensorRT shim %s or %s (build, validate --backend trt): `make native`, then keep it next to the binary, or --trt-shim / $%s",
			trt.ShimName(10), trt.ShimName(11), trt.EnvShim)
	}
	for _, l := range r.TensorRT.Libraries {
		if !l.Found && !strings.Contains(l.Name, "plugin") {
			miss("TensorRT library %s (build, validate --backend trt)", l.Name)
		}
	}
	if len(r.TensorRT.Libraries) == 0 {
		miss("TensorRT libraries (build, validate --backend trt): none found")
	}
	if !r.CUDA.Runtime.Found {
		miss("CUDA runtime %s (validate --backend trt)", r.CUDA.Runtime.Name)
	}
	if !r.CUDA.Driver.Found {
		miss("NVIDIA driver's %s (any GPU work)", r.CUDA.Driver.Name)
	}
	if len(r.Machine.GPUs) == 0 {
		note := r.Machine.GPUNote
		if note == "" {
			note = "no GPU"
		}
		miss("GPU (build, validate --backend trt): %s", note)
	}
	if len(r.Plugins.Libraries) == 0 {
		miss("segtrt plugin library %s or %s (engines of models with SPGExcite/AvgPoolInfer): `make native`, then keep it next to the binary, or --plugin-lib / $%s",
			trt.PluginLibName(10), trt.PluginLibName(11), trt.EnvPluginLib)
	}
	return r
}

// WriteText prints the report as an aligned table.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "  %-13s %s\n", k, v) }
	fmt.Fprintln(&b, "segtrt doctor")
	row("segtrt", orDash(r.Segtrt))
	if len(r.Shims) == 0 {
		row("shims", "none found")
	}
	for _, l := range r.Shims {
		row("shim", libLine(l))
	}
	row("ONNX Runtime", libLine(r.ONNXRuntime))
	trtLine := "not found"
	if r.TensorRT.Version != "" {
		trtLine = r.TensorRT.Version
	}
	if r.TensorRT.Note != "" {
		trtLine += " (" + r.TensorRT.Note + ")"
	}
	row("TensorRT", trtLine)
	for _, l := range r.TensorRT.Libraries {
		row("", libLine(l))
	}
	row("CUDA runtime", libLine(r.CUDA.Runtime))
	for _, f := range r.CUDA.Refused {
		row("", "refused "+f.Why)
	}
	drv := libLine(r.CUDA.Driver)
	if r.CUDA.DriverCUDA != "" {
		drv += ", supports CUDA " + r.CUDA.DriverCUDA
	}
	row("CUDA driver", drv)
	row("CPU", fmt.Sprintf("%s, %d cores, %s", r.Machine.CPU, r.Machine.Cores, r.Machine.OS))
	if len(r.Machine.GPUs) == 0 {
		note := r.Machine.GPUNote
		if note == "" {
			note = "no GPU"
		}
		row("GPUs", note)
	}
	for i, g := range r.Machine.GPUs {
		row(fmt.Sprintf("GPU %d", i), fmt.Sprintf("%s, compute capability %s, %d MiB, SM %d MHz, memory %d MHz, driver %s, %s",
			g.Name, g.ComputeCapability, g.MemoryMiB, g.SMClockMHz, g.MemClockMHz, g.Driver, g.UUID))
	}
	if len(r.Plugins.Libraries) == 0 {
		note := r.Plugins.Note
		if note == "" {
			note = "none found"
		}
		row("plugins", note)
	}
	for _, l := range r.Plugins.Libraries {
		row("plugins", libLine(l))
	}
	if len(r.Missing) == 0 {
		fmt.Fprintln(&b, "nothing missing")
	} else {
		fmt.Fprintln(&b, "missing:")
		for _, m := range r.Missing {
			fmt.Fprintf(&b, "  - %s\n", m)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func libLine(l Library) string {
	if !l.Found {
		s := l.Name + ": not found"
		if l.Note != "" {
			s += " (" + l.Note + ")"
		}
		return s
	}
	s := l.Name
	if l.Version != "" {
		s += " " + l.Version
	}
	s += ": " + l.Path
	if l.Checked != "" {
		s += " [" + l.Checked + "]"
	}
	if l.Used {
		s += " (used)"
	}
	if l.Note != "" {
		s += " (" + l.Note + ")"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
