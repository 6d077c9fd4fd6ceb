package calib

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/fserr"
	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/qdq"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/ort"
)

// Options are `segtrt calibrate`'s inputs.
type Options struct {
	Model          string
	Data           string
	Split          string
	Images         int
	Seed           uint64
	Method         string
	Percentile     float64
	Out            string
	Cache          string
	TensorRT       string // version the cache targets, e.g. 10.16.0
	Report         string
	SaveHistograms bool
	Exclude        []string
	FromCache      string
	FromQDQ        string
	// AutoImages is how many images of Split --method auto holds out to
	// score the methods on; 0 means heldOutImages(Images).
	AutoImages int
	// MaxMIoUDrop > 0 turns on the sensitivity search on the first
	// SensitivityImages images of SensitivitySplit.
	MaxMIoUDrop       float64
	SensitivitySplit  string
	SensitivityImages int
	InputShapes       map[string][]int64
	Mean, Std         [3]float32
	BGR               bool
	ORTLib            string
	Stdout, Stderr    io.Writer
	Progress          func(total int) func() // progress bar factory; nil: none
}

// Defaults.
const (
	DefaultMethod            = Auto
	DefaultImages            = 500
	DefaultPercentile        = 99.99
	DefaultSensitivityImages = 50
)

// Run calibrates, or converts between a cache and a Q/DQ model.
func Run(ctx context.Context, o Options) error {
	if o.Split == "" {
		o.Split = "train"
	}
	if o.Images == 0 {
		o.Images = DefaultImages
	}
	if o.Method == "" {
		o.Method = string(DefaultMethod)
	}
	if o.Percentile == 0 {
		o.Percentile = DefaultPercentile
	}
	if o.TensorRT == "" {
		o.TensorRT = "10.16.0"
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	method, err := ParseMethod(o.Method)
	if err != nil {
		return usage.Errorf("--method: %v", err)
	}
	trtVersion, err := ParseTensorRTVersion(o.TensorRT)
	if err != nil {
		return usage.Errorf("--trt-version: %v", err)
	}
	if o.MaxMIoUDrop < 0 {
		return usage.Errorf("--max-miou-drop %v: want a positive number of points", o.MaxMIoUDrop)
	}
	if o.Percentile <= 0 || o.Percentile > 100 {
		return usage.Errorf("--percentile %v: want a value in (0, 100]", o.Percentile)
	}
	if o.AutoImages < 0 {
		return usage.Errorf("--auto-images %d: want a positive count", o.AutoImages)
	}
	exclude, err := compileAll(o.Exclude)
	if err != nil {
		return err
	}
	switch {
	case o.FromQDQ != "":
		if o.Cache == "" {
			return usage.Errorf("--from-qdq needs --cache to write")
		}
		return qdqToCache(o, trtVersion)
	case o.FromCache != "":
		if o.Model == "" || o.Out == "" {
			return usage.Errorf("--from-cache needs --model and --out")
		}
		return cacheToQDQ(o, exclude)
	}
	if o.Model == "" || o.Data == "" || o.Out == "" {
		return usage.Errorf("calibrate needs --model, --data and --out (or --from-cache / --from-qdq)")
	}
	m, g, res, err := loadForQDQ(o.Model, o.InputShapes)
	if err != nil {
		return err
	}
	plan, err := qdq.NewPlan(g, res, qdq.ExcludeMatching(exclude))
	if err != nil {
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	set, err := dataset.Open(o.Data, o.Split)
	if err != nil {
		return err
	}
	if set.Len() == 0 {
		return fmt.Errorf("%s: split %q has no images", o.Data, o.Split)
	}
	rep := &Report{Percentile: o.Percentile, Tensors: []TensorReport{}, Weights: []WeightReport{}, Excluded: plan.Excluded}
	warn := func(msg string) {
		fmt.Fprintf(o.Stderr, "warning: %s\n", msg)
		rep.Warnings = append(rep.Warnings, msg)
	}
	calibSet, scoreSet := set.Random(o.Images, o.Seed), set.Without(set)
	if method == Auto {
		held := o.AutoImages
		if held == 0 {
			held = heldOutImages(min(o.Images, set.Len()))
		}
		calibSet, scoreSet = splitForAuto(set, o.Images, held, o.AutoImages > 0, o.Seed)
		rep.Auto = &AutoReport{Split: o.Split, Images: []string{}, TieMargin: AutoTieMargin, Scores: []MethodScore{}}
		for _, e := range scoreSet.Entries {
			rep.Auto.Images = append(rep.Auto.Images, e.ImagePath)
		}
	}
	for _, e := range calibSet.Entries {
		rep.Images = append(rep.Images, e.ImagePath)
	}
	if msg := overlapWarning(ValidationSplit, calibSet, scoreSet); msg != "" {
		warn(msg)
	}
	if _, err := ort.Init(o.ORTLib); err != nil {
		return err
	}
	inShape := res[g.Inputs[0].GetName()].Shape
	pre := dataset.Preprocess{Height: int(inShape[2]), Width: int(inShape[3]), Mean: o.Mean, Std: o.Std, BGR: o.BGR}
	if err := pre.Validate(); err != nil {
		return usage.Errorf("%v", err)
	}
	names := activationTensors(g, res)
	var progress func()
	if o.Progress != nil {
		progress = o.Progress(calibSet.Len())
	}
	hists, err := collect(ctx, m, g, res, names, calibSet, pre, progress)
	if err != nil {
		return err
	}
	// Every method's ranges when they are reported or compared; otherwise
	// only the one asked for.
	methods := Methods
	if method != Auto && o.Report == "" {
		methods = []Method{method}
	}
	all, err := computeRanges(ctx, names, hists, methods, o.Percentile)
	if err != nil {
		return err
	}
	chosen := method
	if method == Auto {
		if chosen, err = runAuto(ctx, o, m, g, plan, names, hists, all, scoreSet, pre, rep.Auto); err != nil {
			return err
		}
		if rep.Auto.Fallback != "" {
			warn(rep.Auto.Fallback)
		}
	}
	amax, warnings := rangesFor(chosen, names, hists, all)
	for _, w := range warnings {
		warn(w)
	}
	rep.Method = string(chosen)
	for _, n := range names {
		h := hists[n]
		tr := TensorReport{Name: n, Amax: amax[n], Scale: Scale(amax[n]), Min: h.Min, Max: h.Max}
		if o.Report != "" {
			a := all[n]
			tr.Methods = &a
		}
		if o.SaveHistograms {
			tr.Counts, tr.Edges = h.Counts, h.Edges()
		}
		rep.Tensors = append(rep.Tensors, tr)
	}
	if o.MaxMIoUDrop > 0 {
		if plan, err = runSensitivity(ctx, o, m, g, res, plan, exclude, amax, pre, rep); err != nil {
			return err
		}
		rep.Excluded = plan.Excluded
	}
	out, err := quantizedModel(m, g, plan, amax, rep)
	if err != nil {
		return err
	}
	return writeOutputs(o, out, amax, chosen, trtVersion, rep)
}

// runAuto scores every method on the held-out images and returns the one
// to use, recording the scores in ar.
func runAuto(ctx context.Context, o Options, m *onnxio.Model, g *graph.Graph, plan *qdq.Plan, names []string,
	hists map[string]*Histogram, all map[string]MethodAmax, scoreSet *dataset.Set, pre dataset.Preprocess, ar *AutoReport) (Method, error) {
	if scoreSet.Len() == 0 {
		ar.Chosen = string(FallbackMethod)
		ar.Fallback = fmt.Sprintf("auto: split %q is too small to hold images out for scoring; used %s", o.Split, FallbackMethod)
		return FallbackMethod, nil
	}
	samples, err := decodeAll(ctx, scoreSet, pre)
	if err != nil {
		return "", err
	}
	chosen, scores, err := chooseMethod(ctx, m, g, plan, names, hists, all, samples)
	if err != nil {
		return "", err
	}
	ar.Scores, ar.Chosen = scores, string(chosen)
	var parts []string
	for _, s := range scores {
		parts = append(parts, fmt.Sprintf("%s %.2f", s.Method, s.MIoU))
	}
	fmt.Fprintf(o.Stdout, "auto: %s mIoU on %d held-out %s images: %s\n", strings.Join(parts, ", "), len(samples), o.Split, chosen)
	return chosen, nil
}

func runSensitivity(ctx context.Context, o Options, m *onnxio.Model, g *graph.Graph, res shapes.Result, plan *qdq.Plan,
	exclude []*regexp.Regexp, amax Scales, pre dataset.Preprocess, rep *Report) (*qdq.Plan, error) {
	split := o.SensitivitySplit
	if split == "" {
		split = "val"
	}
	n := o.SensitivityImages
	if n <= 0 {
		n = DefaultSensitivityImages
	}
	set, err := dataset.Open(o.Data, split)
	if err != nil {
		return nil, err
	}
	samples, err := decodeAll(ctx, set.Limit(n), pre)
	if err != nil {
		return nil, err
	}
	say := func(s string) { fmt.Fprintf(o.Stderr, "sensitivity: %s\n", s) }
	final, sens, err := sensitivitySearch(ctx, m, g, res, plan, qdq.ExcludeMatching(exclude), amax, samples, o.MaxMIoUDrop, say)
	if err != nil {
		return nil, err
	}
	sens.Split = split
	rep.Sensitivity = sens
	if !sens.Met {
		return nil, fmt.Errorf("sensitivity: no float/int8 split met a %g-point drop on %s (best %.2f)", o.MaxMIoUDrop, split, sens.FP32MIoU-sens.FinalMIoU)
	}
	fmt.Fprintf(o.Stdout, "sensitivity: FP32 %.2f, all-INT8 %.2f, final %.2f mIoU on %d %s images; kept in float: %s\n",
		sens.FP32MIoU, sens.INT8MIoU, sens.FinalMIoU, sens.Images, split, strings.Join(sens.KeptFloat, ", "))
	return final, nil
}

// Scales maps tensor names to amax.
type Scales = qdq.Scales

// Report is calib.json.
type Report struct {
	// Method is the method whose ranges were written (auto's choice under
	// --method auto); Percentile is the percentile method's p.
	Method     string         `json:"method"`
	Percentile float64        `json:"percentile,omitempty"`
	Images     []string       `json:"images"`
	Tensors    []TensorReport `json:"tensors"`
	Weights    []WeightReport `json:"weights"`
	Excluded   []string       `json:"excluded,omitempty"`
	// Auto is present under --method auto.
	Auto *AutoReport `json:"auto,omitempty"`
	// Sensitivity is present when --max-miou-drop was given.
	Sensitivity *Sensitivity `json:"sensitivity,omitempty"`
	Warnings    []string     `json:"warnings,omitempty"`
}

// TensorReport is one activation tensor's calibration.
type TensorReport struct {
	Name  string  `json:"name"`
	Amax  float64 `json:"amax"`
	Scale float32 `json:"scale"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	// Methods is every method's amax, to show where they disagree.
	Methods *MethodAmax `json:"methods,omitempty"`
	Counts  []uint64    `json:"counts,omitempty"`
	Edges   []float64   `json:"edges,omitempty"`
}

// WeightReport is one weight's per-channel range.
type WeightReport struct {
	Name string    `json:"name"`
	Axis int       `json:"axis"`
	Amax []float64 `json:"amax"`
}

func compileAll(patterns []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, usage.Errorf("--exclude %q: %v", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// loadForQDQ loads a model for quantization and infers its shapes.
func loadForQDQ(path string, inputShapes map[string][]int64) (*onnxio.Model, *graph.Graph, shapes.Result, error) {
	m, err := onnxio.Load(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if v := m.Opset(); v < qdq.MinOpset {
		return nil, nil, nil, fmt.Errorf("%s: opset %d; per-channel Q/DQ needs opset >= %d (export with --opset 13 or newer)", path, v, qdq.MinOpset)
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(g.Inputs) != 1 {
		return nil, nil, nil, fmt.Errorf("%s: %d inputs; segtrt calibrates image models with one", path, len(g.Inputs))
	}
	res, err := shapes.Infer(g, m.Opset(), inputShapes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	in := res[g.Inputs[0].GetName()]
	if !in.Static() || len(in.Shape) != 4 || in.Shape[1] != 3 {
		return nil, nil, nil, fmt.Errorf("%s: input %q is %s; want a static 1x3xHxW (give --input-shape)", path, g.Inputs[0].GetName(), in)
	}
	return m, g, res, nil
}

// quantizedModel inserts Q/DQ into a copy of m and records weight ranges.
func quantizedModel(m *onnxio.Model, g *graph.Graph, plan *qdq.Plan, amax Scales, rep *Report) (*onnxio.Model, error) {
	out := &onnxio.Model{Proto: proto.Clone(m.Proto).(*onnxpb.ModelProto)}
	og, err := graph.New(out.Proto.Graph)
	if err != nil {
		return nil, err
	}
	if rep != nil {
		names := make([]string, 0, len(plan.Weights))
		for n := range plan.Weights {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			w := plan.Weights[n]
			a, err := qdq.WeightAmax(g.Initializers[n], w.Axis)
			if err != nil {
				return nil, err
			}
			rep.Weights = append(rep.Weights, WeightReport{Name: n, Axis: w.Axis, Amax: a})
		}
	}
	if err := qdq.Insert(og, plan, amax); err != nil {
		return nil, err
	}
	// Nodes were appended; keep the file in topological order for tools
	// that expect it.
	sorted, err := graph.New(out.Proto.Graph)
	if err != nil {
		return nil, err
	}
	nodes := make([]*onnxpb.NodeProto, len(sorted.Order))
	for k, i := range sorted.Order {
		nodes[k] = out.Proto.Graph.Node[i]
	}
	out.Proto.Graph.Node = nodes
	return out, nil
}

// writeOutputs writes the Q/DQ model, the cache and the report, each
// atomically.
func writeOutputs(o Options, out *onnxio.Model, amax Scales, method Method, v TensorRTVersion, rep *Report) error {
	if err := out.Save(o.Out, onnxio.SaveOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "wrote %s (%d activations, %d weights quantized)\n", o.Out, countQ(out), len(rep.Weights))
	if o.Cache != "" {
		c := &Cache{Version: v.Code(), Calibrator: CalibratorClass(method), Scales: map[string]float32{}}
		for n, a := range amax {
			c.Scales[n] = Scale(a)
		}
		var buf bytes.Buffer
		if err := WriteCache(&buf, c); err != nil {
			return err
		}
		if err := atomicfile.WriteBytes(o.Cache, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(o.Stdout, "wrote %s (%d tensors, %s)\n", o.Cache, len(c.Scales), strings.SplitN(buf.String(), "\n", 2)[0])
	}
	if o.Report != "" {
		data, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteBytes(o.Report, append(data, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(o.Stdout, "wrote %s\n", o.Report)
	}
	return nil
}

func countQ(m *onnxio.Model) int {
	n := 0
	for _, node := range m.Proto.Graph.Node {
		if node.GetOpType() == "QuantizeLinear" {
			n++
		}
	}
	return n
}

// cacheToQDQ builds a Q/DQ model from a TensorRT cache, no data needed.
func cacheToQDQ(o Options, exclude []*regexp.Regexp) error {
	c, err := readCacheFile(o.FromCache)
	if err != nil {
		return err
	}
	m, g, res, err := loadForQDQ(o.Model, o.InputShapes)
	if err != nil {
		return err
	}
	plan, err := qdq.NewPlan(g, res, qdq.ExcludeMatching(exclude))
	if err != nil {
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	amax := Scales{}
	var missing []string
	for _, s := range plan.Activations {
		sc, ok := c.Scales[s.Tensor]
		if !ok {
			missing = append(missing, s.Tensor)
			continue
		}
		amax[s.Tensor] = float64(sc) * 127
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: no scale for %d tensors the model quantizes: %s", o.FromCache, len(missing), list(missing))
	}
	known := map[string]bool{}
	for _, n := range activationTensors(g, res) {
		known[n] = true
	}
	var extra []string
	for n := range c.Scales {
		if !known[n] {
			extra = append(extra, n)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		fmt.Fprintf(o.Stderr, "warning: %s names %d tensors that %s lacks (ignored): %s\n", o.FromCache, len(extra), o.Model, list(extra))
	}
	method := Entropy
	if c.Calibrator == CalibratorClass(MinMax) {
		method = MinMax
	}
	rep := &Report{Method: string(method)}
	out, err := quantizedModel(m, g, plan, amax, rep)
	if err != nil {
		return err
	}
	o.Cache, o.Report = "", ""
	return writeOutputs(o, out, amax, method, DefaultTensorRT, rep)
}

// qdqToCache reads the activation scales of a Q/DQ model into a cache.
func qdqToCache(o Options, v TensorRTVersion) error {
	m, err := onnxio.Load(o.FromQDQ)
	if err != nil {
		return err
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		return fmt.Errorf("%s: %w", o.FromQDQ, err)
	}
	c := &Cache{Version: v.Code(), Calibrator: CalibratorClass(Entropy), Scales: map[string]float32{}}
	for _, n := range g.Proto.Node {
		if n.GetOpType() != "QuantizeLinear" || len(n.Input) < 2 {
			continue
		}
		if _, isWeight := g.Initializers[n.Input[0]]; isWeight {
			continue
		}
		st, ok := g.Initializers[n.Input[1]]
		if !ok {
			return fmt.Errorf("%s: node %s: scale %q is not an initializer", o.FromQDQ, graph.NodeName(n), n.Input[1])
		}
		vals, err := graph.Float64s(st)
		if err != nil || len(vals) != 1 {
			return fmt.Errorf("%s: node %s: activation scale must be one float (per tensor)", o.FromQDQ, graph.NodeName(n))
		}
		c.Scales[n.Input[0]] = float32(vals[0])
	}
	if len(c.Scales) == 0 {
		return fmt.Errorf("%s: no QuantizeLinear on activations: not a Q/DQ model", o.FromQDQ)
	}
	var buf bytes.Buffer
	if err := WriteCache(&buf, c); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(o.Cache, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "wrote %s (%d tensors)\n", o.Cache, len(c.Scales))
	return nil
}

func readCacheFile(path string) (*Cache, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	defer f.Close()
	c, err := ReadCache(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func list(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(" and %d more", len(names)-8)
	}
	return strings.Join(names, ", ")
}
