package graph

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// DataType aliases ONNX's element type enum.
type DataType = onnxpb.TensorProto_DataType

// ElemSize is the byte size of one element of dt, or 0 for types without a
// fixed size (strings, sub-byte types).
func ElemSize(dt DataType) int {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_INT32, onnxpb.TensorProto_UINT32:
		return 4
	case onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_INT64, onnxpb.TensorProto_UINT64, onnxpb.TensorProto_COMPLEX64:
		return 8
	case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16, onnxpb.TensorProto_INT16, onnxpb.TensorProto_UINT16:
		return 2
	case onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL,
		onnxpb.TensorProto_FLOAT8E4M3FN, onnxpb.TensorProto_FLOAT8E4M3FNUZ, onnxpb.TensorProto_FLOAT8E5M2, onnxpb.TensorProto_FLOAT8E5M2FNUZ:
		return 1
	case onnxpb.TensorProto_COMPLEX128:
		return 16
	}
	return 0
}

// IsFloat reports whether dt is a floating-point type.
func IsFloat(dt DataType) bool {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		return true
	}
	return false
}

// NumElements is the product of dims (1 for a scalar); -1 when a dim is
// negative, and math.MaxInt64 when the product overflows, so that corrupt
// dims can never look small.
func NumElements(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt64/d {
			n = math.MaxInt64
			continue
		}
		n *= d
	}
	return n
}

// Float64s decodes a numeric tensor's values as float64, whatever its
// storage (raw_data or typed fields).
func Float64s(t *onnxpb.TensorProto) ([]float64, error) {
	dt := DataType(t.GetDataType())
	n := NumElements(t.Dims)
	if n < 0 {
		return nil, fmt.Errorf("tensor %q: negative dimension in %v", t.GetName(), t.Dims)
	}
	if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("tensor %q: external data not loaded", t.GetName())
	}
	if t.RawData != nil {
		size := ElemSize(dt)
		if size == 0 {
			return nil, fmt.Errorf("tensor %q: cannot decode %s", t.GetName(), dt)
		}
		if int64(len(t.RawData))/int64(size) != n || int64(len(t.RawData))%int64(size) != 0 {
			return nil, fmt.Errorf("tensor %q: raw_data has %d bytes, want %d values of %s for %v", t.GetName(), len(t.RawData), n, dt, t.Dims)
		}
		out := make([]float64, n)
		b := t.RawData
		for i := range out {
			out[i] = decodeLE(dt, b[i*size:])
		}
		return out, nil
	}
	// Typed fields: check the count before allocating, so a corrupt file
	// with huge dims cannot ask for terabytes.
	if typed := typedLen(t, dt); int64(typed) != n {
		return nil, fmt.Errorf("tensor %q: has %d values, want %d for shape %v", t.GetName(), typed, n, t.Dims)
	}
	out := make([]float64, n)
	var got int
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_COMPLEX64:
		got = len(t.FloatData)
		for i := 0; i < got && i < len(out); i++ {
			out[i] = float64(t.FloatData[i])
		}
	case onnxpb.TensorProto_DOUBLE:
		got = len(t.DoubleData)
		copy(out, t.DoubleData)
	case onnxpb.TensorProto_INT64:
		got = len(t.Int64Data)
		for i := 0; i < got && i < len(out); i++ {
			out[i] = float64(t.Int64Data[i])
		}
	case onnxpb.TensorProto_UINT32, onnxpb.TensorProto_UINT64:
		got = len(t.Uint64Data)
		for i := 0; i < got && i < len(out); i++ {
			out[i] = float64(t.Uint64Data[i])
		}
	case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		// 16-bit floats travel as raw bits in int32_data.
		got = len(t.Int32Data)
		for i := 0; i < got && i < len(out); i++ {
			var b [2]byte
			binary.LittleEndian.PutUint16(b[:], uint16(t.Int32Data[i]))
			out[i] = decodeLE(dt, b[:])
		}
	case onnxpb.TensorProto_INT32, onnxpb.TensorProto_INT16, onnxpb.TensorProto_INT8,
		onnxpb.TensorProto_UINT16, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL:
		got = len(t.Int32Data)
		for i := 0; i < got && i < len(out); i++ {
			out[i] = float64(t.Int32Data[i])
		}
	default:
		return nil, fmt.Errorf("tensor %q: cannot decode %s", t.GetName(), dt)
	}
	return out, nil
}

func typedLen(t *onnxpb.TensorProto, dt DataType) int {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_COMPLEX64:
		return len(t.FloatData)
	case onnxpb.TensorProto_DOUBLE:
		return len(t.DoubleData)
	case onnxpb.TensorProto_INT64:
		return len(t.Int64Data)
	case onnxpb.TensorProto_UINT32, onnxpb.TensorProto_UINT64:
		return len(t.Uint64Data)
	}
	return len(t.Int32Data)
}

// Int64s decodes an integer tensor exactly (Float64s would round values
// such as INT64_MAX, which Slice uses for "to the end").
func Int64s(t *onnxpb.TensorProto) ([]int64, error) {
	dt := DataType(t.GetDataType())
	switch dt {
	case onnxpb.TensorProto_INT64:
		if t.RawData == nil {
			if int64(len(t.Int64Data)) != NumElements(t.Dims) {
				return nil, fmt.Errorf("tensor %q: has %d values, want %d", t.GetName(), len(t.Int64Data), NumElements(t.Dims))
			}
			return append([]int64(nil), t.Int64Data...), nil
		}
		n := NumElements(t.Dims)
		if int64(len(t.RawData)) != 8*n {
			return nil, fmt.Errorf("tensor %q: raw_data has %d bytes, want %d", t.GetName(), len(t.RawData), 8*n)
		}
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(t.RawData[8*i:]))
		}
		return out, nil
	}
	f, err := Float64s(t)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(f))
	for i, v := range f {
		out[i] = int64(v)
	}
	return out, nil
}

func decodeLE(dt DataType, b []byte) float64 {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_COMPLEX64:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case onnxpb.TensorProto_DOUBLE:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case onnxpb.TensorProto_FLOAT16:
		return float64(HalfToFloat32(binary.LittleEndian.Uint16(b)))
	case onnxpb.TensorProto_BFLOAT16:
		return float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16))
	case onnxpb.TensorProto_INT64:
		return float64(int64(binary.LittleEndian.Uint64(b)))
	case onnxpb.TensorProto_UINT64:
		return float64(binary.LittleEndian.Uint64(b))
	case onnxpb.TensorProto_INT32:
		return float64(int32(binary.LittleEndian.Uint32(b)))
	case onnxpb.TensorProto_UINT32:
		return float64(binary.LittleEndian.Uint32(b))
	case onnxpb.TensorProto_INT16:
		return float64(int16(binary.LittleEndian.Uint16(b)))
	case onnxpb.TensorProto_UINT16:
		return float64(binary.LittleEndian.Uint16(b))
	case onnxpb.TensorProto_INT8:
		return float64(int8(b[0]))
	case onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL:
		return float64(b[0])
	}
	return math.NaN()
}

// HalfToFloat32 converts IEEE 754 binary16 bits to float32.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = frac * 2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
