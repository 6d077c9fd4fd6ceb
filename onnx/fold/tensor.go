package fold

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// tensor is a constant being folded. Float types keep their values in f
// (float64, rounded to the type after every op), integer and bool types in
// i (int64, wrapped to the type after every op), so that a chain of folded
// ops gives what the same ops give in the tensor's own type.
type tensor struct {
	dt    graph.DataType
	shape []int64
	f     []float64
	i     []int64
}

func (t *tensor) len() int { return int(graph.NumElements(t.shape)) }

// at reads element k as float64, whatever the type.
func (t *tensor) at(k int) float64 {
	if t.f != nil {
		return t.f[k]
	}
	return float64(t.i[k])
}

func isFloatType(dt graph.DataType) bool {
	return dt == onnxpb.TensorProto_FLOAT || dt == onnxpb.TensorProto_DOUBLE
}

// supported says whether folding can hold and write dt exactly. Half
// floats are left alone: their rounding is not worth a second code path.
func supported(dt graph.DataType) bool {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_INT64,
		onnxpb.TensorProto_INT32, onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT8,
		onnxpb.TensorProto_BOOL:
		return true
	}
	return false
}

// newTensor makes a zero tensor of type dt and shape.
func newTensor(dt graph.DataType, shape []int64) *tensor {
	t := &tensor{dt: dt, shape: append([]int64{}, shape...)}
	if isFloatType(dt) {
		t.f = make([]float64, t.len())
	} else {
		t.i = make([]int64, t.len())
	}
	return t
}

// set stores v (computed in float64 or int64) at k, rounded or wrapped to
// the tensor's type.
func (t *tensor) setF(k int, v float64) {
	if t.f != nil {
		if t.dt == onnxpb.TensorProto_FLOAT {
			v = float64(float32(v))
		}
		t.f[k] = v
		return
	}
	t.i[k] = wrap(t.dt, int64(v))
}

func (t *tensor) setI(k int, v int64) {
	if t.f != nil {
		t.setF(k, float64(v))
		return
	}
	t.i[k] = wrap(t.dt, v)
}

// wrap reduces v to dt's range the way a C cast does.
func wrap(dt graph.DataType, v int64) int64 {
	switch dt {
	case onnxpb.TensorProto_INT32:
		return int64(int32(v))
	case onnxpb.TensorProto_INT8:
		return int64(int8(v))
	case onnxpb.TensorProto_UINT8:
		return int64(uint8(v))
	case onnxpb.TensorProto_BOOL:
		if v != 0 {
			return 1
		}
	}
	return v
}

// decode reads an initializer or a Constant's tensor.
func decode(tp *onnxpb.TensorProto) (*tensor, error) {
	dt := graph.DataType(tp.GetDataType())
	if !supported(dt) {
		return nil, fmt.Errorf("type %s", dt)
	}
	t := &tensor{dt: dt, shape: append([]int64{}, tp.Dims...)}
	var err error
	if isFloatType(dt) {
		t.f, err = graph.Float64s(tp)
	} else {
		t.i, err = graph.Int64s(tp)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// encode writes t as an initializer named name, in its own type.
func encode(name string, t *tensor) *onnxpb.TensorProto {
	tp := &onnxpb.TensorProto{Name: proto.String(name), Dims: append([]int64{}, t.shape...), DataType: proto.Int32(int32(t.dt))}
	n := t.len()
	size := graph.ElemSize(t.dt)
	b := make([]byte, size*n)
	for k := 0; k < n; k++ {
		switch t.dt {
		case onnxpb.TensorProto_FLOAT:
			binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(float32(t.f[k])))
		case onnxpb.TensorProto_DOUBLE:
			binary.LittleEndian.PutUint64(b[8*k:], math.Float64bits(t.f[k]))
		case onnxpb.TensorProto_INT64:
			binary.LittleEndian.PutUint64(b[8*k:], uint64(t.i[k]))
		case onnxpb.TensorProto_INT32:
			binary.LittleEndian.PutUint32(b[4*k:], uint32(t.i[k]))
		default: // one-byte types
			b[k] = byte(t.i[k])
		}
	}
	tp.RawData = b
	return tp
}

// strides are row-major element strides of shape.
func strides(shape []int64) []int {
	s := make([]int, len(shape))
	acc := 1
	for d := len(shape) - 1; d >= 0; d-- {
		s[d] = acc
		acc *= int(shape[d])
	}
	return s
}
