// Package inspect implements `segtrt inspect`: what a model takes and gives,
// its size and cost, and the patterns segtrt can fuse.
package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/onnx/cost"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/patterns"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Options are the inputs of one inspect run.
type Options struct {
	Model       string
	InputShapes map[string][]int64
	JSON        bool
	Stdout      io.Writer
	// OptionName spells an option's field name for notes and errors
	// (opterr); nil keeps the field name.
	OptionName func(field string) string
}

// Report is what inspect prints; its JSON form is a contract (docs/inspect-json.md).
type Report struct {
	Model     string           `json:"model"`
	IRVersion int64            `json:"ir_version"`
	Opset     int64            `json:"opset"`
	Producer  string           `json:"producer"`
	Inputs    []Tensor         `json:"inputs"`
	Outputs   []Tensor         `json:"outputs"`
	Nodes     int              `json:"nodes"`
	OpCounts  map[string]int   `json:"op_counts"`
	Params    int64            `json:"params"`
	MACs      *int64           `json:"macs"`
	MACsByOp  map[string]int64 `json:"macs_by_op"`
	// MACsPartial: some nodes had no known shapes (below an op segtrt's
	// shape inference has no rule for) and are not counted.
	MACsPartial bool       `json:"macs_partial,omitempty"`
	SPGExcite   []SPGSite  `json:"spg_excitation"`
	Pooling     []PoolSite `json:"pooling"`
	Notes       []string   `json:"notes,omitempty"`

	notes []*opterr.Error // Notes before option names are spelled
}

// spellNotes writes Notes with options named by name (nil: field names).
func (r *Report) spellNotes(name func(string) string) {
	if name == nil {
		name = func(f string) string { return f }
	}
	r.Notes = nil
	for _, n := range r.notes {
		r.Notes = append(r.Notes, n.Render(name))
	}
}

// Tensor describes a graph input or output; -1 is an unknown dimension.
type Tensor struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

// SPGSite is one SPG excitation y = x + sigmoid(g) * t.
type SPGSite struct {
	Add   string  `json:"add_node"`
	X     string  `json:"x"`
	G     string  `json:"g"`
	T     string  `json:"t"`
	Shape []int64 `json:"shape,omitempty"`
}

// PoolSite is one global or inference average-pooling site.
type PoolSite struct {
	Node    string   `json:"node"`
	Kind    string   `json:"kind"`
	Feature [2]int64 `json:"feature_hw"`
	Kernel  [2]int64 `json:"kernel_hw"`
	Resized bool     `json:"resized_back"`
}

// Run inspects opts.Model and prints the report.
func Run(ctx context.Context, opts Options) error {
	rep, err := Inspect(opts.Model, opts.InputShapes)
	if err != nil {
		return err
	}
	rep.spellNotes(opts.OptionName)
	if opts.JSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(opts.Stdout)
}

// Inspect loads a model and computes its report.
func Inspect(path string, inputShapes map[string][]int64) (*Report, error) {
	m, err := onnxio.Load(path)
	if err != nil {
		return nil, err
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep := &Report{
		Model:     path,
		IRVersion: m.Proto.GetIrVersion(),
		Opset:     m.Opset(),
		Producer:  join(m.Proto.GetProducerName(), m.Proto.GetProducerVersion()),
		Nodes:     len(g.Proto.Node),
		OpCounts:  map[string]int{},
		Params:    cost.Params(g),
		MACsByOp:  map[string]int64{},
	}
	for _, n := range g.Proto.Node {
		op := n.GetOpType()
		if d := n.GetDomain(); d != "" && d != "ai.onnx" {
			op = d + "." + op
		}
		rep.OpCounts[op]++
	}
	res, err := inferShapes(path, m, g, inputShapes, rep)
	if err != nil {
		return nil, err
	}
	for _, in := range g.Inputs {
		rep.Inputs = append(rep.Inputs, describe(in, res))
	}
	for _, out := range g.Proto.Output {
		rep.Outputs = append(rep.Outputs, describe(out, res))
	}
	if res != nil {
		macs, err := cost.CountMACsPartial(g, res)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rep.MACs, rep.MACsByOp, rep.MACsPartial = &macs.Total, macs.ByOp, macs.Partial
	}
	for _, s := range patterns.FindSPGExcite(g, res) {
		site := SPGSite{Add: g.Node(s.Add).GetName(), X: s.X, G: s.G, T: s.T}
		if v := res[s.X]; v != nil {
			site.Shape = v.Shape
		}
		rep.SPGExcite = append(rep.SPGExcite, site)
	}
	for _, p := range patterns.FindPooling(g, res) {
		rep.Pooling = append(rep.Pooling, PoolSite{
			Node: g.Node(p.Node).GetName(), Kind: string(p.Kind),
			Feature: p.Feature, Kernel: p.Kernel, Resized: p.Resize >= 0,
		})
	}
	rep.spellNotes(nil)
	return rep, nil
}

// inferShapes runs shape inference when every input shape is known. A model
// with dynamic inputs and no input shapes given still gets the shape-free parts
// of the report, with a note; any other failure is an error.
func inferShapes(path string, m *onnxio.Model, g *graph.Graph, given map[string][]int64, rep *Report) (shapes.Result, error) {
	for _, in := range g.Inputs {
		if _, ok := given[in.GetName()]; ok {
			continue
		}
		for _, d := range in.GetType().GetTensorType().GetShape().GetDim() {
			if d.GetDimValue() <= 0 {
				note, _ := opterr.As(opterr.Hintf("input %q has dynamic dimensions: give {InputShapes} %s:1x3xHxW for shapes and MACs", in.GetName(), in.GetName()))
				rep.notes = append(rep.notes, note)
				return nil, nil
			}
		}
	}
	// Best effort: an op without a rule leaves the shapes below it unknown
	// (ONNX Runtime and TensorRT may well run it); inspect says so.
	res, unknown, err := shapes.InferPartial(g, m.Opset(), given)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(unknown) > 0 {
		note, _ := opterr.As(opterr.Hintf("%s", "no shape inference for "+strings.Join(unknown, ", ")+": shapes below it are unknown and MACs are partial"))
		rep.notes = append(rep.notes, note)
	}
	return res, nil
}

func describe(vi *onnxpb.ValueInfoProto, res shapes.Result) Tensor {
	t := Tensor{Name: vi.GetName()}
	tt := vi.GetType().GetTensorType()
	t.DType = onnxpb.TensorProto_DataType(tt.GetElemType()).String()
	if v := res[vi.GetName()]; v != nil && v.Shape != nil {
		t.Shape = v.Shape
		return t
	}
	t.Shape = []int64{}
	for _, d := range tt.GetShape().GetDim() {
		if d.GetDimValue() > 0 {
			t.Shape = append(t.Shape, d.GetDimValue())
		} else {
			t.Shape = append(t.Shape, -1)
		}
	}
	return t
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
