package enginebuild

import (
	"slices"

	"github.com/segtrt/segtrt/internal/bytesize"
	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// PluginWorkspace is the most device workspace one of segtrt's plugin
// layers asks TensorRT for (each plugin gets its own at run time, from
// the same pool, one layer after another): the node, its input at the
// profile's largest shapes, and the bytes.
type PluginWorkspace struct {
	Node  string
	Input []int64
	Bytes uint64
}

// avgPoolWorkspaceBytes is AvgPoolInfer's workspace for an N x C x H x W
// input (plugins/avgpoolinfer: its horizontal window sums, N*C*H*OW
// floats with OW = W - min(kernel_w, W) + 1, rounded up to 256 bytes).
// SPGExcite needs none.
func avgPoolWorkspaceBytes(x []int64, kernelW int64) uint64 {
	n, c, h, w := x[0], x[1], x[2], x[3]
	ow := w - min(kernelW, w) + 1
	bytes := uint64(n) * uint64(c) * uint64(h) * uint64(ow) * 4
	return (bytes + 255) &^ 255
}

// PluginWorkspaceAt returns the largest plugin workspace of model m with
// its inputs at maxShapes (the profile's largest, or the model's fixed
// shapes). ok is false when the model has no AvgPoolInfer or its shapes
// cannot be inferred here (TensorRT then has the last word).
func PluginWorkspaceAt(m *onnxio.Model, maxShapes map[string][]int64) (need PluginWorkspace, ok bool) {
	g, err := graph.New(m.Proto.GetGraph())
	if err != nil {
		return need, false
	}
	var pools []int
	for i, n := range g.Proto.GetNode() {
		if n.GetDomain() == passes.Domain && n.GetOpType() == passes.AvgPoolOp {
			pools = append(pools, i)
		}
	}
	if len(pools) == 0 {
		return need, false
	}
	res, err := shapes.Infer(g, m.Opset(), maxShapes)
	if err != nil {
		return need, false
	}
	for _, i := range pools {
		n := g.Proto.GetNode()[i]
		v := res[n.GetInput()[0]]
		if v == nil || len(v.Shape) != 4 || slices.ContainsFunc(v.Shape, func(d int64) bool { return d <= 0 }) {
			return PluginWorkspace{}, false
		}
		if b := avgPoolWorkspaceBytes(v.Shape, graph.AttrInt(n, "kernel_w", 1)); b > need.Bytes {
			need = PluginWorkspace{Node: n.GetName(), Input: v.Shape, Bytes: b}
		}
	}
	return need, true
}

// checkWorkspace refuses, before building, a --workspace smaller than a
// plugin layer needs: TensorRT would only fail with its generic "no
// implementation" error.
func checkWorkspace(limit uint64, need PluginWorkspace) error {
	if limit == 0 || need.Bytes <= limit {
		return nil
	}
	return opterr.Errorf("{Workspace} %s is too small: AvgPoolInfer node %q needs %s of workspace for its input %s "+
		"at the profile's largest shapes; give {Workspace} %s or more",
		bytesize.Format(limit), need.Node, bytesize.Format(need.Bytes), shapes.FormatShape(need.Input), bytesize.Format(roundUpMiB(need.Bytes)))
}

func roundUpMiB(b uint64) uint64 { return (b + 1<<20 - 1) &^ (1<<20 - 1) }
