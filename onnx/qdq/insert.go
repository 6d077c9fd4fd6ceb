package qdq

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// MinOpset is the first opset with per-axis QuantizeLinear/DequantizeLinear.
const MinOpset = 13

// Scales gives amax per activation tensor.
type Scales map[string]float64

// Insert rewrites g.Proto in place: a Q/DQ pair after every planned
// activation (its planned consumers read the dequantized value) and every
// planned weight replaced by int8 values and a DequantizeLinear. amax must
// cover every planned activation.
func Insert(g *graph.Graph, p *Plan, amax Scales) error {
	gp := g.Proto
	var added []*onnxpb.NodeProto
	for _, s := range p.Activations {
		a, ok := amax[s.Tensor]
		if !ok {
			return fmt.Errorf("no calibrated range for tensor %q", s.Tensor)
		}
		if !finite(a) || a < 0 {
			return fmt.Errorf("tensor %q: range %v is not a finite, non-negative number", s.Tensor, a)
		}
		scale := scaleOf(a)
		sName, zName := s.Tensor+"_scale", s.Tensor+"_zero_point"
		gp.Initializer = append(gp.Initializer, floatScalar(sName, scale), int8Tensor(zName, nil, []int8{0}))
		q, dq := s.Tensor+"_quantized", s.Tensor+"_dequantized"
		added = append(added,
			&onnxpb.NodeProto{Name: proto.String(s.Tensor + "_QuantizeLinear"), OpType: proto.String("QuantizeLinear"),
				Input: []string{s.Tensor, sName, zName}, Output: []string{q}},
			&onnxpb.NodeProto{Name: proto.String(s.Tensor + "_DequantizeLinear"), OpType: proto.String("DequantizeLinear"),
				Input: []string{q, sName, zName}, Output: []string{dq}})
		for _, ci := range s.Consumers {
			n := gp.Node[ci]
			for k, in := range n.Input {
				if in == s.Tensor && inputQuantized(g, n, k) {
					n.Input[k] = dq
				}
			}
		}
	}
	for _, name := range sortedWeights(p) {
		w := p.Weights[name]
		t := g.Initializers[name]
		if err := quantizeWeight(g, t, w, &added); err != nil {
			return err
		}
	}
	gp.Node = append(gp.Node, added...)
	return nil
}

// inputQuantized repeats the plan's rule for one input slot, so that a
// tensor read by a quantized slot and a float slot of one node keeps both.
func inputQuantized(g *graph.Graph, n *onnxpb.NodeProto, k int) bool {
	for _, i := range quantizedInputs(g, n) {
		if i == k {
			return true
		}
	}
	return false
}

func quantizeWeight(g *graph.Graph, t *onnxpb.TensorProto, w Weight, added *[]*onnxpb.NodeProto) error {
	amax, err := WeightAmax(t, w.Axis)
	if err != nil {
		return err
	}
	vals, err := graph.Float64s(t)
	if err != nil {
		return err
	}
	scales := make([]float32, len(amax))
	for i, a := range amax {
		if !finite(a) {
			return fmt.Errorf("weight %q: channel %d holds NaN or infinite values", w.Name, i)
		}
		scales[i] = scaleOf(a)
	}
	per := len(vals) / len(scales)
	q := make([]int8, len(vals))
	for i, v := range vals {
		s := float64(scales[i/per])
		if s == 0 {
			continue
		}
		q[i] = int8(math.Max(-127, math.Min(127, math.RoundToEven(v/s))))
	}
	name := w.Name
	qName, sName, zName := name+"_int8", name+"_scale", name+"_zero_point"
	dims := append([]int64{}, t.Dims...)
	var sDims []int64
	if len(scales) > 1 {
		sDims = []int64{int64(len(scales))}
	}
	zeros := make([]int8, len(scales))
	g.Proto.Initializer = append(g.Proto.Initializer,
		int8Tensor(qName, dims, q), floatTensor(sName, sDims, scales), int8Tensor(zName, sDims, zeros))
	dq := &onnxpb.NodeProto{Name: proto.String(name + "_DequantizeLinear"), OpType: proto.String("DequantizeLinear"),
		Input: []string{qName, sName, zName}, Output: []string{name}}
	if w.Axis >= 0 && len(scales) > 1 {
		dq.Attribute = []*onnxpb.AttributeProto{{Name: proto.String("axis"), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(int64(w.Axis))}}
	}
	*added = append(*added, dq)
	// The float initializer is replaced: the DequantizeLinear now produces
	// the value under the weight's old name.
	removeInitializer(g.Proto, name)
	return nil
}

func removeInitializer(gp *onnxpb.GraphProto, name string) {
	out := gp.Initializer[:0]
	for _, t := range gp.Initializer {
		if t.GetName() != name {
			out = append(out, t)
		}
	}
	gp.Initializer = out
	ins := gp.Input[:0]
	for _, in := range gp.Input {
		if in.GetName() != name {
			ins = append(ins, in)
		}
	}
	gp.Input = ins
}

func sortedWeights(p *Plan) []string {
	names := make([]string, 0, len(p.Weights))
	for n := range p.Weights {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// MinScale is the least scale a Q/DQ model or a calibration cache may
// hold: FLT_MIN (2^-126), the smallest normal float32. TensorRT and ONNX
// Runtime divide by scales, so zero and subnormal ones are out.
const MinScale = 0x1p-126

// ValidScale says whether s is a scale TensorRT can use: finite and at
// least MinScale.
func ValidScale(s float32) bool { return s >= MinScale && !math.IsInf(float64(s), 0) }

// scaleOf is amax/127 in float32; a zero or subnormal scale (an all-zero
// weight channel) becomes MinScale, so that no consumer ever divides by
// zero or meets a scale TensorRT refuses.
func scaleOf(amax float64) float32 {
	s := float32(amax / 127)
	if !(s >= MinScale) {
		s = MinScale
	}
	return s
}

func floatScalar(name string, v float32) *onnxpb.TensorProto {
	return floatTensor(name, nil, []float32{v})
}

func floatTensor(name string, dims []int64, v []float32) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: raw}
}

func int8Tensor(name string, dims []int64, v []int8) *onnxpb.TensorProto {
	raw := make([]byte, len(v))
	for i, x := range v {
		raw[i] = byte(x)
	}
	return &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(onnxpb.TensorProto_INT8)), RawData: raw}
}
