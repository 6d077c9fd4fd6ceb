package passes

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// FP16 (segtrt export --fp16) rewrites a float32 model into the FP16 ONNX
// that strongly typed TensorRT (11, or 10 with a strongly typed network)
// builds in half precision: TensorRT then takes every tensor's type from
// the model, so the model itself must say which ops run in float16.
//
// What runs in float16: every op of the default domain (and segtrt's
// SPGExcite and AvgPoolInfer plugins, which support FP16 and accumulate in
// float) whose float32 inputs are data. Its weights become float16
// initializers, its float inputs from float32 tensors get a Cast.
//
// What stays float32, and why (FP16Keep):
//   - graph inputs and outputs: callers feed and read float32, and a final
//     Cast back to float32 costs nothing next to the network;
//   - Softmax and LogSoftmax: exponentials overflow float16 (max 65504);
//   - reductions and global pooling (ReduceMean, ReduceSum, ...,
//     GlobalAveragePool) and AveragePool with a window of more than 64
//     elements: long sums lose precision in float16;
//   - Exp, Log, Pow, normalisations (LayerNormalization, ...): range;
//   - Cast, Constant and ops of unknown domains: their types are their own.
//
// Resize runs in float16 (bilinear and nearest interpolation only mix
// neighbouring values, so they add no error beyond the input's rounding);
// its roi and scales inputs keep their float32 type, as ONNX requires.
// Models with Q/DQ nodes are refused: quantise the float model instead.
//
// Emulate selects the CPU emulation of the same model: every tensor stays
// float32, but each value the FP16 model would hold in float16 (weights,
// activations out of float16 ops, casts into them) is rounded to float16
// through a Cast float->float16->float pair, so ONNX Runtime on a CPU
// measures FP16's accuracy cost with the same rounding points.
type FP16Options struct {
	Emulate bool
}

// FP16Summary says what ConvertFP16 did.
type FP16Summary struct {
	// Half lists the nodes that run in float16.
	Half int
	// Kept lists the nodes kept in float32: "name (Op): reason".
	Kept []string
	// Initializers converted (or, emulating, rounded).
	Initializers int
	// Casts inserted.
	Casts int
	// Clamped counts weights beyond float16's range, clamped to ±65504.
	Clamped int
}

// FP16Keep is why an op stays float32; ops absent from the map may run in
// float16.
var FP16Keep = map[string]string{
	"Softmax":                   "exponentials overflow float16",
	"LogSoftmax":                "exponentials overflow float16",
	"ReduceMean":                "long sum",
	"ReduceSum":                 "long sum",
	"ReduceSumSquare":           "long sum",
	"ReduceL1":                  "long sum",
	"ReduceL2":                  "long sum",
	"ReduceLogSum":              "long sum",
	"ReduceLogSumExp":           "long sum of exponentials",
	"ReduceProd":                "range",
	"GlobalAveragePool":         "long sum",
	"GlobalLpPool":              "long sum",
	"LpNormalization":           "long sum",
	"LayerNormalization":        "mean and variance over many values",
	"InstanceNormalization":     "mean and variance over many values",
	"GroupNormalization":        "mean and variance over many values",
	"MeanVarianceNormalization": "mean and variance over many values",
	"Exp":                       "range",
	"Log":                       "range",
	"Pow":                       "range",
	"CumSum":                    "long sum",
	"Cast":                      "its output type is its own",
	"Constant":                  "its output type is its own",
	"ConstantOfShape":           "its output type is its own",
	"RandomNormal":              "its output type is its own",
	"RandomUniform":             "its output type is its own",
	"EyeLike":                   "its output type is its own",
}

// fp16NotData are input positions that keep their type in a float16 op.
var fp16NotData = map[string]map[int]bool{
	"Resize":   {1: true, 2: true}, // roi, scales
	"Upsample": {1: true},          // scales
}

// fp16AnyType ops accept any element type: they read whichever version of
// a tensor exists, without a Cast.
var fp16AnyType = map[string]bool{"Shape": true, "Size": true}

// maxAvgPoolArea is the largest AveragePool window kept in float16.
const maxAvgPoolArea = 64

// ConvertFP16 rewrites m (whose shapes and types res describes, from
// shapes.Infer on the same graph) in place.
func ConvertFP16(m *onnxpb.ModelProto, g *graph.Graph, res shapes.Result, opts FP16Options) (FP16Summary, error) {
	var sum FP16Summary
	for _, n := range m.Graph.Node {
		if n.GetOpType() == "QuantizeLinear" || n.GetOpType() == "DequantizeLinear" {
			return sum, fmt.Errorf("node %s: FP16 conversion needs a float model; this one has Q/DQ nodes (quantise the float model instead)", graph.NodeName(n))
		}
	}
	c := &fp16Converter{
		m: m, g: g, res: res, emulate: opts.Emulate, sum: &sum,
		as16: map[string]string{}, as32: map[string]string{}, used: map[string]bool{},
	}
	for _, in := range m.Graph.Input {
		c.used[in.GetName()] = true
	}
	for _, t := range m.Graph.Initializer {
		c.used[t.GetName()] = true
	}
	for _, n := range m.Graph.Node {
		for _, o := range n.Output {
			c.used[o] = true
		}
	}
	for name, v := range res {
		if v.DType == onnxpb.TensorProto_FLOAT && (g.Initializers[name] != nil || isGraphInput(g, name)) {
			c.as32[name] = name
		}
	}
	var nodes []*onnxpb.NodeProto
	for _, i := range g.Order {
		n := g.Node(i)
		pre, post, err := c.node(n)
		if err != nil {
			return sum, err
		}
		nodes = append(nodes, pre...)
		nodes = append(nodes, n)
		nodes = append(nodes, post...)
	}
	// Graph outputs are float32 under their own names (float16 producers
	// already wrote them through a Cast).
	m.Graph.Node = nodes
	m.Graph.Initializer = append(m.Graph.Initializer, c.newInits...)
	dropUnusedInitializers(m.Graph)
	if !c.emulate {
		for _, vi := range m.Graph.ValueInfo {
			if c.as16[vi.GetName()] == vi.GetName() {
				if tt := vi.GetType().GetTensorType(); tt != nil {
					tt.ElemType = proto.Int32(int32(onnxpb.TensorProto_FLOAT16))
				}
			}
		}
	}
	sort.Strings(sum.Kept)
	return sum, nil
}

type fp16Converter struct {
	m        *onnxpb.ModelProto
	g        *graph.Graph
	res      shapes.Result
	emulate  bool
	sum      *FP16Summary
	as16     map[string]string // tensor -> name of its float16 version
	as32     map[string]string // tensor -> name of its float32 version
	used     map[string]bool
	newInits []*onnxpb.TensorProto
}

func isGraphInput(g *graph.Graph, name string) bool {
	for _, in := range g.Inputs {
		if in.GetName() == name {
			return true
		}
	}
	return false
}

func (c *fp16Converter) isFloat(name string) bool {
	v := c.res[name]
	return name != "" && v != nil && v.DType == onnxpb.TensorProto_FLOAT
}

// fresh returns an unused value name based on name.
func (c *fp16Converter) fresh(name string) string {
	for i := 0; ; i++ {
		s := name
		if i > 0 {
			s = fmt.Sprintf("%s_%d", name, i)
		}
		if !c.used[s] {
			c.used[s] = true
			return s
		}
	}
}

// keepReason says why n stays float32, or "" if it runs in float16.
func (c *fp16Converter) keepReason(n *onnxpb.NodeProto) string {
	op := n.GetOpType()
	switch n.GetDomain() {
	case "", "ai.onnx":
	case Domain:
		if op == SPGExciteOp || op == AvgPoolOp {
			break
		}
		return "unknown segtrt op"
	default:
		return "op of domain " + n.GetDomain()
	}
	if r, ok := FP16Keep[op]; ok {
		return r
	}
	if op == "AveragePool" {
		area := int64(1)
		for _, k := range graph.AttrInts(n, "kernel_shape") {
			area *= k
		}
		if area > maxAvgPoolArea {
			return fmt.Sprintf("%d-element window: long sum", area)
		}
	}
	hasData, hasOut := false, false
	for i, in := range n.Input {
		if c.isFloat(in) && !fp16NotData[op][i] {
			hasData = true
		}
	}
	for _, o := range n.Output {
		hasOut = hasOut || c.isFloat(o)
	}
	if !hasData || !hasOut || fp16AnyType[op] {
		return "-" // not a float op: nothing to say
	}
	return ""
}

// node rewires n's inputs to the versions it needs and names its outputs;
// pre and post are the Casts to put before and after it.
func (c *fp16Converter) node(n *onnxpb.NodeProto) (pre, post []*onnxpb.NodeProto, err error) {
	reason := c.keepReason(n)
	half := reason == ""
	if reason != "" && reason != "-" {
		c.sum.Kept = append(c.sum.Kept, fmt.Sprintf("%s: %s", graph.NodeName(n), reason))
	}
	op := n.GetOpType()
	for i, in := range n.Input {
		if in == "" || c.res[in] == nil || c.res[in].DType != onnxpb.TensorProto_FLOAT {
			continue
		}
		if fp16AnyType[op] {
			if f, ok := c.as32[in]; ok {
				n.Input[i] = f
			} else {
				n.Input[i] = c.as16[in]
			}
			continue
		}
		var name string
		var casts []*onnxpb.NodeProto
		if half && !fp16NotData[op][i] {
			name, casts, err = c.to16(in)
		} else {
			name, casts = c.to32(in)
		}
		if err != nil {
			return nil, nil, err
		}
		n.Input[i] = name
		pre = append(pre, casts...)
	}
	for k, o := range n.Output {
		if !c.isFloat(o) {
			continue
		}
		if !half {
			c.as32[o] = o
			continue
		}
		switch {
		case c.emulate:
			// Compute in float32, then round to float16 under o's name.
			raw := c.fresh(o + "_f32")
			n.Output[k] = raw
			round := c.rounding(raw, o)
			post = append(post, round...)
			c.as16[o], c.as32[o] = o, o
		case c.g.IsOutput(o):
			h := c.fresh(o + "_fp16")
			n.Output[k] = h
			post = append(post, c.cast(h, o, onnxpb.TensorProto_FLOAT))
			c.as16[o], c.as32[o] = h, o
		default:
			c.as16[o] = o
		}
	}
	if half {
		c.sum.Half++
	}
	return pre, post, nil
}

// to16 returns x's float16 version, making it if needed.
func (c *fp16Converter) to16(x string) (string, []*onnxpb.NodeProto, error) {
	if h, ok := c.as16[x]; ok {
		return h, nil, nil
	}
	if t := c.g.Initializers[x]; t != nil {
		conv, clamped, err := halfInitializer(t, c.fresh(x+"_fp16"), c.emulate)
		if err != nil {
			return "", nil, err
		}
		c.sum.Initializers++
		c.sum.Clamped += clamped
		c.newInits = append(c.newInits, conv)
		c.as16[x] = conv.GetName()
		return conv.GetName(), nil, nil
	}
	src := c.as32[x]
	if src == "" {
		return "", nil, fmt.Errorf("value %q has no float32 version to cast from", x)
	}
	h := c.fresh(x + "_fp16")
	var nodes []*onnxpb.NodeProto
	if c.emulate {
		nodes = c.rounding(src, h)
	} else {
		nodes = []*onnxpb.NodeProto{c.cast(src, h, onnxpb.TensorProto_FLOAT16)}
	}
	c.as16[x] = h
	return h, nodes, nil
}

// to32 returns x's float32 version.
func (c *fp16Converter) to32(x string) (string, []*onnxpb.NodeProto) {
	if f, ok := c.as32[x]; ok {
		return f, nil
	}
	f := c.fresh(x + "_fp32")
	c.as32[x] = f
	return f, []*onnxpb.NodeProto{c.cast(c.as16[x], f, onnxpb.TensorProto_FLOAT)}
}

func (c *fp16Converter) cast(in, out string, to onnxpb.TensorProto_DataType) *onnxpb.NodeProto {
	c.sum.Casts++
	return &onnxpb.NodeProto{
		Name: proto.String(out + "/Cast"), OpType: proto.String("Cast"), Input: []string{in}, Output: []string{out},
		Attribute: []*onnxpb.AttributeProto{intAttr("to", int64(to))},
	}
}

// rounding is the emulation's Cast float->float16->float pair.
func (c *fp16Converter) rounding(in, out string) []*onnxpb.NodeProto {
	mid := c.fresh(out + "_half")
	return []*onnxpb.NodeProto{c.cast(in, mid, onnxpb.TensorProto_FLOAT16), c.cast(mid, out, onnxpb.TensorProto_FLOAT)}
}

// halfInitializer converts a float32 initializer to float16 (or, for the
// emulation, to float32 values rounded to float16), clamping values out
// of float16's range.
func halfInitializer(t *onnxpb.TensorProto, name string, emulate bool) (*onnxpb.TensorProto, int, error) {
	vals, err := graph.Float64s(t)
	if err != nil {
		return nil, 0, err
	}
	out := &onnxpb.TensorProto{Name: proto.String(name), Dims: append([]int64{}, t.Dims...)}
	clamped := 0
	if emulate {
		out.DataType = proto.Int32(int32(onnxpb.TensorProto_FLOAT))
		out.RawData = make([]byte, 4*len(vals))
	} else {
		out.DataType = proto.Int32(int32(onnxpb.TensorProto_FLOAT16))
		out.RawData = make([]byte, 2*len(vals))
	}
	for i, v := range vals {
		h := Float32ToHalf(float32(v))
		if math.Abs(v) > 65504 && !math.IsInf(v, 0) {
			clamped++
			h = Float32ToHalf(float32(math.Copysign(65504, v)))
		}
		if emulate {
			binary.LittleEndian.PutUint32(out.RawData[4*i:], math.Float32bits(graph.HalfToFloat32(h)))
		} else {
			binary.LittleEndian.PutUint16(out.RawData[2*i:], h)
		}
	}
	return out, clamped, nil
}

// dropUnusedInitializers removes initializers no node or output reads.
func dropUnusedInitializers(g *onnxpb.GraphProto) {
	used := map[string]bool{}
	for _, n := range g.Node {
		for _, in := range n.Input {
			used[in] = true
		}
	}
	for _, o := range g.Output {
		used[o.GetName()] = true
	}
	inputs := map[string]bool{}
	for _, in := range g.Input {
		inputs[in.GetName()] = true
	}
	var keep []*onnxpb.TensorProto
	for _, t := range g.Initializer {
		if used[t.GetName()] || inputs[t.GetName()] {
			keep = append(keep, t)
		}
	}
	g.Initializer = keep
}

// Float32ToHalf converts to IEEE 754 binary16 bits, rounding to nearest
// even, as a GPU's conversion does; out-of-range values become ±Inf.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp == 0: // float32 zero or subnormal: far below float16's range
		return sign
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half: shift the mantissa (with its hidden bit) right.
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		half := m >> shift
		rem := m & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, up to Inf: correct
	}
	return sign | uint16(half)
}

// FP16KeptSummary groups Kept by op type for a one-line summary, e.g.
// "Softmax 1, GlobalAveragePool 2".
func FP16KeptSummary(kept []string) string {
	counts := map[string]int{}
	for _, k := range kept {
		op := "?"
		if i := strings.LastIndex(k, " ("); i >= 0 {
			if j := strings.Index(k[i:], ")"); j > 0 {
				op = k[i+2 : i+j]
			}
		}
		counts[op]++
	}
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, counts[op])
	}
	return strings.Join(parts, ", ")
}
