package shapes

import (
	"fmt"
	"math"
)

func init() {
	register(conv, "Conv")
	register(convTranspose, "ConvTranspose")
	register(pool, "MaxPool", "AveragePool", "LpPool")
	register(globalPool, "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
	register(resize, "Resize")
	register(upsample, "Upsample")
	register(gemm, "Gemm")
	register(matmul, "MatMul")
	pluginOps["SPGExcite"] = sameShape
	pluginOps["AvgPoolInfer"] = avgPoolInfer
}

// window describes a sliding-window op's geometry along the spatial axes.
type window struct {
	kernel, strides, dilations, padBegin, padEnd []int64
	autoPad                                      string
	ceil                                         bool
}

func (c *ctx) window(kernel []int64) (window, error) {
	n := len(kernel)
	w := window{
		kernel:    kernel,
		strides:   c.attrInts("strides"),
		dilations: c.attrInts("dilations"),
		autoPad:   c.attrString("auto_pad", "NOTSET"),
		ceil:      c.attrInt("ceil_mode", 0) != 0,
	}
	if w.strides == nil {
		w.strides = ones(n)
	}
	if w.dilations == nil {
		w.dilations = ones(n)
	}
	pads := c.attrInts("pads")
	if pads == nil {
		pads = make([]int64, 2*n)
	}
	if len(w.strides) != n || len(w.dilations) != n || len(pads) != 2*n {
		return w, fmt.Errorf("attributes strides/dilations/pads do not match a %d-D kernel", n)
	}
	w.padBegin, w.padEnd = pads[:n], pads[n:]
	for i := range kernel {
		if kernel[i] <= 0 || w.strides[i] <= 0 || w.dilations[i] <= 0 {
			return w, fmt.Errorf("kernel, strides and dilations must be positive")
		}
	}
	return w, nil
}

// out computes output sizes of the spatial dims.
func (w window) out(in []int64) ([]int64, error) {
	out := make([]int64, len(in))
	for i, x := range in {
		if x < 0 {
			out[i] = -1
			continue
		}
		k := w.dilations[i]*(w.kernel[i]-1) + 1
		s := w.strides[i]
		switch w.autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			out[i] = (x + s - 1) / s
			continue
		case "VALID":
			out[i] = (x-k)/s + 1
		case "NOTSET", "":
			span := x + w.padBegin[i] + w.padEnd[i] - k
			if span < 0 {
				return nil, fmt.Errorf("kernel %d (dilated) larger than padded input %d", k, x+w.padBegin[i]+w.padEnd[i])
			}
			if w.ceil {
				o := int64(math.Ceil(float64(span)/float64(s))) + 1
				// A last window starting in the end padding is dropped.
				if (o-1)*s >= x+w.padBegin[i] {
					o--
				}
				out[i] = o
			} else {
				out[i] = span/s + 1
			}
		default:
			return nil, fmt.Errorf("unknown auto_pad %q", w.autoPad)
		}
		if out[i] <= 0 {
			return nil, fmt.Errorf("output size %d along spatial axis %d", out[i], i)
		}
	}
	return out, nil
}

func ones(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func conv(c *ctx) error {
	x, xr, err := c.rankOf(0)
	if err != nil {
		return err
	}
	w, wr, err := c.rankOf(1)
	if err != nil {
		return err
	}
	if xr < 3 || wr != xr {
		return fmt.Errorf("input rank %d and weight rank %d do not fit a convolution", xr, wr)
	}
	kernel := c.attrInts("kernel_shape")
	if kernel == nil {
		kernel = w.Shape[2:]
	}
	group := c.attrInt("group", 1)
	if x.Shape[1] >= 0 && w.Shape[1] >= 0 && x.Shape[1] != w.Shape[1]*group {
		return fmt.Errorf("input has %d channels, weight expects %d x group %d", x.Shape[1], w.Shape[1], group)
	}
	win, err := c.window(kernel)
	if err != nil {
		return err
	}
	sp, err := win.out(x.Shape[2:])
	if err != nil {
		return err
	}
	c.set(&Value{DType: x.DType, Shape: append([]int64{x.Shape[0], w.Shape[0]}, sp...)})
	return nil
}

func convTranspose(c *ctx) error {
	x, xr, err := c.rankOf(0)
	if err != nil {
		return err
	}
	w, wr, err := c.rankOf(1)
	if err != nil {
		return err
	}
	if xr < 3 || wr != xr {
		return fmt.Errorf("input rank %d and weight rank %d do not fit a convolution", xr, wr)
	}
	group := c.attrInt("group", 1)
	kernel := c.attrInts("kernel_shape")
	if kernel == nil {
		kernel = w.Shape[2:]
	}
	win, err := c.window(kernel)
	if err != nil {
		return err
	}
	outShape := []int64{x.Shape[0], w.Shape[1] * group}
	if os := c.attrInts("output_shape"); os != nil {
		c.set(&Value{DType: x.DType, Shape: append(outShape, os[len(os)-len(kernel):]...)})
		return nil
	}
	outPad := c.attrInts("output_padding")
	if outPad == nil {
		outPad = make([]int64, len(kernel))
	}
	for i, in := range x.Shape[2:] {
		if in < 0 {
			outShape = append(outShape, -1)
			continue
		}
		o := win.strides[i]*(in-1) + outPad[i] + (kernel[i]-1)*win.dilations[i] + 1
		if win.autoPad == "SAME_UPPER" || win.autoPad == "SAME_LOWER" {
			o = in * win.strides[i]
		} else {
			o -= win.padBegin[i] + win.padEnd[i]
		}
		outShape = append(outShape, o)
	}
	c.set(&Value{DType: x.DType, Shape: outShape})
	return nil
}

func pool(c *ctx) error {
	x, xr, err := c.rankOf(0)
	if err != nil {
		return err
	}
	kernel := c.attrInts("kernel_shape")
	if len(kernel) != xr-2 {
		return fmt.Errorf("kernel_shape %v does not fit input rank %d", kernel, xr)
	}
	win, err := c.window(kernel)
	if err != nil {
		return err
	}
	sp, err := win.out(x.Shape[2:])
	if err != nil {
		return err
	}
	shape := append([]int64{x.Shape[0], x.Shape[1]}, sp...)
	outs := []*Value{{DType: x.DType, Shape: shape}}
	if len(c.node.Output) > 1 { // MaxPool indices
		outs = append(outs, &Value{DType: 7, Shape: copyShape(shape)})
	}
	c.set(outs...)
	return nil
}

func globalPool(c *ctx) error {
	x, xr, err := c.rankOf(0)
	if err != nil {
		return err
	}
	if xr < 3 {
		return fmt.Errorf("input rank %d, want >= 3", xr)
	}
	shape := []int64{x.Shape[0], x.Shape[1]}
	for i := 2; i < xr; i++ {
		shape = append(shape, 1)
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

// scaled applies resize scales: out = floor(in * scale).
func scaled(in []int64, scales []float64) ([]int64, error) {
	if len(scales) != len(in) {
		return nil, fmt.Errorf("%d scales for a rank-%d input", len(scales), len(in))
	}
	out := make([]int64, len(in))
	for i, d := range in {
		if d < 0 {
			out[i] = -1
			continue
		}
		// float32 product, as runtimes compute it, then floor.
		out[i] = int64(math.Floor(float64(float32(d) * float32(scales[i]))))
	}
	return out, nil
}

func resize(c *ctx) error {
	x, _, err := c.rankOf(0)
	if err != nil {
		return err
	}
	if c.opset >= 18 && c.attr("axes") != nil {
		return fmt.Errorf("Resize with axes is not supported")
	}
	if c.opset < 11 { // opset 10: X, scales
		scales, err := c.floats(1)
		if err != nil {
			return err
		}
		shape, err := scaled(x.Shape, scales)
		if err != nil {
			return err
		}
		c.set(&Value{DType: x.DType, Shape: shape})
		return nil
	}
	if sizes := c.optional(3); sizes != nil {
		s, err := c.ints(3)
		if err != nil {
			return err
		}
		if len(s) != len(x.Shape) {
			return fmt.Errorf("%d sizes for a rank-%d input", len(s), len(x.Shape))
		}
		c.set(&Value{DType: x.DType, Shape: append([]int64{}, s...)})
		return nil
	}
	if c.optional(2) == nil {
		return fmt.Errorf("neither scales nor sizes given")
	}
	scales, err := c.floats(2)
	if err != nil {
		return err
	}
	shape, err := scaled(x.Shape, scales)
	if err != nil {
		return err
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

func upsample(c *ctx) error {
	x, _, err := c.rankOf(0)
	if err != nil {
		return err
	}
	var scales []float64
	if a := c.attr("scales"); a != nil {
		for _, f := range a.Floats {
			scales = append(scales, float64(f))
		}
	} else if scales, err = c.floats(1); err != nil {
		return err
	}
	shape, err := scaled(x.Shape, scales)
	if err != nil {
		return err
	}
	c.set(&Value{DType: x.DType, Shape: shape})
	return nil
}

func gemm(c *ctx) error {
	a, ar, err := c.rankOf(0)
	if err != nil {
		return err
	}
	b, br, err := c.rankOf(1)
	if err != nil {
		return err
	}
	if ar != 2 || br != 2 {
		return fmt.Errorf("Gemm needs 2-D inputs, got ranks %d and %d", ar, br)
	}
	m, ka := a.Shape[0], a.Shape[1]
	if c.attrInt("transA", 0) != 0 {
		m, ka = ka, m
	}
	kb, n := b.Shape[0], b.Shape[1]
	if c.attrInt("transB", 0) != 0 {
		kb, n = n, kb
	}
	if ka >= 0 && kb >= 0 && ka != kb {
		return fmt.Errorf("inner dimensions %d and %d differ", ka, kb)
	}
	c.set(&Value{DType: a.DType, Shape: []int64{m, n}})
	return nil
}

func matmul(c *ctx) error {
	a, ar, err := c.rankOf(0)
	if err != nil {
		return err
	}
	b, br, err := c.rankOf(1)
	if err != nil {
		return err
	}
	if ar == 0 || br == 0 {
		return fmt.Errorf("MatMul of a scalar")
	}
	as, bs := copyShape(a.Shape), copyShape(b.Shape)
	if ar == 1 {
		as = []int64{1, as[0]}
	}
	if br == 1 {
		bs = []int64{bs[0], 1}
	}
	ka, kb := as[len(as)-1], bs[len(bs)-2]
	if ka >= 0 && kb >= 0 && ka != kb {
		return fmt.Errorf("inner dimensions %d and %d differ", ka, kb)
	}
	batch, err := Broadcast(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return err
	}
	shape := batch
	if ar > 1 {
		shape = append(shape, as[len(as)-2])
	}
	if br > 1 {
		shape = append(shape, bs[len(bs)-1])
	}
	c.set(&Value{DType: a.DType, Shape: shape})
	return nil
}

// avgPoolInfer is segtrt's AvgPoolInfer plugin: stride-1 average pooling
// without padding, kernel clamped to the input size.
func avgPoolInfer(c *ctx) error {
	x, xr, err := c.rankOf(0)
	if err != nil {
		return err
	}
	if xr != 4 {
		return fmt.Errorf("AvgPoolInfer needs NCHW input, got rank %d", xr)
	}
	kh, kw := c.attrInt("kernel_h", 0), c.attrInt("kernel_w", 0)
	if kh <= 0 || kw <= 0 {
		return fmt.Errorf("AvgPoolInfer needs positive kernel_h and kernel_w")
	}
	h, w := x.Shape[2], x.Shape[3]
	oh, ow := int64(-1), int64(-1)
	if h >= 0 {
		oh = h - min(kh, h) + 1
	}
	if w >= 0 {
		ow = w - min(kw, w) + 1
	}
	c.set(&Value{DType: x.DType, Shape: []int64{x.Shape[0], x.Shape[1], oh, ow}})
	return nil
}
