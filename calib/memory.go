package calib

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/bytesize"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Collection reports how activations were held while histogramming
// (calib.json "collection").
type Collection struct {
	// MaxMemory is the ceiling on the memory that grows with the network
	// and the image size (--max-memory): segtrt's activation buffers plus
	// ONNX Runtime's estimated working memory.
	MaxMemory int64 `json:"max_memory"`
	// Groups is how many passes over the images collection took: the
	// activations are graph outputs in groups that fit MaxMemory.
	Groups int `json:"groups"`
	// PeakActivationBytes is the most bytes segtrt's activation buffers
	// held at once (ONNX Runtime writes the outputs straight into them).
	PeakActivationBytes int64 `json:"peak_activation_bytes"`
	// OnnxRuntimeBytes is the estimate, at that peak, of what ONNX
	// Runtime's sessions held besides: the weights and the tensors that
	// are not outputs. With PeakActivationBytes and ImageBytes it stays
	// within MaxMemory unless one tensor alone does not fit; the process's
	// resident memory adds Go's runtime, the model as segtrt reads it and
	// the libraries (make bench-scale measures it).
	OnnxRuntimeBytes int64 `json:"onnxruntime_bytes"`
	// ImageBytes is what the decoded images held at that peak took: one
	// per buffer set and one decoded ahead per session.
	ImageBytes int64 `json:"image_bytes"`
}

// total is the estimate the ceiling bounds.
func (c *Collection) total() int64 { return c.PeakActivationBytes + c.OnnxRuntimeBytes + c.ImageBytes }

// keepPeak takes o's estimate when its total is the larger: the peak of
// several passes or shards.
func (c *Collection) keepPeak(o Collection) {
	if o.total() > c.total() {
		c.PeakActivationBytes, c.OnnxRuntimeBytes, c.ImageBytes = o.PeakActivationBytes, o.OnnxRuntimeBytes, o.ImageBytes
	}
}

// Default ceiling: an eighth of the machine's memory (or of the cgroup's
// limit, when lower), within [512 MiB, 4 GiB]. The ceiling covers what
// grows with the network and the image size (activation buffers, ONNX
// Runtime's working tensors and weights), so an eighth leaves the rest of
// a CI runner free. On a 24 GiB machine (3 GiB) SGCPNet's and
// SPGNet-R18-1s-128's 1024x2048 activations fit in one pass.
const (
	minDefaultMaxMemory = 512 << 20
	maxDefaultMaxMemory = 4 << 30
)

// DefaultMaxMemory is the --max-memory a calibration gets when none is given.
func DefaultMaxMemory() int64 {
	total := physicalMemory()
	if lim := cgroupLimit(); lim > 0 && (total == 0 || lim < total) {
		total = lim
	}
	return min(max(total/8, minDefaultMaxMemory), maxDefaultMaxMemory)
}

func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupLimit is cgroup v2's memory.max for this process, 0 when unlimited
// or unknown.
func cgroupLimit() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0 // "max"
	}
	return v
}

// group is one pass of collection: the activations it makes graph outputs,
// their bytes per image, and what each of its ONNX Runtime sessions holds
// besides (costModel.session).
type group struct {
	names []string
	bytes int64
	work  int64
}

// costModel estimates what an ONNX Runtime session of collection holds
// besides segtrt's buffers, from the graph and our shape inference:
//   - the weights, twice: its copy of the initializers and the packed
//     copies its convolutions and matrix products make;
//   - the tensors it allocates itself (every tensor that is not one of the
//     session's outputs) at their peak: its sequential plan keeps a tensor
//     from its producer to its last consumer, and with the arena off
//     (ort.Options.NoArena) freed memory is not kept.
//
// The sessions keep the NCHW layout (ort.Options.KeepLayout), so outputs
// are written into segtrt's buffers and have no copy of ONNX Runtime's.
// Shapes our inference does not know count nothing.
type costModel struct {
	sample  int64 // a decoded image: its input tensor and its label
	g       *graph.Graph
	res     shapes.Result
	weights int64
	pos     map[string]int // producer's position in graph order; -1 for the graph input
	last    map[string]int // last consumer's position
}

func newCostModel(g *graph.Graph, res shapes.Result) *costModel {
	c := &costModel{g: g, res: res, pos: map[string]int{}, last: map[string]int{}}
	if in := res[g.Inputs[0].GetName()]; in.Static() {
		c.sample = graph.NumElements(in.Shape) * 13 / 3 // float32 RGB and a byte of label per pixel
	}
	for _, t := range g.Initializers {
		c.weights += int64(graph.ElemSize(graph.DataType(t.GetDataType()))) * graph.NumElements(t.GetDims())
	}
	for k, i := range g.Order {
		n := g.Node(i)
		for _, in := range n.Input {
			c.last[in] = k
		}
		for _, out := range n.Output {
			c.pos[out] = k
		}
	}
	for _, in := range g.Inputs {
		c.pos[in.GetName()] = -1
	}
	return c
}

// order is a tensor's producer's position; -1 for the graph input.
func (c *costModel) order(name string) int {
	if p, ok := c.pos[name]; ok {
		return p
	}
	return -1
}

// bytes is a tensor's size by our shape inference; 0 when unknown.
func (c *costModel) bytes(name string) int64 {
	v := c.res[name]
	if !v.Static() {
		return 0
	}
	return int64(graph.ElemSize(v.DType)) * graph.NumElements(v.Shape)
}

// activationBytes is what one image's value of an activation costs in
// segtrt's buffers: nothing for the graph input, histogrammed from the
// image itself.
func (c *costModel) activationBytes(name string) int64 {
	if c.order(name) < 0 {
		return 0
	}
	return 4 * graph.NumElements(c.res[name].Shape)
}

// session is what a session holds besides segtrt's buffers when its
// outputs are outs and its last node runs at position upTo. A group's
// model loses the nodes no output needs (withOutputs), so counting every
// node up to upTo is an upper bound.
func (c *costModel) session(outs map[string]bool, upTo int) int64 {
	if upTo >= len(c.g.Order) {
		upTo = len(c.g.Order) - 1
	}
	dies := make([]int64, upTo+1)
	var live, peak int64
	for k := 0; k <= upTo; k++ {
		for _, o := range c.g.Node(c.g.Order[k]).Output {
			if o == "" || outs[o] {
				continue
			}
			b := c.bytes(o)
			live += b
			dies[max(k, min(c.last[o], upTo))] += b
		}
		peak = max(peak, live)
		live -= dies[k]
	}
	return 2*c.weights + peak
}

// fits says whether sets sets of a group's buffers and lanes sessions fit
// limit, with a decoded image per set and per session.
func (c *costModel) fits(gr group, sets, lanes int, limit int64) bool {
	return int64(sets)*(gr.bytes+c.sample)+int64(lanes)*(gr.work+c.sample) <= limit
}

// onePass is the group of a collection in one pass: every name, and the
// model's own outputs, which the session keeps.
func onePass(c *costModel, names []string) group {
	outs := map[string]bool{}
	gr := group{names: names}
	for _, o := range c.g.Proto.Output {
		outs[o.GetName()] = true
		gr.bytes += c.activationBytes(o.GetName())
	}
	for _, n := range names {
		if !outs[n] {
			outs[n] = true
			gr.bytes += c.activationBytes(n)
		}
	}
	gr.work = c.session(outs, len(c.g.Order)-1)
	return gr
}

// planGroups splits names into groups, in graph order, each fitting
// maxMemory with one set of its buffers and one session: one image at a
// time. Graph order lets a group's model end at its last tensor
// (withOutputs prunes the rest). A tensor too big to fit with any other
// gets a group of its own; tooBig lists those that do not fit even alone.
func planGroups(c *costModel, names []string, maxMemory int64) (groups []group, tooBig []string) {
	sorted := append([]string(nil), names...)
	sort.SliceStable(sorted, func(a, b int) bool { return c.order(sorted[a]) < c.order(sorted[b]) })
	var cur group
	outs := map[string]bool{}
	for _, n := range sorted {
		b := c.activationBytes(n)
		if !c.fits(group{bytes: b, work: c.session(map[string]bool{n: true}, c.order(n))}, 1, 1, maxMemory) {
			tooBig = append(tooBig, n)
		}
		outs[n] = true
		work := c.session(outs, c.order(n))
		if len(cur.names) > 0 && cur.bytes > 0 && !c.fits(group{bytes: cur.bytes + b, work: work}, 1, 1, maxMemory) {
			groups = append(groups, cur)
			cur, outs = group{}, map[string]bool{n: true}
			work = c.session(outs, c.order(n))
		}
		cur.names = append(cur.names, n)
		cur.bytes += b
		cur.work = work
	}
	if len(cur.names) > 0 {
		groups = append(groups, cur)
	}
	return groups, tooBig
}

// describeGroups is the one line calibrate prints when it splits.
func describeGroups(groups []group, maxMemory int64) string {
	var total int64
	for _, gr := range groups {
		total += gr.bytes
	}
	return fmt.Sprintf("activations of one image take %s, over --max-memory %s: collecting them in %d passes over the images",
		bytesize.Format(uint64(total)), bytesize.Format(uint64(maxMemory)), len(groups))
}

// collectBounded is collect within o.MaxMemory: one pass over the images
// when every activation's buffers and a session fit, else one pass per
// group. Histograms do not depend on the order values arrive in, so the
// result is the same bytes either way.
func collectBounded(ctx context.Context, o Options, m *onnxio.Model, g *graph.Graph, res shapes.Result, names []string,
	set *dataset.Set, pre dataset.Preprocess) (map[string]*Histogram, *Collection, error) {
	limit := o.MaxMemory
	c := newCostModel(g, res)
	// One pass when it fits with one image at a time (collect then keeps
	// as many in flight as fit). Otherwise groups as large as the ceiling
	// allows with one image at a time: each group costs a pass of
	// inference up to its last tensor, and binning costs the same however
	// the tensors are grouped, so fewer, larger groups are faster than
	// keeping images in flight.
	groups, tooBig := []group{onePass(c, names)}, []string(nil)
	only := false
	if !c.fits(groups[0], 1, 1, limit) {
		groups, tooBig = planGroups(c, names, limit)
		only = true
	}
	if len(groups) > 1 {
		fmt.Fprintf(o.Stderr, "note: %s\n", describeGroups(groups, limit))
	}
	for _, n := range tooBig {
		fmt.Fprintf(o.Stderr, "warning: tensor %q alone takes %s, over --max-memory %s: collected on its own, one image at a time\n",
			n, bytesize.Format(uint64(c.activationBytes(n))), bytesize.Format(uint64(limit)))
	}
	step, done := o.Progress.Start(set.Len() * len(groups))
	defer done()
	coll := &Collection{MaxMemory: limit, Groups: len(groups)}
	hists := make(map[string]*Histogram, len(names))
	for _, gr := range groups {
		h, held, err := collect(ctx, m, g, res, c, gr, set, pre, step, limit, only)
		if err != nil {
			return nil, nil, err
		}
		coll.keepPeak(held)
		for n, v := range h {
			hists[n] = v
		}
		// The group's buffers are garbage now: hand them back before the
		// next group allocates its own, or what calibrate writes next, or
		// the Go heap (whose goal they doubled) grows beside them.
		debug.FreeOSMemory()
	}
	return hists, coll, nil
}
