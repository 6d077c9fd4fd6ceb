package calib

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/export/graph"
	"github.com/segtrt/segtrt/export/onnxio"
	"github.com/segtrt/segtrt/export/onnxpb"
	"github.com/segtrt/segtrt/export/shapes"
	"github.com/segtrt/segtrt/ort"
)

// activationTensors lists the float tensors that carry data from the graph
// input (not weights or shape arithmetic): the ones TensorRT names and
// calibrates in an ONNX-parsed network. Sorted by name.
func activationTensors(g *graph.Graph, res shapes.Result) []string {
	dynamic := map[string]bool{}
	for _, in := range g.Inputs {
		dynamic[in.GetName()] = true
	}
	for _, i := range g.Order {
		n := g.Node(i)
		if n.GetOpType() == "Shape" || n.GetOpType() == "Size" {
			continue // values from shapes are constants for a fixed input
		}
		for _, in := range n.Input {
			if dynamic[in] {
				for _, out := range n.Output {
					dynamic[out] = true
				}
				break
			}
		}
	}
	var out []string
	for name := range dynamic {
		if v := res[name]; v != nil && v.DType == onnxpb.TensorProto_FLOAT && len(v.Shape) >= 2 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// withOutputs returns a copy of m whose graph outputs are names (the
// original outputs first, in their order).
func withOutputs(m *onnxio.Model, names []string) *onnxio.Model {
	mp := proto.Clone(m.Proto).(*onnxpb.ModelProto)
	have := map[string]bool{}
	for _, o := range mp.Graph.Output {
		have[o.GetName()] = true
	}
	for _, n := range names {
		if have[n] {
			continue
		}
		mp.Graph.Output = append(mp.Graph.Output, &onnxpb.ValueInfoProto{
			Name: proto.String(n),
			Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT))}}},
		})
	}
	return &onnxio.Model{Proto: mp, Path: m.Path}
}

// collect runs the model on every image of set and histograms each tensor
// of names. Each tensor's histogram sees the images in set order, whatever
// the scheduling, so the result is deterministic.
func collect(ctx context.Context, m *onnxio.Model, input string, names []string, set *dataset.Set, pre dataset.Preprocess, progress func()) (map[string]*Histogram, error) {
	// ONNX Runtime does not fill a graph input requested as an output: the
	// input is histogrammed from the tensor fed to it instead.
	var outputs []string
	for _, n := range names {
		if n != input {
			outputs = append(outputs, n)
		}
	}
	s, err := ort.NewSession(withOutputs(m, outputs), ort.Options{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	hists := make(map[string]*Histogram, len(names))
	for _, n := range names {
		hists[n] = NewHistogram()
	}
	workers := runtime.NumCPU()
	for sample, err := range set.Samples(ctx, dataset.StreamOptions{Preprocess: pre}) {
		if err != nil {
			return nil, err
		}
		shape := []int64{1, 3, int64(sample.Shape[2]), int64(sample.Shape[3])}
		outs, err := s.Run(sample.Tensor, shape)
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", m.Path, sample.ImagePath, err)
		}
		outs = append(outs, ort.Output{Name: input, Shape: shape, Data: sample.Tensor})
		// Tensors are independent: histogram them in parallel, then wait,
		// since the session reuses the output buffers on the next run.
		var wg sync.WaitGroup
		errs := make([]error, len(outs))
		next := make(chan int, len(outs))
		for i := range outs {
			next <- i
		}
		close(next)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					if h, ok := hists[outs[i].Name]; ok {
						if err := h.Add(outs[i].Data); err != nil {
							errs[i] = fmt.Errorf("tensor %q on %s: %w", outs[i].Name, sample.ImagePath, err)
						}
					}
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		if progress != nil {
			progress()
		}
	}
	return hists, nil
}
