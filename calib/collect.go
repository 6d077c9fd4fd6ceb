package calib

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/calib/internal/binning"
	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/shapes"
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

// withOutputs returns a copy of m whose graph outputs are names, after
// the model's own outputs (in their order) when keep is set; without
// them, the copy also loses the nodes no name depends on.
func withOutputs(m *onnxio.Model, names []string, keep bool) *onnxio.Model {
	mp := proto.Clone(m.Proto).(*onnxpb.ModelProto)
	own := map[string]*onnxpb.ValueInfoProto{}
	for _, o := range mp.Graph.Output {
		own[o.GetName()] = o
	}
	var outs []*onnxpb.ValueInfoProto
	if keep {
		outs = mp.Graph.Output
	}
	for _, n := range names {
		switch o, isOwn := own[n]; {
		case isOwn && keep: // already there
		case isOwn:
			outs = append(outs, o)
		default:
			outs = append(outs, &onnxpb.ValueInfoProto{
				Name: proto.String(n),
				Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT))}}},
			})
		}
	}
	mp.Graph.Output = outs
	if !keep {
		// ONNX Runtime runs every node, needed or not: without the nodes
		// past a group's tensors it neither spends the time nor holds
		// their tensors (nor the weights they alone read).
		passes.RemoveDead(mp.Graph)
	}
	return &onnxio.Model{Proto: mp, Path: m.Path}
}

// Collection tuning. A work item is one slice of one tensor of one image;
// slices are small enough to spread a large tensor over every core and
// large enough that an item's fixed cost (emptying and merging a counter)
// stays small. Inference runs on up to two lanes, each an ONNX Runtime
// session with its share of the cores: on two cores, two one-thread
// sessions infer a third faster than one two-thread session, which waits
// at every op's barrier. inFlight says how many images share the memory.
const (
	itemValues = 1 << 16
	maxLanes   = 2
)

// inFlight picks how many lanes (ONNX Runtime sessions) and buffer sets
// collect uses for gr: one lane per core up to two and a set more than
// lanes, so that binning overlaps inference, as far as they fit limit
// (costModel.fits); one lane and one set at least. A lane writes its
// image's activations straight into a set, which then waits to be binned.
func inFlight(c *costModel, gr group, lanes int, limit int64) (use, sets int) {
	for use = lanes; use >= 1; use-- {
		for sets = use + 1; sets >= use; sets-- {
			if c.fits(gr, sets, use, limit) {
				return use, sets
			}
		}
	}
	return 1, 1
}

// collect runs the model on every image of set and histograms each tensor
// of names, binning activations on every core while ONNX Runtime infers
// the next images. Histograms do not depend on the order values are
// binned in (see binning), so the result is the same for any thread count
// or schedule.
//
// A NaN or infinity stops the run. The error names the first image that
// produced one and, of its tensors, the first in graph order: where the
// non-finite values start.
//
// limit bounds the bytes of output buffers and sessions held at once
// (fewer images are then in flight); with only, the session's outputs are
// gr's names alone, not the model's own outputs too (a group of a bounded
// collection).
func collect(ctx context.Context, m *onnxio.Model, g *graph.Graph, res shapes.Result, c *costModel, gr group, set *dataset.Set, pre dataset.Preprocess, progress func(),
	limit int64, only bool) (hists map[string]*Histogram, peak Collection, err error) {
	names := gr.names
	input := g.Inputs[0].GetName()
	rank := make([]int, len(names)) // position in graph order; -1 for the graph input
	// ONNX Runtime does not fill a graph input requested as an output: the
	// input is histogrammed from the tensor fed to it instead.
	var outputs []string
	for _, n := range names {
		if n != input {
			outputs = append(outputs, n)
		}
	}
	// ONNX Runtime runs plugin nodes as the standard ops they stand for;
	// their outputs keep their names.
	withAll, err := passes.Runnable(withOutputs(m, outputs, !only || len(outputs) == 0))
	if err != nil {
		return nil, Collection{}, err
	}
	shape := []int64{1, 3, int64(pre.Height), int64(pre.Width)}
	all := make([]*Histogram, len(names))
	index := map[string]int{}
	for i, n := range names {
		all[i] = NewHistogram()
		index[n] = i
		rank[i] = c.order(n)
	}
	// The session's outputs are withAll's: out[k] is the histogram of
	// output k, or -1 for an output that is not an activation (a model
	// output of another type).
	var out []int
	var outShapes [][]int64
	learn := false // some output's shape is unknown to our inference
	for _, o := range withAll.Proto.Graph.Output {
		var sh []int64
		if v := res[o.GetName()]; v.Static() {
			sh = v.Shape
		} else {
			learn = true
		}
		outShapes = append(outShapes, sh)
		i, ok := index[o.GetName()]
		if !ok {
			i = -1
		}
		out = append(out, i)
	}
	// NCHW layout: outputs go straight into our buffers; no arena: the
	// working tensors are what costModel estimates.
	newSession := func(lanes int) (*ort.Session, error) {
		return ort.NewSession(withAll, ort.Options{Threads: max(1, runtime.NumCPU()/lanes), KeepLayout: true, NoArena: true})
	}
	// The buffers are sized by our shape inference, so no session needs to
	// run to learn the output shapes, unless it does not know one: then a
	// session asks ONNX Runtime.
	if learn {
		s, err := newSession(1)
		if err != nil {
			return nil, Collection{}, err
		}
		outShapes, err = s.OutputShapes(shape)
		s.Close()
		if err != nil {
			return nil, Collection{}, fmt.Errorf("%s: %w", m.Path, err)
		}
	}
	var setBytes int64
	var sizes []int
	for _, sh := range outShapes {
		sizes = append(sizes, int(graph.NumElements(sh)))
		setBytes += 4 * int64(sizes[len(sizes)-1])
	}
	lanes, sets := 0, 1 // no images (a shard may get none): no session
	if set.Len() > 0 {
		gr.bytes = setBytes // ONNX Runtime's, where our inference did not know a shape
		lanes = min(maxLanes, runtime.NumCPU(), set.Len())
		if only {
			// A group of a bounded collection: memory is what is short, and
			// a second session's working memory (which the estimate knows
			// least well: kernels' scratch is not in the graph) is better
			// spent on buffers.
			lanes = 1
		}
		lanes, sets = inFlight(c, gr, lanes, limit)
	}
	peak = Collection{PeakActivationBytes: int64(sets) * setBytes, OnnxRuntimeBytes: int64(lanes) * gr.work, ImageBytes: int64(sets+lanes) * c.sample}
	// Sessions are built at once (each takes a while), each with its
	// share of the cores.
	sessions := make([]*ort.Session, lanes)
	errs := make([]error, lanes)
	var built sync.WaitGroup
	for l := range lanes {
		built.Add(1)
		go func() {
			defer built.Done()
			sessions[l], errs[l] = newSession(lanes)
		}()
	}
	built.Wait()
	defer func() {
		for _, s := range sessions {
			if s != nil {
				s.Close()
			}
		}
	}()
	for _, err := range errs {
		if err != nil {
			return nil, Collection{}, err
		}
	}
	for _, s := range sessions {
		if err := s.ExpectShapes(shape, outShapes); err != nil {
			return nil, Collection{}, err
		}
	}
	// The model's copy with the session's outputs and its serialized bytes
	// (each the size of the weights) are garbage now: collect them before
	// the buffers raise the heap's goal, or they live on beside them.
	runtime.GC()
	free := make(chan [][]float32, sets)
	for range sets {
		bufs := make([][]float32, len(sizes))
		for k, n := range sizes {
			bufs[k] = make([]float32, n)
		}
		free <- bufs
	}

	b := &binner{hists: all, locks: make([]sync.Mutex, len(all)), names: names, rank: rank, set: set, progress: progress}
	items := make(chan item, 4096)
	var workers sync.WaitGroup
	for range runtime.NumCPU() {
		workers.Add(1)
		go func() {
			defer workers.Done()
			b.work(items, free)
		}()
	}
	// infer runs one sample on session s and queues its activations.
	infer := func(s *ort.Session, sample *dataset.Sample) error {
		if !b.wanted(sample.Index) {
			sample.Release()
			return nil
		}
		var bufs [][]float32
		select {
		case bufs = <-free:
		case <-ctx.Done():
			sample.Release()
			return ctx.Err()
		}
		if err := s.RunAllInto(sample.Tensor, shape, bufs); err != nil {
			free <- bufs
			sample.Release()
			return fmt.Errorf("%s on %s: %w", m.Path, set.Path(sample.ImagePath), err)
		}
		img := &image{sample: sample, bufs: bufs, index: sample.Index}
		var work []item
		add := func(tensor int, data []float32) {
			for len(data) > 0 {
				n := min(len(data), itemValues)
				work = append(work, item{img: img, tensor: tensor, data: data[:n]})
				data = data[n:]
			}
		}
		if i, ok := index[input]; ok {
			add(i, sample.Tensor)
		}
		for k, i := range out {
			if i >= 0 {
				add(i, bufs[k])
			}
		}
		if len(work) == 0 {
			free <- bufs
			sample.Release()
			return nil
		}
		img.pending.Add(int64(len(work)))
		for _, it := range work {
			items <- it
		}
		return nil
	}
	samples := make(chan *dataset.Sample)
	var lanesDone sync.WaitGroup
	for _, s := range sessions {
		lanesDone.Add(1)
		go func() {
			defer lanesDone.Done()
			for sample := range samples {
				if err := infer(s, sample); err != nil {
					b.fail(sample.Index, -2, err) // before any tensor of the image
				}
			}
		}()
	}
	err = func() error {
		defer func() {
			close(samples)
			lanesDone.Wait()
			close(items)
			workers.Wait()
		}()
		// A sample per set and one decoded ahead per lane, as costModel counts.
		for sample, err := range set.Samples(ctx, dataset.StreamOptions{Preprocess: pre, Retain: true, InFlight: sets + lanes}) {
			if err != nil {
				return err
			}
			if b.failure() != nil {
				sample.Release()
				return nil
			}
			select {
			case samples <- sample:
			case <-ctx.Done():
				sample.Release()
				return ctx.Err()
			}
		}
		return nil
	}()
	if bad := b.failure(); bad != nil {
		return nil, Collection{}, bad
	}
	if err != nil {
		return nil, Collection{}, err
	}
	byName := make(map[string]*Histogram, len(names))
	for i, n := range names {
		byName[n] = all[i]
	}
	return byName, peak, nil
}

// image is one calibration image in flight: its sample and the buffers
// holding its activations, until the last of its items is binned.
type image struct {
	sample  *dataset.Sample
	index   int // in the set
	bufs    [][]float32
	pending atomic.Int64
}

type item struct {
	img    *image
	tensor int
	data   []float32
}

// binner bins work items into the shared histograms. Each worker fills a
// counter of its own per item and merges it under the tensor's lock.
type binner struct {
	hists    []*Histogram
	locks    []sync.Mutex
	names    []string
	rank     []int // tensor's position in graph order
	set      *dataset.Set
	progress func()

	mu sync.Mutex // guards bad and progress calls
	// bad is the first non-finite value found, by image, then graph order.
	// Once one is found, images after it are skipped, but images up to it
	// are still checked so that the choice does not depend on scheduling.
	bad *badValue
}

type badValue struct {
	image, rank int
	err         error
}

func (b *binner) work(items <-chan item, free chan<- [][]float32) {
	c := binning.NewCounter()
	for it := range items {
		if b.wanted(it.img.index) {
			b.bin(c, it)
		}
		if it.img.pending.Add(-1) == 0 {
			free <- it.img.bufs
			it.img.sample.Release()
			b.mu.Lock()
			if b.progress != nil && b.bad == nil {
				b.progress()
			}
			b.mu.Unlock()
		}
	}
}

func (b *binner) bin(c *binning.Counter, it item) {
	h, lock := b.hists[it.tensor], &b.locks[it.tensor]
	lock.Lock()
	exp := h.Exp
	lock.Unlock()
	c.Reset(exp)
	if bad := c.Add(it.data); bad >= 0 {
		b.fail(it.img.index, b.rank[it.tensor], fmt.Errorf("tensor %q: %v in the activations of %s: the model produces non-finite values",
			b.names[it.tensor], it.data[bad], b.set.Path(it.img.sample.ImagePath)))
		return
	}
	lock.Lock()
	h.Merge(c)
	lock.Unlock()
}

// wanted says whether an image's values still matter: always, until a
// non-finite value is found in an earlier or the same image.
func (b *binner) wanted(image int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bad == nil || image <= b.bad.image
}

func (b *binner) fail(image, rank int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bad == nil || image < b.bad.image || image == b.bad.image && rank < b.bad.rank {
		b.bad = &badValue{image: image, rank: rank, err: err}
	}
}

func (b *binner) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.bad == nil {
		return nil
	}
	return b.bad.err
}
