package shapes

import (
	"fmt"
	"math"

	"github.com/segtrt/segtrt/onnx/graph"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

func init() {
	register(sameShape,
		"Relu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Exp", "Log", "Erf",
		"LeakyRelu", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish", "Gelu",
		"ThresholdedRelu", "Clip", "Softmax", "LogSoftmax", "Hardmax", "Sin", "Cos",
		"InstanceNormalization", "LpNormalization", "Round", "Sign", "Shrink",
		"LRN", "MeanVarianceNormalization")
	register(sameShapeValues, "Identity", "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Reciprocal")
	register(func(c *ctx) error { return broadcastOp(c, false) },
		"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "PRelu", "Sum", "Mean", "BitShift")
	register(func(c *ctx) error { return broadcastOp(c, true) },
		"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor")
	register(boolUnary, "Not", "IsNaN", "IsInf")
	register(cast, "Cast")
	register(castLike, "CastLike")
	register(where, "Where")
	register(batchNorm, "BatchNormalization")
	register(layerNorm, "LayerNormalization")
	register(dropout, "Dropout")
	register(quantize, "QuantizeLinear")
	register(dequantize, "DequantizeLinear")
}

func copyShape(s []int64) []int64 {
	if s == nil {
		return nil
	}
	return append([]int64{}, s...)
}

func sameShape(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	c.set(&Value{DType: x.DType, Shape: copyShape(x.Shape)})
	return nil
}

// sameShapeValues also carries known values through ops used in shape
// arithmetic.
func sameShapeValues(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	out := &Value{DType: x.DType, Shape: copyShape(x.Shape)}
	op := c.node.GetOpType()
	if x.Ints != nil {
		out.Ints = make([]int64, len(x.Ints))
		for i, v := range x.Ints {
			switch op {
			case "Neg":
				v = -v
			case "Abs":
				if v < 0 {
					v = -v
				}
			case "Sqrt", "Reciprocal":
				v = int64(unaryFloat(op, float64(v)))
			}
			out.Ints[i] = v
		}
	}
	if x.Floats != nil {
		out.Floats = make([]float64, len(x.Floats))
		for i, v := range x.Floats {
			out.Floats[i] = unaryFloat(op, v)
		}
	}
	c.set(out)
	return nil
}

func unaryFloat(op string, v float64) float64 {
	switch op {
	case "Neg":
		return -v
	case "Abs":
		return math.Abs(v)
	case "Floor":
		return math.Floor(v)
	case "Ceil":
		return math.Ceil(v)
	case "Sqrt":
		return math.Sqrt(v)
	case "Reciprocal":
		return 1 / v
	}
	return v
}

func boolUnary(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	c.set(&Value{DType: onnxpb.TensorProto_BOOL, Shape: copyShape(x.Shape)})
	return nil
}

// Broadcast applies numpy broadcasting to shapes (nil = unknown rank).
func Broadcast(shapes ...[]int64) ([]int64, error) {
	rank := 0
	for _, s := range shapes {
		if s == nil {
			return nil, nil
		}
		if len(s) > rank {
			rank = len(s)
		}
	}
	out := make([]int64, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := &out[off+i]
			switch {
			case d == 1:
			case *o == 1:
				*o = d
			case d < 0 || *o < 0:
				// Unknown against known: the known one wins unless it is 1.
				if *o < 0 && d > 0 {
					*o = d
				}
			case d != *o:
				return nil, fmt.Errorf("shapes %s and %s do not broadcast", FormatShape(s), FormatShape(out))
			}
		}
	}
	return out, nil
}

func broadcastOp(c *ctx, boolOut bool) error {
	if len(c.in) == 0 {
		return fmt.Errorf("no inputs")
	}
	shapes := make([][]int64, len(c.in))
	for i := range c.in {
		v, err := c.input(i)
		if err != nil {
			return err
		}
		shapes[i] = v.Shape
	}
	shape, err := Broadcast(shapes...)
	if err != nil {
		return err
	}
	out := &Value{DType: c.in[0].DType, Shape: shape}
	if boolOut {
		out.DType = onnxpb.TensorProto_BOOL
	}
	if len(c.in) == 2 && c.in[0].Known() && c.in[1].Known() && (&Value{Shape: shape}).Static() {
		propagateBinary(c.node.GetOpType(), c.in[0], c.in[1], out)
	}
	c.set(out)
	return nil
}

// propagateBinary computes small elementwise results so shape arithmetic
// such as Mul(Shape[2], 2) resolves.
func propagateBinary(op string, a, b, out *Value) {
	n := 1
	for _, d := range out.Shape {
		n *= int(d)
	}
	if n > maxKnownElems {
		return
	}
	ints := a.Ints != nil && b.Ints != nil
	af, bf := asFloats(a), asFloats(b)
	res := make([]float64, n)
	idxA, idxB := BroadcastIndex(a.Shape, out.Shape), BroadcastIndex(b.Shape, out.Shape)
	for i := 0; i < n; i++ {
		x, y := af[idxA(i)], bf[idxB(i)]
		var r float64
		switch op {
		case "Add", "Sum":
			r = x + y
		case "Sub":
			r = x - y
		case "Mul":
			r = x * y
		case "Div":
			r = x / y
			if ints {
				r = math.Trunc(r)
			}
		case "Pow":
			r = math.Pow(x, y)
		case "Max":
			r = math.Max(x, y)
		case "Min":
			r = math.Min(x, y)
		case "Mean":
			r = (x + y) / 2
		case "Equal":
			r = b2f(x == y)
		case "Less":
			r = b2f(x < y)
		case "Greater":
			r = b2f(x > y)
		case "LessOrEqual":
			r = b2f(x <= y)
		case "GreaterOrEqual":
			r = b2f(x >= y)
		case "And":
			r = b2f(x != 0 && y != 0)
		case "Or":
			r = b2f(x != 0 || y != 0)
		default:
			return
		}
		res[i] = r
	}
	if ints || out.DType == onnxpb.TensorProto_BOOL {
		out.Ints = make([]int64, n)
		for i, r := range res {
			out.Ints[i] = int64(r)
		}
		return
	}
	out.Floats = res
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func asFloats(v *Value) []float64 {
	if v.Floats != nil {
		return v.Floats
	}
	f := make([]float64, len(v.Ints))
	for i, x := range v.Ints {
		f[i] = float64(x)
	}
	return f
}

// BroadcastIndex maps a flat index of the output to a flat index of an
// input broadcast to it (numpy rules); constant folding uses it too.
func BroadcastIndex(in, out []int64) func(int) int {
	off := len(out) - len(in)
	return func(flat int) int {
		idx, stride := 0, 1
		for d := len(out) - 1; d >= 0; d-- {
			coord := flat % int(out[d])
			flat /= int(out[d])
			if d < off {
				continue
			}
			dim := int(in[d-off])
			if dim != 1 {
				idx += coord * stride
			}
			stride *= dim
		}
		return idx
	}
}

func cast(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	to := onnxpb.TensorProto_DataType(c.attrInt("to", 0))
	c.set(castValue(x, to))
	return nil
}

func castLike(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	like, err := c.input(1)
	if err != nil {
		return err
	}
	c.set(castValue(x, like.DType))
	return nil
}

func castValue(x *Value, to onnxpb.TensorProto_DataType) *Value {
	out := &Value{DType: to, Shape: copyShape(x.Shape)}
	if !x.Known() {
		return out
	}
	f := asFloats(x)
	if isFloatType(to) {
		out.Floats = append([]float64{}, f...)
		return out
	}
	out.Ints = make([]int64, len(f))
	for i, v := range f {
		if x.Ints != nil {
			out.Ints[i] = x.Ints[i]
		} else if to == onnxpb.TensorProto_BOOL {
			out.Ints[i] = int64(b2f(v != 0))
		} else {
			out.Ints[i] = int64(v) // truncation toward zero, as Cast does
		}
	}
	return out
}

func isFloatType(dt onnxpb.TensorProto_DataType) bool {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		return true
	}
	return false
}

func where(c *ctx) error {
	var shapes [][]int64
	for i := 0; i < 3; i++ {
		v, err := c.input(i)
		if err != nil {
			return err
		}
		shapes = append(shapes, v.Shape)
	}
	shape, err := Broadcast(shapes...)
	if err != nil {
		return err
	}
	out := &Value{DType: c.in[1].DType, Shape: shape}
	cond, x, y := c.in[0], c.in[1], c.in[2]
	if cond.Known() && x.Known() && y.Known() && (&Value{Shape: shape}).Static() {
		n := int(numel(shape))
		ci, xi, yi := BroadcastIndex(cond.Shape, shape), BroadcastIndex(x.Shape, shape), BroadcastIndex(y.Shape, shape)
		cf, xf, yf := asFloats(cond), asFloats(x), asFloats(y)
		res := make([]float64, n)
		for i := range res {
			if cf[ci(i)] != 0 {
				res[i] = xf[xi(i)]
			} else {
				res[i] = yf[yi(i)]
			}
		}
		if x.Ints != nil && y.Ints != nil {
			out.Ints = make([]int64, n)
			for i, r := range res {
				out.Ints[i] = int64(r)
			}
		} else {
			out.Floats = res
		}
	}
	c.set(out)
	return nil
}

// numel is the element count of a known shape (-1 if a dim is unknown).
func numel(shape []int64) int64 { return graph.NumElements(shape) }

func batchNorm(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	outs := []*Value{{DType: x.DType, Shape: copyShape(x.Shape)}}
	// Training-mode outputs: running mean and variance, per channel.
	for i := 1; i < len(c.node.Output); i++ {
		ch := int64(-1)
		if len(x.Shape) > 1 {
			ch = x.Shape[1]
		}
		outs = append(outs, &Value{DType: x.DType, Shape: []int64{ch}})
	}
	c.set(outs...)
	return nil
}

func layerNorm(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	outs := []*Value{{DType: x.DType, Shape: copyShape(x.Shape)}}
	for i := 1; i < len(c.node.Output); i++ {
		outs = append(outs, &Value{DType: onnxpb.TensorProto_FLOAT})
	}
	c.set(outs...)
	return nil
}

func dropout(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	outs := []*Value{{DType: x.DType, Shape: copyShape(x.Shape), Ints: x.Ints, Floats: x.Floats}}
	if len(c.node.Output) > 1 {
		outs = append(outs, &Value{DType: onnxpb.TensorProto_BOOL, Shape: copyShape(x.Shape)})
	}
	c.set(outs...)
	return nil
}

func quantize(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	dt := onnxpb.TensorProto_UINT8
	if zp := c.optional(2); zp != nil {
		dt = zp.DType
	}
	c.set(&Value{DType: dt, Shape: copyShape(x.Shape)})
	return nil
}

func dequantize(c *ctx) error {
	x, err := c.input(0)
	if err != nil {
		return err
	}
	scale, err := c.input(1)
	if err != nil {
		return err
	}
	c.set(&Value{DType: scale.DType, Shape: copyShape(x.Shape)})
	return nil
}
