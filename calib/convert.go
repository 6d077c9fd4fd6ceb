package calib

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"

	"github.com/segtrt/segtrt/internal/fserr"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/qdq"
)

// ConvertOptions are the inputs of the conversions that need no data:
// FromCache (FromCache and Model to Out) and FromQDQ (FromQDQ to Cache).
type ConvertOptions struct {
	FromCache, FromQDQ string
	Model, Out, Cache  string
	TensorRT           TensorRTVersion // the header FromQDQ writes
	Exclude            []*regexp.Regexp
	InputShapes        map[string][]int64
	Stdout, Stderr     io.Writer
}

func (o ConvertOptions) withDefaults() ConvertOptions {
	if o.TensorRT == (TensorRTVersion{}) {
		o.TensorRT = DefaultTensorRT
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// FromCache builds the Q/DQ model of o.Model from the TensorRT cache
// o.FromCache, no data needed.
func FromCache(o ConvertOptions) error {
	o = o.withDefaults()
	if err := pathcheck.Check(pathcheck.In("FromCache", o.FromCache), pathcheck.In("Model", o.Model), pathcheck.Out("Out", o.Out)); err != nil {
		return err
	}
	c, err := readCacheFile(o.FromCache)
	if err != nil {
		return err
	}
	if w := c.VersionWarning(); w != "" && o.Stderr != nil {
		fmt.Fprintf(o.Stderr, "warning: %s: %s\n", o.FromCache, w)
	}
	m, g, res, unknown, err := loadForQDQ(o.Model, o.InputShapes)
	if err != nil {
		return err
	}
	if err := checkExternal(m, pathcheck.Out("Out", o.Out)); err != nil {
		return err
	}
	plan, err := qdq.NewPlan(g, res, qdq.ExcludeMatching(o.Exclude))
	if err != nil {
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	noteUnknown(o.Stderr, unknown, plan.Unclassified)
	amax := Scales{}
	var missing []string
	for _, s := range plan.Activations {
		sc, ok := c.Scales[s.Tensor]
		if !ok {
			missing = append(missing, s.Tensor)
			continue
		}
		amax[s.Tensor] = float64(sc) * 127
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: no scale for %d tensors the model quantizes: %s", o.FromCache, len(missing), list(missing))
	}
	known := map[string]bool{}
	for _, n := range activationTensors(g, res) {
		known[n] = true
	}
	var extra []string
	for n := range c.Scales {
		if !known[n] {
			extra = append(extra, n)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		fmt.Fprintf(o.Stderr, "warning: %s names %d tensors that %s lacks (ignored): %s\n", o.FromCache, len(extra), o.Model, list(extra))
	}
	method := Entropy
	if c.Calibrator == CalibratorClass(MinMax) {
		method = MinMax
	}
	rep := &Report{Method: string(method)}
	out, err := quantizedModel(m, g, plan, amax, rep)
	if err != nil {
		return err
	}
	return writeOutputs(outputs{Out: o.Out, Stdout: o.Stdout}, out, amax, method, DefaultTensorRT, rep)
}

// FromQDQ writes the activation scales of the Q/DQ model o.FromQDQ into
// the cache o.Cache.
func FromQDQ(o ConvertOptions) error {
	o = o.withDefaults()
	if err := pathcheck.Check(pathcheck.In("FromQDQ", o.FromQDQ), pathcheck.Out("Cache", o.Cache)); err != nil {
		return err
	}
	m, err := onnxio.Load(o.FromQDQ)
	if err != nil {
		return err
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		return fmt.Errorf("%s: %w", o.FromQDQ, err)
	}
	c := &Cache{Version: o.TensorRT.Code(), Calibrator: CalibratorClass(Entropy), Scales: map[string]float32{}}
	for _, n := range g.Proto.Node {
		if n.GetOpType() != "QuantizeLinear" || len(n.Input) < 2 {
			continue
		}
		if _, isWeight := g.Initializers[n.Input[0]]; isWeight {
			continue
		}
		st, ok := g.Initializers[n.Input[1]]
		if !ok {
			return fmt.Errorf("%s: node %s: scale %q is not an initializer", o.FromQDQ, graph.NodeName(n), n.Input[1])
		}
		vals, err := graph.Float64s(st)
		if err != nil || len(vals) != 1 {
			return fmt.Errorf("%s: node %s: activation scale must be one float (per tensor)", o.FromQDQ, graph.NodeName(n))
		}
		if s := float32(vals[0]); !qdq.ValidScale(s) {
			return fmt.Errorf("%s: node %s: scale of %q is %v; want a finite number of at least 2^-126", o.FromQDQ, graph.NodeName(n), n.Input[0], s)
		}
		c.Scales[n.Input[0]] = float32(vals[0])
	}
	if len(c.Scales) == 0 {
		return fmt.Errorf("%s: no QuantizeLinear on activations: not a Q/DQ model", o.FromQDQ)
	}
	if _, err := saveCache(o.Cache, c); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "wrote %s (%d tensors)\n", o.Cache, len(c.Scales))
	return nil
}

func readCacheFile(path string) (*Cache, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	defer f.Close()
	c, err := ReadCache(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
