package calib

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/qdq"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Scales maps tensor names to amax.
type Scales = qdq.Scales

// loadForQDQ loads a model for quantization and infers its shapes, as far
// as segtrt's shape inference goes: unknown names the ops it has no rule
// for, below which activations have no known type and stay float.
func loadForQDQ(path string, inputShapes map[string][]int64) (m *onnxio.Model, g *graph.Graph, res shapes.Result, unknown []string, err error) {
	m, err = onnxio.Load(path)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if v := m.Opset(); v < qdq.MinOpset {
		return nil, nil, nil, nil, fmt.Errorf("%s: opset %d; per-channel Q/DQ needs opset >= %d (export with --opset 13 or newer)", path, v, qdq.MinOpset)
	}
	g, err = graph.New(m.Proto.Graph)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(g.Inputs) != 1 {
		return nil, nil, nil, nil, fmt.Errorf("%s: %d inputs; segtrt calibrates image models with one", path, len(g.Inputs))
	}
	res, unknown, err = shapes.InferPartial(g, m.Opset(), inputShapes)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	in := res[g.Inputs[0].GetName()]
	if len(in.Shape) == 4 && (in.Shape[1] == 3 || in.Shape[1] < 0) && !in.Static() && len(inputShapes) == 0 {
		return nil, nil, nil, nil, &shapes.DynamicInput{Model: path, Input: g.Inputs[0].GetName()}
	}
	if !in.Static() || len(in.Shape) != 4 || in.Shape[1] != 3 {
		return nil, nil, nil, nil, fmt.Errorf("%s: %w", path, opterr.Hintf("input %q is %s; want a static 1x3xHxW (give {InputShapes})", g.Inputs[0].GetName(), in))
	}
	return m, g, res, unknown, nil
}

// checkExternal refuses outputs that are one of m's external-data files
// (read as the model's weights), once the model is read.
func checkExternal(m *onnxio.Model, outs ...pathcheck.Path) error {
	if len(m.External) == 0 {
		return nil
	}
	paths := outs
	for _, f := range m.ExternalFiles() {
		paths = append(paths, pathcheck.In("Model", f))
	}
	return pathcheck.Check(paths...)
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
	sorted.SortNodes()
	return out, nil
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
