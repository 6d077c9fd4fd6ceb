package passes

import (
	"encoding/binary"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// int64Tensor is an INT64 initializer of shape [len(vals)].
func int64Tensor(name string, vals []int64) *onnxpb.TensorProto {
	t := &onnxpb.TensorProto{Name: proto.String(name), Dims: []int64{int64(len(vals))}, DataType: proto.Int32(int32(onnxpb.TensorProto_INT64))}
	t.RawData = make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(t.RawData[8*i:], uint64(v))
	}
	return t
}

// RemoveIdentities bypasses Identity and Dropout nodes and Pad nodes that
// pad nothing. A node whose output is a graph output keeps its name by
// renaming its input's producer output instead, when that is safe.
func RemoveIdentities(g *graph.Graph, res shapes.Result) int {
	gp := g.Proto
	rename := map[string]string{}
	var keep []*onnxpb.NodeProto
	removed := 0
	for _, n := range gp.Node {
		if !isIdentity(n, res) || len(n.Input) == 0 || n.Output[0] == "" || g.IsOutput(n.Output[0]) {
			keep = append(keep, n)
			continue
		}
		// Dropout's optional mask output must be unused.
		if len(n.Output) > 1 && n.Output[1] != "" && len(g.Consumers[n.Output[1]]) > 0 {
			keep = append(keep, n)
			continue
		}
		rename[n.Output[0]] = n.Input[0]
		removed++
	}
	resolve := func(s string) string {
		for {
			r, ok := rename[s]
			if !ok {
				return s
			}
			s = r
		}
	}
	for _, n := range keep {
		for i, in := range n.Input {
			n.Input[i] = resolve(in)
		}
	}
	gp.Node = keep
	return removed
}

func isIdentity(n *onnxpb.NodeProto, res shapes.Result) bool {
	if n.GetDomain() != "" && n.GetDomain() != "ai.onnx" {
		return false
	}
	switch n.GetOpType() {
	case "Identity", "Dropout":
		return true
	case "Pad":
		if len(n.Input) < 2 {
			for _, p := range graph.AttrInts(n, "pads") {
				if p != 0 {
					return false
				}
			}
			return true
		}
		pads := res[n.Input[1]]
		if pads == nil || pads.Ints == nil {
			return false
		}
		for _, p := range pads.Ints {
			if p != 0 {
				return false
			}
		}
		return true
	}
	return false
}

// RemoveDead drops nodes whose outputs reach no graph output, and
// initializers nothing reads. It returns the number of nodes removed.
func RemoveDead(gp *onnxpb.GraphProto) int {
	live := map[string]bool{}
	for _, o := range gp.Output {
		live[o.GetName()] = true
	}
	alive := make([]bool, len(gp.Node))
	for changed := true; changed; {
		changed = false
		for i := len(gp.Node) - 1; i >= 0; i-- {
			if alive[i] {
				continue
			}
			n := gp.Node[i]
			for _, out := range n.Output {
				if live[out] {
					alive[i], changed = true, true
					for _, in := range n.Input {
						live[in] = true
					}
					break
				}
			}
		}
	}
	var keep []*onnxpb.NodeProto
	for i, n := range gp.Node {
		if alive[i] {
			keep = append(keep, n)
		}
	}
	removed := len(gp.Node) - len(keep)
	gp.Node = keep
	var inits []*onnxpb.TensorProto
	dropped := map[string]bool{}
	for _, t := range gp.Initializer {
		if live[t.GetName()] {
			inits = append(inits, t)
		} else {
			dropped[t.GetName()] = true
		}
	}
	gp.Initializer = inits
	// Initializers listed as graph inputs (old IR style) go with them.
	var ins []*onnxpb.ValueInfoProto
	for _, in := range gp.Input {
		if !dropped[in.GetName()] {
			ins = append(ins, in)
		}
	}
	gp.Input = ins
	return removed
}
