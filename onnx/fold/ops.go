package fold

import (
	"fmt"
	"math"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// call is one node being evaluated: its constant inputs (nil where
// omitted) and what shape inference says of its outputs, whose shapes the
// kernels take rather than derive a second time.
type call struct {
	node  *onnxpb.NodeProto
	opset int64
	in    []*tensor
	outs  []*shapes.Value
}

type kernel func(c *call) ([]*tensor, error)

var kernels = map[string]kernel{}

func register(k kernel, ops ...string) {
	for _, op := range ops {
		kernels[op] = k
	}
}

func init() {
	register(unary, "Relu", "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Reciprocal", "Exp", "Log",
		"Sigmoid", "Tanh", "Sign", "Round", "Erf", "Sin", "Cos", "Softplus", "Softsign",
		"LeakyRelu", "Elu", "HardSigmoid", "Not", "Clip")
	register(elementwise, "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "Sum", "Mean",
		"PRelu", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor")
	register(where, "Where")
	register(cast, "Cast", "CastLike")
	register(reduce, "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
		"ReduceSumSquare", "ReduceL1", "ReduceL2")
	// Ops that keep the data in row-major order and only name a new shape.
	register(reshaped, "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout")
	register(remapped, "Transpose", "Expand", "Tile", "Slice", "Gather")
	register(concat, "Concat")
	register(split, "Split")
	register(constantOfShape, "ConstantOfShape")
	register(rangeOp, "Range")
}

// out makes output j as inference describes it.
func (c *call) out(j int) (*tensor, error) {
	v := c.outs[j]
	if !v.Static() || !supported(v.DType) {
		return nil, fmt.Errorf("output %d is %s of type %s", j, v, v.DType)
	}
	return newTensor(v.DType, v.Shape), nil
}

func (c *call) attrF(name string, def float64) float64 {
	if a := graph.Attr(c.node, name); a != nil {
		return float64(a.GetF())
	}
	return def
}

// axis is the node's "axis" attribute (default 0) mapped into [0, rank).
func (c *call) axis(rank int) (int64, error) {
	axis := graph.AttrInt(c.node, "axis", 0)
	if axis < 0 {
		axis += int64(rank)
	}
	if axis < 0 || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", graph.AttrInt(c.node, "axis", 0), rank)
	}
	return axis, nil
}

func (c *call) ints(i int) ([]int64, error) {
	if i >= len(c.in) || c.in[i] == nil {
		return nil, nil
	}
	t := c.in[i]
	if t.f != nil {
		return nil, fmt.Errorf("input %d is not an integer tensor", i)
	}
	return t.i, nil
}

func unary(c *call) ([]*tensor, error) {
	x := c.in[0]
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	op := c.node.GetOpType()
	lo, hi := math.Inf(-1), math.Inf(1)
	if op == "Clip" {
		if c.opset < 11 {
			lo, hi = c.attrF("min", lo), c.attrF("max", hi)
		}
		if len(c.in) > 1 && c.in[1] != nil {
			lo = c.in[1].at(0)
		}
		if len(c.in) > 2 && c.in[2] != nil {
			hi = c.in[2].at(0)
		}
	}
	if y.f == nil && op != "Relu" && op != "Neg" && op != "Abs" && op != "Sign" && op != "Not" && op != "Clip" {
		return nil, fmt.Errorf("%s on %s", op, x.dt)
	}
	alpha := c.attrF("alpha", map[string]float64{"LeakyRelu": 0.01, "Elu": 1, "HardSigmoid": 0.2}[op])
	beta := c.attrF("beta", 0.5)
	for k := 0; k < y.len(); k++ {
		if y.f == nil { // integer and bool arithmetic, exact
			v := x.i[k]
			switch op {
			case "Relu":
				v = max(v, 0)
			case "Neg":
				v = -v
			case "Abs":
				v = max(v, -v)
			case "Sign":
				v = int64(b2i(v > 0) - b2i(v < 0))
			case "Not":
				v = 1 - v
			case "Clip":
				v = int64(math.Min(math.Max(float64(v), lo), hi))
			}
			y.setI(k, v)
			continue
		}
		v := x.f[k]
		switch op {
		case "Relu":
			v = math.Max(v, 0)
		case "Neg":
			v = -v
		case "Abs":
			v = math.Abs(v)
		case "Floor":
			v = math.Floor(v)
		case "Ceil":
			v = math.Ceil(v)
		case "Sqrt":
			v = math.Sqrt(v)
		case "Reciprocal":
			v = 1 / v
		case "Exp":
			v = math.Exp(v)
		case "Log":
			v = math.Log(v)
		case "Sigmoid":
			v = 1 / (1 + math.Exp(-v))
		case "Tanh":
			v = math.Tanh(v)
		case "Sign":
			if v != 0 && !math.IsNaN(v) {
				v = math.Copysign(1, v)
			}
		case "Round":
			v = math.RoundToEven(v)
		case "Erf":
			v = math.Erf(v)
		case "Sin":
			v = math.Sin(v)
		case "Cos":
			v = math.Cos(v)
		case "Softplus":
			v = math.Log1p(math.Exp(v))
		case "Softsign":
			v = v / (1 + math.Abs(v))
		case "LeakyRelu":
			if v < 0 {
				v *= alpha
			}
		case "Elu":
			if v < 0 {
				v = alpha * (math.Exp(v) - 1)
			}
		case "HardSigmoid":
			v = math.Max(0, math.Min(1, alpha*v+beta))
		case "Clip":
			v = math.Min(math.Max(v, lo), hi)
		}
		y.setF(k, v)
	}
	return []*tensor{y}, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// elementwise does the two-input ops and the variadic Sum, Mean, Max and Min, pairwise.
func elementwise(c *call) ([]*tensor, error) {
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	op := c.node.GetOpType()
	ints := c.in[0].f == nil
	fmod := graph.AttrInt(c.node, "fmod", 0) != 0
	idx := make([]func(int) int, len(c.in))
	for j, t := range c.in {
		idx[j] = shapes.BroadcastIndex(t.shape, y.shape)
	}
	for k := 0; k < y.len(); k++ {
		if ints {
			acc := c.in[0].i[idx[0](k)]
			for j := 1; j < len(c.in); j++ {
				b := c.in[j].i[idx[j](k)]
				v, err := intOp(op, acc, b, fmod)
				if err != nil {
					return nil, err
				}
				acc = v
			}
			if op == "Mean" {
				return nil, fmt.Errorf("Mean of integers")
			}
			y.setI(k, acc)
			continue
		}
		acc := c.in[0].f[idx[0](k)]
		for j := 1; j < len(c.in); j++ {
			acc = floatOp(op, acc, c.in[j].f[idx[j](k)], fmod)
			if y.f != nil && y.dt == onnxpb.TensorProto_FLOAT {
				acc = float64(float32(acc))
			}
		}
		if op == "Mean" {
			acc /= float64(len(c.in))
		}
		y.setF(k, acc)
	}
	return []*tensor{y}, nil
}

func floatOp(op string, a, b float64, fmod bool) float64 {
	switch op {
	case "Add", "Sum", "Mean":
		return a + b
	case "Sub":
		return a - b
	case "Mul":
		return a * b
	case "Div":
		return a / b
	case "Pow":
		return math.Pow(a, b)
	case "Max":
		return math.Max(a, b)
	case "Min":
		return math.Min(a, b)
	case "Mod":
		r := math.Mod(a, b)
		if !fmod && r != 0 && (r < 0) != (b < 0) {
			r += b
		}
		return r
	case "PRelu":
		if a < 0 {
			return a * b
		}
		return a
	}
	return float64(b2i(compare(op, a, b)))
}

func compare(op string, a, b float64) bool {
	switch op {
	case "Equal":
		return a == b
	case "Less":
		return a < b
	case "Greater":
		return a > b
	case "LessOrEqual":
		return a <= b
	case "GreaterOrEqual":
		return a >= b
	case "And":
		return a != 0 && b != 0
	case "Or":
		return a != 0 || b != 0
	case "Xor":
		return (a != 0) != (b != 0)
	}
	return false
}

// intOp is integer arithmetic as ONNX Runtime does it: Div truncates, Mod
// takes the divisor's sign unless fmod. Division by zero is not folded.
func intOp(op string, a, b int64, fmod bool) (int64, error) {
	switch op {
	case "Add", "Sum", "Mean":
		return a + b, nil
	case "Sub":
		return a - b, nil
	case "Mul":
		return a * b, nil
	case "Max":
		return max(a, b), nil
	case "Min":
		return min(a, b), nil
	case "Div", "Mod":
		if b == 0 {
			return 0, fmt.Errorf("integer %s by zero", op)
		}
		if op == "Div" {
			return a / b, nil
		}
		r := a % b
		if !fmod && r != 0 && (r < 0) != (b < 0) {
			r += b
		}
		return r, nil
	case "Pow":
		p := math.Pow(float64(a), float64(b))
		if math.Abs(p) >= 1<<53 || p != math.Trunc(p) {
			return 0, fmt.Errorf("integer Pow %d^%d", a, b)
		}
		return int64(p), nil
	case "PRelu":
		return 0, fmt.Errorf("PRelu on integers")
	}
	return int64(b2i(compare(op, float64(a), float64(b)))), nil
}

func where(c *call) ([]*tensor, error) {
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	cond, a, b := c.in[0], c.in[1], c.in[2]
	ic, ia, ib := shapes.BroadcastIndex(cond.shape, y.shape), shapes.BroadcastIndex(a.shape, y.shape), shapes.BroadcastIndex(b.shape, y.shape)
	for k := 0; k < y.len(); k++ {
		src, at := b, ib(k)
		if cond.i[ic(k)] != 0 {
			src, at = a, ia(k)
		}
		if src.f != nil {
			y.setF(k, src.f[at])
		} else {
			y.setI(k, src.i[at])
		}
	}
	return []*tensor{y}, nil
}

// cast converts with C's rules: floats to integers truncate toward zero.
func cast(c *call) ([]*tensor, error) {
	x := c.in[0]
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	for k := 0; k < y.len(); k++ {
		switch {
		case x.f == nil:
			y.setI(k, x.i[k])
		case y.f != nil:
			y.setF(k, x.f[k])
		case y.dt == onnxpb.TensorProto_BOOL:
			y.setI(k, int64(b2i(x.f[k] != 0)))
		default:
			v := math.Trunc(x.f[k])
			if math.IsNaN(v) || math.Abs(v) >= 1<<63 {
				return nil, fmt.Errorf("cast of %g to %s", x.f[k], y.dt)
			}
			y.setI(k, int64(v))
		}
	}
	return []*tensor{y}, nil
}

func reduce(c *call) ([]*tensor, error) {
	x := c.in[0]
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	op := c.node.GetOpType()
	axes := graph.AttrInts(c.node, "axes")
	// ReduceSum took axes as an input from opset 13, the others from 18.
	from := int64(18)
	if op == "ReduceSum" {
		from = 13
	}
	if c.opset >= from {
		if axes, err = c.ints(1); err != nil {
			return nil, err
		}
	}
	r := len(x.shape)
	reduced := make([]bool, r)
	if len(axes) == 0 {
		if graph.AttrInt(c.node, "noop_with_empty_axes", 0) != 0 {
			return nil, fmt.Errorf("%s with no axes and noop_with_empty_axes", op)
		}
		for d := range reduced {
			reduced[d] = true
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += int64(r)
		}
		if a < 0 || a >= int64(r) {
			return nil, fmt.Errorf("axis %d out of range", a)
		}
		reduced[a] = true
	}
	if x.len() == 0 || (y.f == nil && op != "ReduceSum" && op != "ReduceMax" && op != "ReduceMin" && op != "ReduceProd") {
		return nil, fmt.Errorf("%s of %d values of %s", op, x.len(), x.dt)
	}
	// Each input element's output index: its coordinates with the reduced
	// ones dropped, over the kept dims' row-major strides.
	outStr := make([]int, r)
	acc := 1
	for d := r - 1; d >= 0; d-- {
		if !reduced[d] {
			outStr[d] = acc
			acc *= int(x.shape[d])
		}
	}
	if acc != y.len() {
		return nil, fmt.Errorf("reduced size %d, inference says %v", acc, y.shape)
	}
	sum := make([]float64, y.len())
	isum := make([]int64, y.len())
	seen := make([]bool, y.len())
	count := x.len() / max(y.len(), 1)
	for k := 0; k < x.len(); k++ {
		o, rem := 0, k
		for d := r - 1; d >= 0; d-- {
			o += (rem % int(x.shape[d])) * outStr[d]
			rem /= int(x.shape[d])
		}
		if y.f == nil {
			v := x.i[k]
			switch {
			case !seen[o]:
				isum[o] = v
			case op == "ReduceSum":
				isum[o] += v
			case op == "ReduceProd":
				isum[o] *= v
			case op == "ReduceMax":
				isum[o] = max(isum[o], v)
			default:
				isum[o] = min(isum[o], v)
			}
			seen[o] = true
			continue
		}
		v := x.f[k]
		switch op {
		case "ReduceSumSquare", "ReduceL2":
			v *= v
		case "ReduceL1":
			v = math.Abs(v)
		}
		switch {
		case !seen[o]:
			sum[o] = v
		case op == "ReduceProd":
			sum[o] *= v
		case op == "ReduceMax":
			sum[o] = math.Max(sum[o], v)
		case op == "ReduceMin":
			sum[o] = math.Min(sum[o], v)
		default:
			sum[o] += v
		}
		seen[o] = true
	}
	for o := range sum {
		if y.f == nil {
			y.setI(o, isum[o])
			continue
		}
		v := sum[o]
		switch op {
		case "ReduceMean":
			v /= float64(count)
		case "ReduceL2":
			v = math.Sqrt(v)
		}
		y.setF(o, v)
	}
	return []*tensor{y}, nil
}

func reshaped(c *call) ([]*tensor, error) {
	if len(c.outs) > 1 && c.node.GetOpType() == "Dropout" {
		return nil, fmt.Errorf("Dropout's mask")
	}
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	x := c.in[0]
	if y.len() != x.len() || y.dt != x.dt {
		return nil, fmt.Errorf("%d values of %s become %d of %s", x.len(), x.dt, y.len(), y.dt)
	}
	copy(y.f, x.f)
	copy(y.i, x.i)
	return []*tensor{y}, nil
}

// remapped ops take each output element from one input element; src maps
// output coordinates to input coordinates in place.
func remapped(c *call) ([]*tensor, error) {
	x := c.in[0]
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	src, err := sourceOf(c, x, y)
	if err != nil {
		return nil, err
	}
	oc, ic := make([]int64, len(y.shape)), make([]int64, len(x.shape))
	inStr := strides(x.shape)
	for k := 0; k < y.len(); k++ {
		rem := k
		for d := len(y.shape) - 1; d >= 0; d-- {
			oc[d] = int64(rem % int(y.shape[d]))
			rem /= int(y.shape[d])
		}
		if err := src(oc, ic); err != nil {
			return nil, err
		}
		at := 0
		for d, v := range ic {
			if v < 0 || v >= x.shape[d] {
				return nil, fmt.Errorf("index %d out of range for dim %d of %v", v, d, x.shape)
			}
			at += int(v) * inStr[d]
		}
		if x.f != nil {
			y.setF(k, x.f[at])
		} else {
			y.setI(k, x.i[at])
		}
	}
	return []*tensor{y}, nil
}

func sourceOf(c *call, x, y *tensor) (func(oc, ic []int64) error, error) {
	r := len(x.shape)
	switch c.node.GetOpType() {
	case "Transpose":
		perm := graph.AttrInts(c.node, "perm")
		if perm == nil {
			for d := r - 1; d >= 0; d-- {
				perm = append(perm, int64(d))
			}
		}
		if len(perm) != r {
			return nil, fmt.Errorf("perm %v for rank %d", perm, r)
		}
		return func(oc, ic []int64) error {
			for d, p := range perm {
				ic[p] = oc[d]
			}
			return nil
		}, nil
	case "Expand", "Tile":
		off := len(y.shape) - r
		return func(oc, ic []int64) error {
			for d := range ic {
				ic[d] = oc[d+off] % x.shape[d]
			}
			return nil
		}, nil
	case "Slice":
		return sliceSource(c, x)
	case "Gather":
		return gatherSource(c, x)
	}
	return nil, fmt.Errorf("no source map")
}

func sliceSource(c *call, x *tensor) (func(oc, ic []int64) error, error) {
	r := len(x.shape)
	var starts, ends, axes, steps []int64
	if c.opset < 10 {
		starts, ends, axes = graph.AttrInts(c.node, "starts"), graph.AttrInts(c.node, "ends"), graph.AttrInts(c.node, "axes")
	} else {
		var err error
		for j, dst := range []*[]int64{&starts, &ends, &axes, &steps} {
			if *dst, err = c.ints(j + 1); err != nil {
				return nil, err
			}
		}
	}
	first, step := make([]int64, r), make([]int64, r)
	for d := range step {
		step[d] = 1
	}
	for j := range starts {
		ax, st := int64(j), int64(1)
		if axes != nil {
			ax = axes[j]
		}
		if steps != nil {
			st = steps[j]
		}
		if ax < 0 {
			ax += int64(r)
		}
		if ax < 0 || ax >= int64(r) || j >= len(ends) || st == 0 {
			return nil, fmt.Errorf("Slice parameters")
		}
		first[ax], _ = shapes.SliceRange(starts[j], ends[j], st, x.shape[ax])
		step[ax] = st
	}
	return func(oc, ic []int64) error {
		for d := range ic {
			ic[d] = first[d] + oc[d]*step[d]
		}
		return nil
	}, nil
}

func gatherSource(c *call, x *tensor) (func(oc, ic []int64) error, error) {
	r := len(x.shape)
	axis, err := c.axis(r)
	idx := c.in[1]
	if err != nil || idx.f != nil {
		return nil, fmt.Errorf("Gather parameters")
	}
	q := len(idx.shape)
	idxStr := strides(idx.shape)
	return func(oc, ic []int64) error {
		at := 0
		for d := 0; d < q; d++ {
			at += int(oc[int(axis)+d]) * idxStr[d]
		}
		for d := 0; d < int(axis); d++ {
			ic[d] = oc[d]
		}
		i := idx.i[at]
		if i < 0 {
			i += x.shape[axis]
		}
		ic[axis] = i
		for d := int(axis) + 1; d < r; d++ {
			ic[d] = oc[d+q-1]
		}
		return nil
	}, nil
}

func concat(c *call) ([]*tensor, error) {
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	axis, err := c.axis(len(y.shape))
	if err != nil {
		return nil, err
	}
	// outer blocks of the axis; each input contributes a run per block.
	outer := int(graph.NumElements(y.shape[:axis]))
	k := 0
	for o := 0; o < outer; o++ {
		for _, t := range c.in {
			run := t.len() / max(outer, 1)
			for j := 0; j < run; j++ {
				if t.f != nil {
					y.setF(k, t.f[o*run+j])
				} else {
					y.setI(k, t.i[o*run+j])
				}
				k++
			}
		}
	}
	if k != y.len() {
		return nil, fmt.Errorf("inputs give %d values, inference says %d", k, y.len())
	}
	return []*tensor{y}, nil
}

// split takes the pieces' sizes from inference's output shapes.
func split(c *call) ([]*tensor, error) {
	x := c.in[0]
	axis, err := c.axis(len(x.shape))
	if err != nil {
		return nil, err
	}
	outer := int(graph.NumElements(x.shape[:axis]))
	inner := int(graph.NumElements(x.shape[axis+1:]))
	var ys []*tensor
	offset := 0
	for j := range c.outs {
		y, err := c.out(j)
		if err != nil {
			return nil, err
		}
		n := int(y.shape[axis])
		if offset+n > int(x.shape[axis]) {
			return nil, fmt.Errorf("pieces exceed the axis")
		}
		for o := 0; o < outer; o++ {
			for a := 0; a < n*inner; a++ {
				src := (o*int(x.shape[axis])+offset)*inner + a
				dst := o*n*inner + a
				if x.f != nil {
					y.setF(dst, x.f[src])
				} else {
					y.setI(dst, x.i[src])
				}
			}
		}
		offset += n
		ys = append(ys, y)
	}
	return ys, nil
}

func constantOfShape(c *call) ([]*tensor, error) {
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	if a := graph.Attr(c.node, "value"); a != nil {
		v, err := decode(a.GetT())
		if err != nil || v.len() != 1 {
			return nil, fmt.Errorf("value attribute")
		}
		for k := 0; k < y.len(); k++ {
			if v.f != nil {
				y.setF(k, v.f[0])
			} else {
				y.setI(k, v.i[0])
			}
		}
	}
	return []*tensor{y}, nil
}

func rangeOp(c *call) ([]*tensor, error) {
	y, err := c.out(0)
	if err != nil {
		return nil, err
	}
	start, delta := c.in[0], c.in[2]
	if (start.f == nil) != (y.f == nil) || (delta.f == nil) != (y.f == nil) {
		return nil, fmt.Errorf("Range of mixed types")
	}
	// Accumulated in the output's type, as ONNX Runtime's kernel does.
	for k := 0; k < y.len(); k++ {
		switch {
		case y.f == nil:
			y.setI(k, start.i[0]+int64(k)*delta.i[0])
		case k == 0:
			y.setF(k, start.f[0])
		default:
			y.setF(k, y.f[k-1]+delta.f[0])
		}
	}
	return []*tensor{y}, nil
}
