package passes

import (
	"fmt"

	"github.com/segtrt/segtrt/internal/opterr"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/patterns"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Fusion says what to fuse.
type Fusion struct {
	// AvgPool fuses global and stride-1 average pooling into AvgPoolInfer
	// where its error bound is no worse than a direct sum's (see
	// AvgPoolInferErrorBound); smaller windows stay standard ops.
	SPG, AvgPool bool
	// TrainCrop (H, W), when set, turns global pooling into inference
	// average pooling with kernel ceil(crop / stride) at each site.
	TrainCrop [2]int64
}

// Summary reports what a fusion did, for people.
type Summary struct {
	SPGFused    []string // Add node names
	PoolFused   []string // pooling node names
	APRewritten []string // global pooling sites given an inference kernel
	Warnings    []string
	NotFused    []string // half-matched patterns, pooling windows too small for AvgPoolInfer, and why
}

// Fuse rewrites g.Proto (of model m) as f asks. res must describe g.
func Fuse(m *onnxpb.ModelProto, g *graph.Graph, res shapes.Result, f Fusion) (Summary, error) {
	var s Summary
	gp := g.Proto
	drop := map[int]bool{}
	insertAt := map[int][]*onnxpb.NodeProto{} // new nodes, placed where the replaced one was
	if f.SPG {
		matched := map[int]bool{}
		for _, site := range patterns.FindSPGExcite(g, res) {
			add := g.Node(site.Add)
			matched[site.Add] = true
			drop[site.Add], drop[site.Mul], drop[site.Sigmoid] = true, true, true
			insertAt[site.Add] = append(insertAt[site.Add], &onnxpb.NodeProto{
				Name: proto.String(add.GetName() + "/SPGExcite"), OpType: proto.String(SPGExciteOp), Domain: proto.String(Domain),
				Input: []string{site.X, site.G, site.T}, Output: []string{site.Y}, Attribute: pluginAttrs(),
			})
			s.SPGFused = append(s.SPGFused, add.GetName())
		}
		s.NotFused = append(s.NotFused, spgMisses(g, res, matched)...)
	}
	inputHW, err := inputSize(g, res)
	if err != nil && (f.AvgPool || f.TrainCrop != [2]int64{}) {
		return s, err
	}
	for _, p := range patterns.FindPooling(g, res) {
		n := g.Node(p.Node)
		if p.Kind == patterns.PluginAvgPool {
			continue
		}
		if p.Feature == [2]int64{} {
			if f.AvgPool || f.TrainCrop != [2]int64{} {
				s.NotFused = append(s.NotFused, fmt.Sprintf("%s: feature size unknown to segtrt's shape inference; left as is", n.GetName()))
			}
			continue
		}
		global := p.Kind != patterns.InferenceAP
		kernel := p.Kernel
		resizeBack := false
		if global && f.TrainCrop != [2]int64{} {
			if user := vectorUse(g, p.Output); user != "" {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: pooled value is used as a vector by %s; left as global pooling", n.GetName(), user))
			} else {
				kernel, resizeBack = s.apKernel(n.GetName(), p.Feature, inputHW, f.TrainCrop)
				s.APRewritten = append(s.APRewritten, fmt.Sprintf("%s: %dx%d -> kernel %dx%d", n.GetName(), p.Feature[0], p.Feature[1], kernel[0], kernel[1]))
			}
		}
		fuse := f.AvgPool
		if fuse {
			if why := avgPoolNotWorthIt(kernel, p.Feature); why != "" {
				s.NotFused = append(s.NotFused, fmt.Sprintf("%s: %s", n.GetName(), why))
				fuse = false
			}
		}
		if !fuse && !resizeBack {
			continue
		}
		out := p.Output
		pooled := out
		if resizeBack {
			pooled = out + "_ap"
		}
		var pool *onnxpb.NodeProto
		if fuse {
			pool = &onnxpb.NodeProto{
				Name: proto.String(n.GetName() + "/AvgPoolInfer"), OpType: proto.String(AvgPoolOp), Domain: proto.String(Domain),
				Input: []string{p.Input}, Output: []string{pooled},
				Attribute: append(pluginAttrs(), intAttr("kernel_h", kernel[0]), intAttr("kernel_w", kernel[1])),
			}
			s.PoolFused = append(s.PoolFused, n.GetName())
		} else {
			pool = &onnxpb.NodeProto{
				Name: proto.String(n.GetName() + "/AP"), OpType: proto.String("AveragePool"),
				Input: []string{p.Input}, Output: []string{pooled},
				Attribute: []*onnxpb.AttributeProto{intsAttr("kernel_shape", kernel[0], kernel[1]), intsAttr("strides", 1, 1)},
			}
		}
		drop[p.Node] = true
		insertAt[p.Node] = append(insertAt[p.Node], pool)
		if resizeBack {
			shape := res[p.Output].Shape
			insertAt[p.Node] = append(insertAt[p.Node], resizeTo(gp, n.GetName()+"/ResizeBack", pooled, out,
				[]int64{shape[0], shape[1], p.Feature[0], p.Feature[1]}))
		}
	}
	var nodes []*onnxpb.NodeProto
	for i, n := range gp.Node {
		nodes = append(nodes, insertAt[i]...)
		if !drop[i] {
			nodes = append(nodes, n)
		}
	}
	gp.Node = nodes
	if len(s.SPGFused) > 0 || len(s.PoolFused) > 0 {
		ensureOpset(m, Domain, 1)
	}
	return s, nil
}

// AvgPoolInferChunk is AvgPoolInfer's restart period B (avgpool::kChunk in
// plugins/avgpoolinfer/avgPoolInferMath.h; a plugins/cputwin test keeps the
// two equal): along each line, every run of B outputs starts from a direct
// sum of its window and then slides, adding the entering element and
// subtracting the leaving one.
const AvgPoolInferChunk = 32

// AvgPoolInferErrorBound is the worst-case absolute error of one
// AvgPoolInfer output, to first order, in units of 2^-24 * max|x|, for a
// kernel (kh, kw) already clamped to the feature map and the output extents
// (oh, ow). Each pass starts a chunk with a direct sum of k terms of
// magnitude at most A (error at most (k-1) k A) and slides up to
// m = min(B, outputs) - 1 times, two roundings each ((2k + 1) A); A is
// max|x| for the horizontal pass and kw max|x| for the vertical one, which
// also carries the horizontal errors, and the division rounds once more:
//
//	(kw - 1) + mw (2 + 1/kw) + (kh - 1) + mh (2 + 1/kh) + 1
//
// that is about kw + kh + 4B on maps with oh, ow >= B, independent of the
// map's size (plugins/avgpoolinfer/README.md derives it).
func AvgPoolInferErrorBound(kernel, output [2]int64) float64 {
	pass := func(k, outputs int64) float64 {
		m := float64(min(outputs, AvgPoolInferChunk) - 1)
		return float64(k-1) + m*(2+1/float64(k))
	}
	bound := pass(kernel[0], output[0]) + pass(kernel[1], output[1]) + 1
	if kernel[0]*kernel[1] > 1<<24 { // the area itself rounds to float
		bound++
	}
	return bound
}

// DirectSumErrorBound is the same bound, in the same units, for averaging
// a window of `area` elements by a float32 sum taken in order, as
// TensorRT's pooling may: (area - 1) for the sum plus 1 for the division.
func DirectSumErrorBound(area int64) float64 { return float64(area) }

// avgPoolNotWorthIt says why a pooling site stays a standard op, or "" to
// fuse it. The threshold is on accuracy (speed cannot be measured without
// a GPU): fuse only where AvgPoolInfer's bound is no worse than a direct
// sum's. For global pooling (no slides) that holds for every window, since
// kh + kw - 1 <= kh * kw; for stride-1 pooling on maps of 32 x 32 outputs or
// more it takes kh * kw >= kh + kw + 4B - 5 + (B-1)(1/kh + 1/kw), i.e.
// square windows from 13 x 13 (SPGNet's inference kernels, 24 x 24 and up
// at 1024 x 2048, pass; 3 x 3 smoothing does not). Measured on a 256 x 512
// plane of values in [0, 4] (the CPU twin against float64), the plugin's
// maximum error drops below an ordered float32 sum's from the same 13 x 13
// on (plugins/avgpoolinfer/README.md).
func avgPoolNotWorthIt(kernel, feature [2]int64) string {
	var k, out [2]int64
	for a := 0; a < 2; a++ {
		k[a] = min(kernel[a], feature[a])
		out[a] = feature[a] - k[a] + 1
	}
	plugin, direct := AvgPoolInferErrorBound(k, out), DirectSumErrorBound(k[0]*k[1])
	if plugin <= direct {
		return ""
	}
	return fmt.Sprintf("%dx%d window over %dx%d features left as a standard op: too small for AvgPoolInfer "+
		"(its error bound, %.0f x 2^-24 max|x|, exceeds a direct sum's, %.0f)", k[0], k[1], feature[0], feature[1], plugin, direct)
}

// vectorUse names a node that treats the pooled value as a 1x1 vector
// (flattening it, feeding a fully connected layer, giving it out as is, or
// squashing it into a squeeze-and-excitation channel gate), following
// per-pixel ops; "" when every use is spatial context, so that pooling can
// return a map resized to the feature size instead.
func vectorUse(g *graph.Graph, value string) string {
	seen := map[string]bool{}
	var walk func(v string) string
	walk = func(v string) string {
		if seen[v] {
			return ""
		}
		seen[v] = true
		if g.IsOutput(v) {
			return "the graph output " + v
		}
		for _, ci := range g.Consumers[v] {
			c := g.Node(ci)
			switch c.GetOpType() {
			case "Flatten", "Reshape", "Squeeze", "Gemm", "MatMul", "Transpose":
				return graph.NodeName(c)
			case "Sigmoid", "HardSigmoid":
				return graph.NodeName(c) + " (a channel gate)"
			case "Conv", "BatchNormalization", "Relu", "HardSwish", "Clip", "Mul", "Div", "Sub", "Add":
				// Per-pixel: its output carries the question further.
				if u := walk(c.Output[0]); u != "" {
					return u
				}
			}
		}
		return ""
	}
	return walk(value)
}

// apKernel is ceil(crop / stride) per axis at a site whose feature map is
// feature for an input of inputHW, clamped to the feature size.
func (s *Summary) apKernel(site string, feature, inputHW, crop [2]int64) ([2]int64, bool) {
	var k [2]int64
	clamped := false
	for a := 0; a < 2; a++ {
		stride := inputHW[a] / feature[a]
		if stride < 1 {
			stride = 1
		}
		k[a] = (crop[a] + stride - 1) / stride
		if k[a] > feature[a] {
			k[a], clamped = feature[a], true
		}
	}
	if clamped {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s: train-crop kernel exceeds the %dx%d feature map; clamped to %dx%d",
			site, feature[0], feature[1], k[0], k[1]))
	}
	// A kernel covering the whole map is global pooling: no resize needed.
	return k, k != feature
}

func inputSize(g *graph.Graph, res shapes.Result) ([2]int64, error) {
	if len(g.Inputs) != 1 {
		return [2]int64{}, fmt.Errorf("pooling rewrites need a model with one image input, this one has %d", len(g.Inputs))
	}
	v := res[g.Inputs[0].GetName()]
	if !v.Static() || len(v.Shape) != 4 {
		return [2]int64{}, opterr.Hintf("input %q is %s; give {InputShapes} for a static NCHW size", g.Inputs[0].GetName(), v)
	}
	return [2]int64{v.Shape[2], v.Shape[3]}, nil
}

// resizeTo makes a bilinear (half-pixel) Resize of in to sizes.
func resizeTo(gp *onnxpb.GraphProto, name, in, out string, sizes []int64) *onnxpb.NodeProto {
	empty := func(n string) *onnxpb.TensorProto {
		return &onnxpb.TensorProto{Name: proto.String(n), Dims: []int64{0}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT))}
	}
	sz := int64Tensor(name+"_sizes", sizes)
	gp.Initializer = append(gp.Initializer, empty(name+"_roi"), empty(name+"_scales"), sz)
	return &onnxpb.NodeProto{
		Name: proto.String(name), OpType: proto.String("Resize"),
		Input: []string{in, name + "_roi", name + "_scales", name + "_sizes"}, Output: []string{out},
		Attribute: []*onnxpb.AttributeProto{stringAttr("mode", "linear"), stringAttr("coordinate_transformation_mode", "half_pixel")},
	}
}

// spgMisses explains Add(x, Mul(Sigmoid(g), t)) sites that were not fused.
func spgMisses(g *graph.Graph, res shapes.Result, matched map[int]bool) []string {
	var out []string
	for _, ai := range g.Order {
		add := g.Node(ai)
		if matched[ai] || add.GetOpType() != "Add" || len(add.Input) != 2 {
			continue
		}
		for side := 0; side < 2; side++ {
			mul := g.ProducerOf(add.Input[side])
			if mul == nil || mul.GetOpType() != "Mul" || len(mul.Input) != 2 {
				continue
			}
			for ms := 0; ms < 2; ms++ {
				sig := g.ProducerOf(mul.Input[ms])
				if sig == nil || sig.GetOpType() != "Sigmoid" {
					continue
				}
				var why string
				switch {
				case len(g.Consumers[mul.Output[0]]) != 1 || g.IsOutput(mul.Output[0]):
					why = fmt.Sprintf("the output of %s also feeds other nodes", graph.NodeName(mul))
				case len(g.Consumers[sig.Output[0]]) != 1 || g.IsOutput(sig.Output[0]):
					why = fmt.Sprintf("the output of %s also feeds other nodes", graph.NodeName(sig))
				default:
					why = fmt.Sprintf("x %s, g %s and t %s differ in shape (broadcast)", res[add.Input[1-side]], res[sig.Input[0]], res[mul.Input[1-ms]])
				}
				out = append(out, fmt.Sprintf("%s: SPG pattern not fused, left unchanged: %s", graph.NodeName(add), why))
			}
		}
	}
	return out
}
