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
	// MaxMemory is the ceiling on activations held at once (--max-memory).
	MaxMemory int64 `json:"max_memory"`
	// Groups is how many passes over the images collection took: the
	// activations are graph outputs in groups that fit MaxMemory.
	Groups int `json:"groups"`
	// PeakActivationBytes is the most activation bytes held at once:
	// segtrt's buffers and ONNX Runtime's copies of the outputs it is
	// producing (the process's resident memory adds ONNX Runtime's working
	// memory, the model and the images; make bench-scale measures it).
	PeakActivationBytes int64 `json:"peak_activation_bytes"`
}

// Default ceiling: an eighth of the machine's memory (or of the cgroup's
// limit, when lower), within [512 MiB, 4 GiB]. The ceiling bounds the
// activations collection holds (its buffers and ONNX Runtime's copies of
// them), not ONNX Runtime's working memory for running the network (about
// 1.4 GB for SPGNet-R18 at 1024x2048): an eighth leaves room for that, the
// images and the rest of a CI runner. On a 24 GiB machine (3 GiB) SGCPNet's
// 1024x2048 activations fit with two images in flight; SPGNet-R18-1s-128's
// take two passes.
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
// and their bytes per image.
type group struct {
	names []string
	bytes int64
}

// planGroups splits names into groups, in graph order, whose activations
// fit maxMemory when `copies` copies of them are held at once. Graph order
// lets ONNX Runtime skip the nodes after a group's last tensor. A tensor
// too big to fit with any other gets a group of its own (collect then holds
// fewer images at once); too is the list of those that do not fit even
// alone. The graph input is histogrammed from the image itself and costs
// no buffer.
func planGroups(g *graph.Graph, res shapes.Result, names []string, maxMemory int64, copies int) (groups []group, tooBig []string) {
	step := map[int]int{}
	for k, i := range g.Order {
		step[i] = k
	}
	order := func(n string) int {
		if p, ok := g.Producer[n]; ok {
			return step[p]
		}
		return -1 // the graph input
	}
	sorted := append([]string(nil), names...)
	sort.SliceStable(sorted, func(a, b int) bool { return order(sorted[a]) < order(sorted[b]) })
	budget := maxMemory / int64(max(copies, 1))
	var cur group
	for _, n := range sorted {
		b := int64(0)
		if order(n) >= 0 {
			b = 4 * graph.NumElements(res[n].Shape)
		}
		if 2*b > maxMemory { // its copy and ONNX Runtime's
			tooBig = append(tooBig, n)
		}
		if len(cur.names) > 0 && cur.bytes > 0 && cur.bytes+b > budget {
			groups = append(groups, cur)
			cur = group{}
		}
		cur.names = append(cur.names, n)
		cur.bytes += b
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
// when every activation's buffers fit, else one pass per group. Histograms
// do not depend on the order values arrive in, so the result is the same
// bytes either way.
func collectBounded(ctx context.Context, o Options, m *onnxio.Model, g *graph.Graph, res shapes.Result, names []string,
	set *dataset.Set, pre dataset.Preprocess) (map[string]*Histogram, *Collection, error) {
	limit := o.MaxMemory
	// One pass with every image in flight when it fits. Otherwise groups as
	// large as the ceiling allows with one image in flight (ONNX Runtime's
	// copy and ours): each group costs a pass of inference up to its last
	// tensor, and binning costs the same however the tensors are grouped,
	// so fewer, larger groups are faster than keeping images in flight.
	groups, tooBig := planGroups(g, res, names, limit, copiesPerImage(set.Len()))
	if len(groups) > 1 {
		groups, tooBig = planGroups(g, res, names, limit, 2)
	}
	if len(groups) > 1 {
		fmt.Fprintf(o.Stderr, "note: %s\n", describeGroups(groups, limit))
	}
	for _, n := range tooBig {
		fmt.Fprintf(o.Stderr, "warning: tensor %q alone takes %s, over --max-memory %s: collected on its own, one image at a time\n",
			n, bytesize.Format(uint64(4*graph.NumElements(res[n].Shape))), bytesize.Format(uint64(limit)))
	}
	step, done := o.Progress.Start(set.Len() * len(groups))
	defer done()
	coll := &Collection{MaxMemory: limit, Groups: len(groups)}
	hists := make(map[string]*Histogram, len(names))
	for _, gr := range groups {
		h, held, err := collect(ctx, m, g, res, gr.names, set, pre, step, limit, len(groups) > 1)
		if err != nil {
			return nil, nil, err
		}
		coll.PeakActivationBytes = max(coll.PeakActivationBytes, held)
		for n, v := range h {
			hists[n] = v
		}
		if len(groups) > 1 {
			// The group's buffers are garbage now: hand them back before the
			// next group allocates its own, or the Go heap holds both.
			debug.FreeOSMemory()
		}
	}
	return hists, coll, nil
}
