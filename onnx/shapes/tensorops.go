package shapes

import (
	"fmt"
	"math"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

func init() {
	register(shapeOp, "Shape")
	register(sizeOp, "Size")
	register(constant, "Constant")
	register(constantOfShape, "ConstantOfShape")
	register(concat, "Concat")
	register(split, "Split")
	register(slice, "Slice")
	register(gather, "Gather")
	register(unsqueeze, "Unsqueeze")
	register(squeeze, "Squeeze")
	register(reshape, "Reshape")
	register(flatten, "Flatten")
	register(transpose, "Transpose")
	register(expand, "Expand")
	register(tile, "Tile")
	register(pad, "Pad")
	register(rangeOp, "Range")
	register(reduce, "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
		"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare")
	register(argReduce, "ArgMax", "ArgMin")
	register(depthToSpace, "DepthToSpace")
	register(spaceToDepth, "SpaceToDepth")
}

const int64Type = onnxpb.TensorProto_INT64

func shapeOp(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	start, end := c.attrInt("start", 0), c.attrInt("end", int64(r))
	start, end = clampIndex(start, int64(r)), clampIndex(end, int64(r))
	dims := []int64{}
	if end > start {
		dims = x.Shape[start:end]
	}
	out := &Value{DType: int64Type, Shape: []int64{int64(len(dims))}}
	if (&Value{Shape: dims}).Static() {
		out.Ints = append([]int64{}, dims...)
	}
	c.set(out)
	return nil
}

func clampIndex(i, n int64) int64 {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

func sizeOp(c *ctx) error {
	x, _, err := c.rankOf(0)
	if err != nil {
		return err
	}
	out := &Value{DType: int64Type, Shape: []int64{}}
	if x.Static() {
		out.Ints = []int64{numel(x.Shape)}
	}
	c.set(out)
	return nil
}

func constant(c *ctx) error {
	for _, a := range c.node.Attribute {
		switch a.GetName() {
		case "value":
			v, err := FromTensor(a.GetT())
			if err != nil {
				return err
			}
			c.set(v)
			return nil
		case "value_float":
			c.set(&Value{DType: onnxpb.TensorProto_FLOAT, Shape: []int64{}, Floats: []float64{float64(a.GetF())}})
			return nil
		case "value_floats":
			f := make([]float64, len(a.Floats))
			for i, x := range a.Floats {
				f[i] = float64(x)
			}
			c.set(&Value{DType: onnxpb.TensorProto_FLOAT, Shape: []int64{int64(len(f))}, Floats: f})
			return nil
		case "value_int":
			c.set(&Value{DType: int64Type, Shape: []int64{}, Ints: []int64{a.GetI()}})
			return nil
		case "value_ints":
			c.set(&Value{DType: int64Type, Shape: []int64{int64(len(a.Ints))}, Ints: append([]int64{}, a.Ints...)})
			return nil
		}
	}
	return fmt.Errorf("Constant without a supported value attribute")
}

func constantOfShape(c *ctx) error {
	shape, err := c.ints(0)
	if err != nil {
		return err
	}
	out := &Value{DType: onnxpb.TensorProto_FLOAT, Shape: append([]int64{}, shape...)}
	fill := 0.0
	if a := c.attr("value"); a != nil && a.GetT() != nil {
		out.DType = graph.DataType(a.GetT().GetDataType())
		f, err := graph.Float64s(a.GetT())
		if err != nil || len(f) != 1 {
			return fmt.Errorf("ConstantOfShape value must be a one-element tensor")
		}
		fill = f[0]
	}
	if n := numel(shape); n >= 0 && n <= maxKnownElems {
		if isFloatType(out.DType) {
			out.Floats = make([]float64, n)
			for i := range out.Floats {
				out.Floats[i] = fill
			}
		} else {
			out.Ints = make([]int64, n)
			for i := range out.Ints {
				out.Ints[i] = int64(fill)
			}
		}
	}
	c.set(out)
	return nil
}

func concat(c *ctx) error {
	first, r, axis, err := c.axisInput(0)
	if err != nil {
		return err
	}
	shape := copyShape(first.Shape)
	shape[axis] = 0
	known := true
	for i := range c.in {
		v, vr, err := c.rankOf(i)
		if err != nil {
			return err
		}
		if vr != r {
			return fmt.Errorf("input %d has rank %d, input 0 has rank %d", i, vr, r)
		}
		for d := range shape {
			if d == axis {
				continue
			}
			if shape[d] < 0 {
				shape[d] = v.Shape[d]
			} else if v.Shape[d] >= 0 && v.Shape[d] != shape[d] {
				return fmt.Errorf("input %d has shape %s, incompatible with %s along axis %d", i, v, FormatShape(first.Shape), d)
			}
		}
		if shape[axis] >= 0 && v.Shape[axis] >= 0 {
			shape[axis] += v.Shape[axis]
		} else {
			shape[axis] = -1
		}
		known = known && v.Known()
	}
	out := &Value{DType: first.DType, Shape: shape}
	if known && r == 1 {
		for _, v := range c.in {
			if v.Ints != nil {
				out.Ints = append(out.Ints, v.Ints...)
			} else {
				out.Floats = append(out.Floats, v.Floats...)
			}
		}
		if out.Ints != nil && out.Floats != nil { // mixed: not a valid Concat
			out.Ints, out.Floats = nil, nil
		}
	}
	c.set(out)
	return nil
}

func split(c *ctx) error {
	x, _, axis, err := c.axisInput(0)
	if err != nil {
		return err
	}
	nOut := len(c.node.Output)
	sizes := c.attrInts("split")
	if c.opset >= 13 && c.optional(1) != nil {
		if sizes, err = c.ints(1); err != nil {
			return err
		}
	}
	dim := x.Shape[axis]
	if sizes == nil {
		if dim < 0 {
			sizes = make([]int64, nOut)
			for i := range sizes {
				sizes[i] = -1
			}
		} else {
			chunk := (dim + int64(nOut) - 1) / int64(nOut)
			for i := 0; i < nOut; i++ {
				sizes = append(sizes, min(chunk, dim-chunk*int64(i)))
			}
		}
	}
	if len(sizes) != nOut {
		return fmt.Errorf("%d split sizes for %d outputs", len(sizes), nOut)
	}
	outs := make([]*Value, nOut)
	for i, s := range sizes {
		shape := copyShape(x.Shape)
		shape[axis] = s
		outs[i] = &Value{DType: x.DType, Shape: shape}
	}
	c.set(outs...)
	return nil
}

// SliceRange resolves one axis of Slice: the first index taken and how
// many, for ONNX's clamping rules (the step is the caller's).
func SliceRange(start, end, step, dim int64) (int64, int64) {
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	if step > 0 {
		start = max(0, min(start, dim))
		end = max(0, min(end, dim))
		if end <= start {
			return start, 0
		}
		return start, (end - start + step - 1) / step
	}
	start = max(-1, min(start, dim-1))
	end = max(-1, min(end, dim-1))
	if end >= start {
		return start, 0
	}
	return start, (start - end + (-step) - 1) / (-step)
}

func slice(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	var starts, ends, axes, steps []int64
	if c.opset < 10 {
		starts, ends, axes = c.attrInts("starts"), c.attrInts("ends"), c.attrInts("axes")
	} else {
		if starts, err = c.ints(1); err != nil {
			return err
		}
		if ends, err = c.ints(2); err != nil {
			return err
		}
		if c.optional(3) != nil {
			if axes, err = c.ints(3); err != nil {
				return err
			}
		}
		if c.optional(4) != nil {
			if steps, err = c.ints(4); err != nil {
				return err
			}
		}
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		steps = ones(len(starts))
	}
	if len(ends) != len(starts) || len(axes) != len(starts) || len(steps) != len(starts) {
		return fmt.Errorf("starts, ends, axes and steps differ in length")
	}
	shape := copyShape(x.Shape)
	first := make([]int64, r)
	step := ones(r)
	axs, err := normAxes(axes, r)
	if err != nil {
		return err
	}
	for i, ax := range axs {
		if steps[i] == 0 {
			return fmt.Errorf("slice step 0")
		}
		if shape[ax] < 0 {
			continue
		}
		first[ax], shape[ax] = SliceRange(starts[i], ends[i], steps[i], shape[ax])
		step[ax] = steps[i]
	}
	out := &Value{DType: x.DType, Shape: shape}
	remap(x, out, func(oc, ic []int64) {
		for d := range ic {
			ic[d] = first[d] + oc[d]*step[d]
		}
	})
	c.set(out)
	return nil
}

func gather(c *ctx) error {
	data, r, axis, err := c.axisInput(0)
	if err != nil {
		return err
	}
	idx, _, err := c.rankOf(1)
	if err != nil {
		return err
	}
	shape := append(append(copyShape(data.Shape[:axis]), idx.Shape...), data.Shape[axis+1:]...)
	out := &Value{DType: data.DType, Shape: shape}
	if r == 1 && data.Known() && idx.Ints != nil {
		n := int64(len(asFloats(data)))
		for _, i := range idx.Ints {
			if i < 0 {
				i += n
			}
			if i < 0 || i >= n {
				return fmt.Errorf("index %d out of range for %d elements", i, n)
			}
			if data.Ints != nil {
				out.Ints = append(out.Ints, data.Ints[i])
			} else {
				out.Floats = append(out.Floats, data.Floats[i])
			}
		}
	}
	c.set(out)
	return nil
}

// axesOf reads reduction/unsqueeze axes from the attribute (old opsets) or
// from input 1 (newer ones).
func (c *ctx) axesOf(inputFrom int64) ([]int64, error) {
	if c.opset >= inputFrom {
		if c.optional(1) == nil {
			return nil, nil
		}
		return c.ints(1)
	}
	return c.attrInts("axes"), nil
}

func unsqueeze(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	axes, err := c.axesOf(13)
	if err != nil {
		return err
	}
	outRank := r + len(axes)
	isNew := make([]bool, outRank)
	axs, err := normAxes(axes, outRank)
	if err != nil {
		return err
	}
	for _, ax := range axs {
		isNew[ax] = true
	}
	shape := make([]int64, 0, outRank)
	k := 0
	for i := 0; i < outRank; i++ {
		if isNew[i] {
			shape = append(shape, 1)
		} else {
			shape = append(shape, x.Shape[k])
			k++
		}
	}
	c.set(&Value{DType: x.DType, Shape: shape, Ints: x.Ints, Floats: x.Floats})
	return nil
}

func squeeze(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	axes, err := c.axesOf(13)
	if err != nil {
		return err
	}
	drop := make([]bool, r)
	if axes == nil {
		for i, d := range x.Shape {
			drop[i] = d == 1
		}
	}
	axs, err := normAxes(axes, r)
	if err != nil {
		return err
	}
	for _, ax := range axs {
		if x.Shape[ax] > 1 {
			return fmt.Errorf("cannot squeeze axis %d of size %d", ax, x.Shape[ax])
		}
		drop[ax] = true
	}
	shape := []int64{}
	for i, d := range x.Shape {
		if !drop[i] {
			shape = append(shape, d)
		}
	}
	c.set(&Value{DType: x.DType, Shape: shape, Ints: x.Ints, Floats: x.Floats})
	return nil
}

func reshape(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	var target []int64
	if c.opset < 5 {
		target = c.attrInts("shape")
	} else if target, err = c.ints(1); err != nil {
		return err
	}
	allowZero := c.attrInt("allowzero", 0) != 0
	shape := make([]int64, len(target))
	infer := -1
	for i, d := range target {
		switch {
		case d == 0 && !allowZero:
			if x.Shape == nil || i >= len(x.Shape) {
				return fmt.Errorf("shape entry 0 at %d copies a dimension the input lacks", i)
			}
			shape[i] = x.Shape[i]
		case d == -1:
			if infer >= 0 {
				return fmt.Errorf("more than one -1 in target shape %v", target)
			}
			infer = i
		case d < -1:
			return fmt.Errorf("bad target dimension %d", d)
		default:
			shape[i] = d
		}
	}
	if infer >= 0 {
		shape[infer] = -1
		if x.Static() {
			rest := int64(1)
			for i, d := range shape {
				if i != infer {
					rest *= d
				}
			}
			if rest == 0 || numel(x.Shape)%rest != 0 {
				return fmt.Errorf("cannot reshape %s into %v", x, target)
			}
			shape[infer] = numel(x.Shape) / rest
		}
	}
	if x.Static() && (&Value{Shape: shape}).Static() && numel(shape) != numel(x.Shape) {
		return fmt.Errorf("cannot reshape %s (%d elements) into %s", x, numel(x.Shape), FormatShape(shape))
	}
	c.set(&Value{DType: x.DType, Shape: shape, Ints: x.Ints, Floats: x.Floats})
	return nil
}

func flatten(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	axis := c.attrInt("axis", 1)
	if axis < 0 {
		axis += int64(r)
	}
	if axis < 0 || axis > int64(r) {
		return fmt.Errorf("axis %d out of range for rank %d", axis, r)
	}
	prod := func(s []int64) int64 {
		p := int64(1)
		for _, d := range s {
			if d < 0 {
				return -1
			}
			p *= d
		}
		return p
	}
	c.set(&Value{DType: x.DType, Shape: []int64{prod(x.Shape[:axis]), prod(x.Shape[axis:])}, Ints: x.Ints, Floats: x.Floats})
	return nil
}

func transpose(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	perm := append([]int64{}, c.attrInts("perm")...)
	if len(perm) == 0 {
		for i := r - 1; i >= 0; i-- {
			perm = append(perm, int64(i))
		}
	}
	if len(perm) != r {
		return fmt.Errorf("perm %v for rank %d", perm, r)
	}
	shape := make([]int64, r)
	axs, err := normAxes(perm, r)
	if err != nil {
		return err
	}
	for i, ax := range axs {
		shape[i] = x.Shape[ax]
		perm[i] = int64(ax)
	}
	out := &Value{DType: x.DType, Shape: shape}
	remap(x, out, func(oc, ic []int64) {
		for i, p := range perm {
			ic[p] = oc[i]
		}
	})
	c.set(out)
	return nil
}

func expand(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	target, err := c.ints(1)
	if err != nil {
		return err
	}
	shape, err := Broadcast(x.Shape, target)
	if err != nil {
		return err
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

func tile(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	reps, err := c.ints(1)
	if err != nil {
		return err
	}
	if len(reps) != r {
		return fmt.Errorf("%d repeats for rank %d", len(reps), r)
	}
	shape := copyShape(x.Shape)
	for i := range shape {
		if shape[i] >= 0 {
			shape[i] *= reps[i]
		}
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

func pad(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	var pads, axes []int64
	if c.opset < 11 {
		pads = c.attrInts("pads")
	} else {
		if pads, err = c.ints(1); err != nil {
			return err
		}
		if c.optional(3) != nil {
			if axes, err = c.ints(3); err != nil {
				return err
			}
		}
	}
	if axes == nil {
		for i := 0; i < r; i++ {
			axes = append(axes, int64(i))
		}
	}
	if len(pads) != 2*len(axes) {
		return fmt.Errorf("%d pads for %d axes", len(pads), len(axes))
	}
	shape := copyShape(x.Shape)
	axs, err := normAxes(axes, r)
	if err != nil {
		return err
	}
	for i, ax := range axs {
		if shape[ax] >= 0 {
			shape[ax] += pads[i] + pads[i+len(axes)]
		}
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

func rangeOp(c *ctx) error {
	start, err := c.floats(0)
	if err != nil {
		return err
	}
	limit, err := c.floats(1)
	if err != nil {
		return err
	}
	delta, err := c.floats(2)
	if err != nil {
		return err
	}
	if len(start) != 1 || len(limit) != 1 || len(delta) != 1 || delta[0] == 0 {
		return fmt.Errorf("Range needs scalar start, limit and a non-zero delta")
	}
	n := int64(math.Max(math.Ceil((limit[0]-start[0])/delta[0]), 0))
	out := &Value{DType: c.in[0].DType, Shape: []int64{n}}
	if n <= maxKnownElems {
		for i := int64(0); i < n; i++ {
			v := start[0] + float64(i)*delta[0]
			if isFloatType(out.DType) {
				out.Floats = append(out.Floats, v)
			} else {
				out.Ints = append(out.Ints, int64(v))
			}
		}
	}
	c.set(out)
	return nil
}

func reduce(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	// ReduceSum took axes as an input from opset 13, the others from 18.
	from := int64(18)
	if c.node.GetOpType() == "ReduceSum" {
		from = 13
	}
	axes, err := c.axesOf(from)
	if err != nil {
		return err
	}
	keep := c.attrInt("keepdims", 1) != 0
	if len(axes) == 0 && c.attrInt("noop_with_empty_axes", 0) != 0 {
		c.set(&Value{DType: x.DType, Shape: copyShape(x.Shape)})
		return nil
	}
	reduced := make([]bool, r)
	axs, err := normAxes(axes, r)
	if err != nil {
		return err
	}
	for _, ax := range axs {
		reduced[ax] = true
	}
	shape := []int64{}
	for i, d := range x.Shape {
		switch {
		case len(axes) == 0 || reduced[i]:
			if keep {
				shape = append(shape, 1)
			}
		default:
			shape = append(shape, d)
		}
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

func argReduce(c *ctx) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	axis, err := normAxis(c.attrInt("axis", 0), r)
	if err != nil {
		return err
	}
	shape := copyShape(x.Shape)
	if c.attrInt("keepdims", 1) != 0 {
		shape[axis] = 1
	} else {
		shape = append(shape[:axis], shape[axis+1:]...)
	}
	c.set(&Value{DType: int64Type, Shape: shape})
	return nil
}

func depthToSpace(c *ctx) error { return blockRearrange(c, true) }
func spaceToDepth(c *ctx) error { return blockRearrange(c, false) }

func blockRearrange(c *ctx, toSpace bool) error {
	x, r, err := c.rankOf(0)
	if err != nil {
		return err
	}
	b := c.attrInt("blocksize", 0)
	if r != 4 || b <= 0 {
		return fmt.Errorf("needs NCHW input and a positive blocksize")
	}
	s := copyShape(x.Shape)
	scale := func(d, num, den int64) int64 {
		if d < 0 {
			return -1
		}
		return d * num / den
	}
	if toSpace {
		s[1], s[2], s[3] = scale(s[1], 1, b*b), scale(s[2], b, 1), scale(s[3], b, 1)
	} else {
		s[1], s[2], s[3] = scale(s[1], b*b, 1), scale(s[2], 1, b), scale(s[3], 1, b)
	}
	c.set(&Value{DType: x.DType, Shape: s})
	return nil
}

// remap fills out's values from x's when both are small and known: each
// output coordinate reads the input coordinate that src gives.
func remap(x, out *Value, src func(outCoord, inCoord []int64)) {
	if !x.Known() || !out.Static() || !x.Static() || numel(out.Shape) > maxKnownElems || numel(x.Shape) != int64(len(asFloats(x))) {
		return
	}
	n := numel(out.Shape)
	oc, ic := make([]int64, len(out.Shape)), make([]int64, len(x.Shape))
	if x.Ints != nil {
		out.Ints = make([]int64, n)
	} else {
		out.Floats = make([]float64, n)
	}
	for flat := int64(0); flat < n; flat++ {
		rem := flat
		for d := len(oc) - 1; d >= 0; d-- {
			oc[d] = rem % out.Shape[d]
			rem /= out.Shape[d]
		}
		src(oc, ic)
		j := int64(0)
		for d := range ic {
			j = j*x.Shape[d] + ic[d]
		}
		if x.Ints != nil {
			out.Ints[flat] = x.Ints[j]
		} else {
			out.Floats[flat] = x.Floats[j]
		}
	}
}
