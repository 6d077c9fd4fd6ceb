// Package graph is segtrt's in-memory view of an ONNX graph: the protobuf
// messages plus indexes (who produces and who consumes each value, the
// initializers by name, a topological order). Passes edit the protobuf and
// call New again; indexes are cheap to rebuild for graphs of our size.
package graph

import (
	"container/heap"
	"fmt"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// Graph indexes one ONNX graph.
type Graph struct {
	Proto *onnxpb.GraphProto
	// Initializers by name.
	Initializers map[string]*onnxpb.TensorProto
	// Producer maps a value name to the index of the node that outputs it.
	Producer map[string]int
	// Consumers maps a value name to the indexes of nodes reading it, in
	// node order (a node reading a value twice appears twice).
	Consumers map[string][]int
	// Inputs are the graph inputs that are not initializers.
	Inputs []*onnxpb.ValueInfoProto
	// Order is a topological order of node indexes.
	Order []int
}

// NodeError is a problem tied to one node; its message names the node.
type NodeError struct {
	Node *onnxpb.NodeProto
	Msg  string
}

func (e *NodeError) Error() string { return fmt.Sprintf("node %s: %s", NodeName(e.Node), e.Msg) }

// NodeName names a node for messages: its name and op type, or its first
// output when torch left it unnamed.
func NodeName(n *onnxpb.NodeProto) string {
	name := n.GetName()
	if name == "" && len(n.Output) > 0 {
		name = "->" + n.Output[0]
	}
	return fmt.Sprintf("%q (%s)", name, n.GetOpType())
}

// New indexes g and checks that it is a well-formed DAG: every input is
// defined, no value is produced twice, and there is no cycle.
func New(g *onnxpb.GraphProto) (*Graph, error) {
	gr := &Graph{
		Proto:        g,
		Initializers: make(map[string]*onnxpb.TensorProto, len(g.Initializer)),
		Producer:     make(map[string]int, len(g.Node)),
		Consumers:    make(map[string][]int, len(g.Node)),
	}
	for _, t := range g.Initializer {
		gr.Initializers[t.GetName()] = t
	}
	defined := make(map[string]bool, len(g.Input)+len(g.Initializer))
	for name := range gr.Initializers {
		defined[name] = true
	}
	for _, in := range g.Input {
		if _, isInit := gr.Initializers[in.GetName()]; !isInit {
			gr.Inputs = append(gr.Inputs, in)
		}
		defined[in.GetName()] = true
	}
	for i, n := range g.Node {
		for _, out := range n.Output {
			if out == "" {
				continue
			}
			if j, dup := gr.Producer[out]; dup {
				return nil, &NodeError{n, fmt.Sprintf("output %q is also produced by node %s", out, NodeName(g.Node[j]))}
			}
			if defined[out] {
				return nil, &NodeError{n, fmt.Sprintf("output %q redefines a graph input or initializer", out)}
			}
			gr.Producer[out] = i
		}
	}
	for i, n := range g.Node {
		for _, in := range n.Input {
			if in == "" { // an omitted optional input
				continue
			}
			if _, ok := gr.Producer[in]; !ok && !defined[in] {
				return nil, &NodeError{n, fmt.Sprintf("input %q is not a graph input, an initializer or any node's output (missing initializer?)", in)}
			}
			gr.Consumers[in] = append(gr.Consumers[in], i)
		}
	}
	for _, out := range g.Output {
		if _, ok := gr.Producer[out.GetName()]; !ok && !defined[out.GetName()] {
			return nil, fmt.Errorf("graph output %q is not produced by any node", out.GetName())
		}
	}
	order, err := gr.topoSort()
	if err != nil {
		return nil, err
	}
	gr.Order = order
	return gr, nil
}

// topoSort orders nodes so that producers come before consumers, keeping
// the file's order where it is already valid (Kahn's algorithm, lowest
// index first).
func (gr *Graph) topoSort() ([]int, error) {
	nodes := gr.Proto.Node
	indeg := make([]int, len(nodes))
	for i, n := range nodes {
		for _, in := range n.Input {
			if _, ok := gr.Producer[in]; ok && in != "" {
				indeg[i]++
			}
		}
	}
	order := make([]int, 0, len(nodes))
	ready := &minHeap{}
	for i := range nodes {
		if indeg[i] == 0 {
			heap.Push(ready, i)
		}
	}
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, out := range nodes[i].Output {
			if out == "" {
				continue
			}
			for _, c := range gr.Consumers[out] {
				indeg[c]--
				if indeg[c] == 0 {
					heap.Push(ready, c)
				}
			}
		}
	}
	if len(order) < len(nodes) {
		for i, d := range indeg {
			if d > 0 {
				return nil, &NodeError{nodes[i], "graph has a cycle through this node"}
			}
		}
	}
	return order, nil
}

// Node returns node i.
func (gr *Graph) Node(i int) *onnxpb.NodeProto { return gr.Proto.Node[i] }

// SortNodes rewrites the graph's node list in topological order (Order),
// as tools that read ONNX files expect. Afterwards the graph's indexes
// (Order, Producer) refer to the old list: build a new Graph to go on.
func (gr *Graph) SortNodes() {
	nodes := make([]*onnxpb.NodeProto, len(gr.Order))
	for k, i := range gr.Order {
		nodes[k] = gr.Proto.Node[i]
	}
	gr.Proto.Node = nodes
}

// ProducerOf returns the node producing value name, or nil for graph inputs,
// initializers and unknown names.
func (gr *Graph) ProducerOf(name string) *onnxpb.NodeProto {
	if i, ok := gr.Producer[name]; ok {
		return gr.Proto.Node[i]
	}
	return nil
}

// IsOutput reports whether name is a graph output.
func (gr *Graph) IsOutput(name string) bool {
	for _, o := range gr.Proto.Output {
		if o.GetName() == name {
			return true
		}
	}
	return false
}

// minHeap orders ready nodes by index for a stable Kahn sort.
type minHeap []int

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
