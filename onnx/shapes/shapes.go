// Package shapes infers the element type and shape of every value in an
// ONNX graph, for the ops torch.onnx emits for segmentation networks. Small
// integer tensors (the Shape -> Gather -> Concat chains torch uses to size
// Resize and Reshape) also carry their values, so shapes that depend on them
// resolve to numbers. An unknown dimension is -1.
package shapes

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// maxKnownElems bounds value propagation: shape arithmetic needs a handful
// of numbers, never the weights.
const maxKnownElems = 64

// Value is what inference knows about one tensor.
type Value struct {
	DType graph.DataType
	// Shape is nil when even the rank is unknown; a -1 entry is an unknown
	// dimension.
	Shape []int64
	// Ints or Floats hold the values of small tensors whose values are
	// known (row-major), for integer and float types respectively.
	Ints   []int64
	Floats []float64
}

// Known reports whether v's values are known.
func (v *Value) Known() bool { return v != nil && (v.Ints != nil || v.Floats != nil) }

// Static reports whether every dimension is known.
func (v *Value) Static() bool {
	if v == nil || v.Shape == nil {
		return false
	}
	for _, d := range v.Shape {
		if d < 0 {
			return false
		}
	}
	return true
}

// String formats the shape as 1x3x224x224 ("?" for unknown dims).
func (v *Value) String() string {
	if v == nil || v.Shape == nil {
		return "?"
	}
	return FormatShape(v.Shape)
}

// FormatShape writes dims as 1x3x224x224, "?" for unknown, "scalar" for rank 0.
func FormatShape(dims []int64) string {
	if len(dims) == 0 {
		return "scalar"
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return strings.Join(parts, "x")
}

// Result maps value names to what was inferred.
type Result map[string]*Value

// Infer walks g in topological order. inputs overrides the shapes of graph
// inputs (for models with dynamic dimensions). opset is the default-domain
// opset version, which changes where some ops keep their parameters.
func Infer(g *graph.Graph, opset int64, inputs map[string][]int64) (Result, error) {
	res, _, err := walk(g, opset, inputs, false)
	return res, err
}

// InferPartial is Infer that does not stop at an op it has no rule for:
// that node's outputs, and those of every node fed by a value of unknown
// rank, get unknown shapes (a nil Shape), and the walk goes on. unknown
// names each op without a rule once (`GridSample (at node "gs")`), in graph
// order. A known op whose output shape depends on values known only at run
// time (Resize to a dynamic input's size) also gets unknown outputs, without
// a mention. Structural errors (a shape a known op rules out) still fail.
func InferPartial(g *graph.Graph, opset int64, inputs map[string][]int64) (res Result, unknown []string, err error) {
	return walk(g, opset, inputs, true)
}

// hasRule says whether inference knows n's op.
func hasRule(n *onnxpb.NodeProto) bool {
	switch dom := n.GetDomain(); dom {
	case "segtrt":
		_, ok := pluginOps[n.GetOpType()]
		return ok
	case "", "ai.onnx":
		_, ok := ops[n.GetOpType()]
		return ok
	}
	return false
}

func walk(g *graph.Graph, opset int64, inputs map[string][]int64, partial bool) (Result, []string, error) {
	res := Result{}
	var unknown []string
	for name := range inputs {
		found := false
		for _, in := range g.Inputs {
			found = found || in.GetName() == name
		}
		if !found {
			names := make([]string, 0, len(g.Inputs))
			for _, in := range g.Inputs {
				names = append(names, in.GetName())
			}
			sort.Strings(names)
			return nil, nil, opterr.Hintf("{InputShapes} names %q, but the model's inputs are %s", name, strings.Join(names, ", "))
		}
	}
	for _, in := range g.Inputs {
		v := fromValueInfo(in)
		if s, ok := inputs[in.GetName()]; ok {
			if v.Shape != nil && len(v.Shape) != len(s) {
				return nil, nil, opterr.Hintf("{InputShapes} %s: rank %d, but the model's input has rank %d (%s)", in.GetName(), len(s), len(v.Shape), v)
			}
			for i, d := range v.Shape {
				if d >= 0 && d != s[i] {
					return nil, nil, opterr.Hintf("{InputShapes} %s:%s does not match the model's fixed input shape %s", in.GetName(), FormatShape(s), v)
				}
			}
			v.Shape = append([]int64(nil), s...)
		}
		res[in.GetName()] = v
	}
	for name, t := range g.Initializers {
		v, err := FromTensor(t)
		if err != nil {
			return nil, nil, fmt.Errorf("initializer %q: %w", name, err)
		}
		res[name] = v
	}
	seenOp := map[string]bool{}
	for _, i := range g.Order {
		n := g.Node(i)
		if partial && (!hasRule(n) || feedsUnknown(n, res)) {
			if !hasRule(n) && !seenOp[n.GetOpType()] {
				seenOp[n.GetOpType()] = true
				unknown = append(unknown, fmt.Sprintf("%s (at node %q)", n.GetOpType(), n.GetName()))
			}
			for _, out := range n.Output {
				if out != "" {
					res[out] = &Value{}
				}
			}
			continue
		}
		c := &ctx{node: n, opset: opset, res: res}
		for _, in := range n.Input {
			if in == "" {
				c.in = append(c.in, nil)
				continue
			}
			c.in = append(c.in, res[in])
		}
		if err := c.infer(); err != nil {
			var nv *needsValue
			if partial && errors.As(err, &nv) {
				// A size computed at run time (Resize to a dynamic
				// input's size): unknown here, not a defect.
				for _, out := range n.Output {
					if out != "" {
						res[out] = &Value{}
					}
				}
				continue
			}
			return nil, nil, &graph.NodeError{Node: n, Msg: err.Error()}
		}
		for j, out := range n.Output {
			if out == "" {
				continue
			}
			if j >= len(c.out) || c.out[j] == nil {
				return nil, nil, &graph.NodeError{Node: n, Msg: fmt.Sprintf("no shape inferred for output %d", j)}
			}
			res[out] = c.out[j]
		}
	}
	return res, unknown, nil
}

// feedsUnknown says whether a (non-empty) input of n has unknown rank:
// only reachable in partial inference, below an op without a rule.
func feedsUnknown(n *onnxpb.NodeProto, res Result) bool {
	for _, in := range n.Input {
		if v, ok := res[in]; in != "" && ok && v.Shape == nil && !v.Known() && v.DType == 0 {
			return true
		}
	}
	return false
}

func fromValueInfo(vi *onnxpb.ValueInfoProto) *Value {
	tt := vi.GetType().GetTensorType()
	v := &Value{DType: graph.DataType(tt.GetElemType())}
	if tt.GetShape() != nil {
		v.Shape = make([]int64, len(tt.GetShape().GetDim()))
		for i, d := range tt.GetShape().GetDim() {
			if dv, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && dv.DimValue > 0 {
				v.Shape[i] = dv.DimValue
			} else {
				v.Shape[i] = -1
			}
		}
	}
	return v
}

// FromTensor describes a constant tensor, with its values when it is small.
func FromTensor(t *onnxpb.TensorProto) (*Value, error) {
	if t == nil {
		// A Constant's "value" attribute of another type decodes to no tensor.
		return nil, fmt.Errorf("no tensor where one is needed")
	}
	dt := graph.DataType(t.GetDataType())
	v := &Value{DType: dt, Shape: append([]int64{}, t.Dims...)}
	if graph.NumElements(t.Dims) > maxKnownElems || dt == onnxpb.TensorProto_STRING {
		return v, nil
	}
	if graph.IsFloat(dt) {
		f, err := graph.Float64s(t)
		if err != nil {
			return nil, err
		}
		v.Floats = f
		return v, nil
	}
	i, err := graph.Int64s(t)
	if err != nil {
		return nil, err
	}
	v.Ints = i
	return v, nil
}

// needsValue is the error of a rule that needs the values of an input
// that are known only at run time.
type needsValue struct {
	input int
	name  string
}

func (e *needsValue) Error() string {
	return fmt.Sprintf("input %d (%q) must be a constant or computable from static shapes", e.input, e.name)
}

// ctx is one node's inference step.
type ctx struct {
	node  *onnxpb.NodeProto
	opset int64
	res   Result
	in    []*Value
	out   []*Value
}

func (c *ctx) input(i int) (*Value, error) {
	if i >= len(c.in) || c.in[i] == nil {
		return nil, fmt.Errorf("missing input %d", i)
	}
	return c.in[i], nil
}

// optional returns input i or nil when it is omitted or empty.
func (c *ctx) optional(i int) *Value {
	if i >= len(c.in) || c.in[i] == nil {
		return nil
	}
	v := c.in[i]
	if v.Shape != nil && len(v.Shape) == 1 && v.Shape[0] == 0 {
		return nil
	}
	return v
}

// ints returns the known integer values of input i.
func (c *ctx) ints(i int) ([]int64, error) {
	v, err := c.input(i)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Ints != nil:
		return v.Ints, nil
	case v.Floats != nil:
		out := make([]int64, len(v.Floats))
		for k, f := range v.Floats {
			out[k] = int64(f)
		}
		return out, nil
	}
	return nil, &needsValue{i, c.node.Input[i]}
}

func (c *ctx) floats(i int) ([]float64, error) {
	v, err := c.input(i)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Floats != nil:
		return v.Floats, nil
	case v.Ints != nil:
		out := make([]float64, len(v.Ints))
		for k, x := range v.Ints {
			out[k] = float64(x)
		}
		return out, nil
	}
	return nil, &needsValue{i, c.node.Input[i]}
}

func (c *ctx) set(vs ...*Value) { c.out = vs }

func (c *ctx) attr(name string) *onnxpb.AttributeProto { return graph.Attr(c.node, name) }

func (c *ctx) attrInt(name string, def int64) int64 { return graph.AttrInt(c.node, name, def) }

func (c *ctx) attrInts(name string) []int64 { return graph.AttrInts(c.node, name) }

func (c *ctx) attrString(name, def string) string { return graph.AttrString(c.node, name, def) }

// rank returns the known rank of input i.
func (c *ctx) rankOf(i int) (*Value, int, error) {
	v, err := c.input(i)
	if err != nil {
		return nil, 0, err
	}
	if v.Shape == nil {
		return nil, 0, fmt.Errorf("input %d (%q) has unknown rank", i, c.node.Input[i])
	}
	return v, len(v.Shape), nil
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis int64, rank int) (int, error) {
	if axis < 0 {
		axis += int64(rank)
	}
	if axis < 0 || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return int(axis), nil
}

// normAxes maps each of axes into [0, rank).
func normAxes(axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	for i, a := range axes {
		ax, err := normAxis(a, rank)
		if err != nil {
			return nil, err
		}
		out[i] = ax
	}
	return out, nil
}

// axisInput returns input i with its rank and the node's "axis"
// attribute (default 0) mapped into [0, rank): the preamble of the ops
// that work along one axis.
func (c *ctx) axisInput(i int) (*Value, int, int, error) {
	v, r, err := c.rankOf(i)
	if err != nil {
		return nil, 0, 0, err
	}
	axis, err := normAxis(c.attrInt("axis", 0), r)
	return v, r, axis, err
}

func (c *ctx) infer() error {
	dom := c.node.GetDomain()
	op := c.node.GetOpType()
	if dom == "segtrt" {
		if f, ok := pluginOps[op]; ok {
			return f(c)
		}
		return fmt.Errorf("unknown segtrt plugin op %q", op)
	}
	if dom != "" && dom != "ai.onnx" {
		return fmt.Errorf("cannot infer shapes for op %s of domain %q", op, dom)
	}
	f, ok := ops[op]
	if !ok {
		return fmt.Errorf("cannot infer shapes for op %s (not one segtrt supports)", op)
	}
	return f(c)
}

// ops is filled by the files that implement each family of operators.
var ops = map[string]func(*ctx) error{}

var pluginOps = map[string]func(*ctx) error{}

func register(f func(*ctx) error, names ...string) {
	for _, n := range names {
		ops[n] = f
	}
}
