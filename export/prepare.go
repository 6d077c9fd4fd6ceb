// Package export implements `segtrt export`: it folds constants, removes
// identities and dead nodes, fuses segtrt's plugin patterns, turns global
// pooling into inference-time pooling for --train-crop, re-infers shapes
// and writes the result atomically with a summary of what changed.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/segtrt/segtrt/internal/interrupt"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/onnx/fold"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// Options are an export's inputs.
type Options struct {
	Model, Out string
	// Fusion says which plugin patterns to fuse and, with a TrainCrop, how
	// global pooling becomes inference-time pooling.
	Fusion         passes.Fusion
	FP16           bool
	InputShapes    map[string][]int64
	Stdout, Stderr io.Writer
}

// checkExternal adds, once the model is read, its external-data files (as
// inputs) and the data file Save writes beside Out to the path checks: an
// --out of m.onnx.data would overwrite the weights being read.
func checkExternal(m *onnxio.Model, paths []pathcheck.Path) error {
	if len(m.External) == 0 {
		return nil
	}
	for _, f := range m.ExternalFiles() {
		paths = append(paths, pathcheck.In("Model", f))
	}
	for _, p := range paths {
		if p.Kind == pathcheck.OutFile && p.Path != "" {
			paths = append(paths, pathcheck.Out(p.Field, p.Path+".data"))
			break
		}
	}
	return pathcheck.Check(paths...)
}

// ParsePlugins reads plugin pattern names (spg, avgpool; comma-separated
// lists too) into the fusions to do.
func ParsePlugins(names []string) (passes.Fusion, error) {
	var f passes.Fusion
	for _, p := range names {
		for _, name := range strings.Split(p, ",") {
			switch strings.TrimSpace(name) {
			case "":
			case "spg":
				f.SPG = true
			case "avgpool":
				f.AvgPool = true
			default:
				return f, fmt.Errorf("unknown plugin %q (known: spg, avgpool)", strings.TrimSpace(name))
			}
		}
	}
	return f, nil
}

// ParseCrop reads HxW.
func ParseCrop(s string) ([2]int64, error) {
	h, w, ok := strings.Cut(s, "x")
	hv, err1 := strconv.ParseInt(h, 10, 64)
	wv, err2 := strconv.ParseInt(w, 10, 64)
	if !ok || err1 != nil || err2 != nil || hv <= 0 || wv <= 0 {
		return [2]int64{}, fmt.Errorf("%q: want HxW, e.g. 1024x1024", s)
	}
	return [2]int64{hv, wv}, nil
}

// Run prepares opts.Model and writes opts.Out.
func Run(ctx context.Context, opts Options) error {
	if opts.Model == "" || opts.Out == "" {
		return errors.New("export needs a model and an output")
	}
	outs := []pathcheck.Path{pathcheck.In("Model", opts.Model), pathcheck.Out("Out", opts.Out)}
	if opts.FP16 {
		outs = append(outs, pathcheck.Out("Out", EmulationPath(opts.Out)))
	}
	if err := pathcheck.Check(outs...); err != nil {
		return err
	}
	f := opts.Fusion
	m, err := onnxio.Load(opts.Model)
	if err != nil {
		return err
	}
	if err := checkExternal(m, outs); err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("%s: %w", opts.Model, err) }
	g, res, unknown, err := index(m, opts.InputShapes)
	if err != nil {
		return fail(err)
	}
	if len(unknown) > 0 && opts.FP16 {
		// Every tensor's type decides where casts go.
		return fail(fmt.Errorf("--fp16 needs the type of every tensor, and segtrt's shape inference has no rule for %s", strings.Join(unknown, ", ")))
	}
	nodesBefore := len(g.Proto.Node)
	interrupt.Stage("export.passes")
	folded := fold.Constants(g, res, m.Opset())
	g, res, _, err = index(m, opts.InputShapes)
	if err != nil {
		return fail(err)
	}
	identities := passes.RemoveIdentities(g, res)
	dead := passes.RemoveDead(g.Proto)
	if g, res, _, err = index(m, opts.InputShapes); err != nil {
		return fail(err)
	}
	sum, err := passes.Fuse(m.Proto, g, res, f)
	if err != nil {
		return fail(err)
	}
	passes.RemoveDead(m.Proto.Graph)
	// Re-index and re-infer: the written graph must be a valid DAG whose
	// shapes resolve, or it is not written at all.
	g, _, _, err = index(m, opts.InputShapes)
	if err != nil {
		return fail(fmt.Errorf("after the passes: %w", err))
	}
	g.SortNodes()
	var half *fp16Result
	if opts.FP16 {
		if half, err = convertFP16(m, opts); err != nil {
			return fail(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.Save(opts.Out, onnxio.SaveOptions{}); err != nil {
		return err
	}
	if half != nil {
		if err := half.emulation.Save(half.emulationPath, onnxio.SaveOptions{}); err != nil {
			return err
		}
	}
	w := opts.Stdout
	fmt.Fprintf(w, "wrote %s: %d nodes (was %d)\n", opts.Out, len(m.Proto.Graph.Node), nodesBefore)
	fmt.Fprintf(w, "  folded %d constant nodes, removed %d identities and %d dead nodes\n", folded.Folded, identities, dead)
	fmt.Fprintf(w, "  SPGExcite fused at %d sites%s\n", len(sum.SPGFused), listed(sum.SPGFused))
	fmt.Fprintf(w, "  AvgPoolInfer fused at %d sites%s\n", len(sum.PoolFused), listed(sum.PoolFused))
	for _, ap := range sum.APRewritten {
		fmt.Fprintf(w, "  train-crop: %s\n", ap)
	}
	if half != nil {
		half.print(w, opts.Out)
	}
	for _, s := range sum.NotFused {
		fmt.Fprintf(opts.Stderr, "warning: %s\n", s)
	}
	if len(unknown) > 0 {
		fmt.Fprintf(opts.Stderr, "note: segtrt's shape inference has no rule for %s: folding and fusion skip what lies below (ONNX Runtime and TensorRT still run it)\n", strings.Join(unknown, ", "))
	}
	for _, s := range folded.Skipped {
		fmt.Fprintf(opts.Stderr, "note: not folded: %s\n", s)
	}
	for _, s := range sum.Warnings {
		fmt.Fprintf(opts.Stderr, "warning: %s\n", s)
	}
	return nil
}

// index re-reads the graph after a pass. Shape inference is best-effort:
// values below an op it has no rule for get unknown shapes, which the
// passes leave alone; unknown names those ops.
func index(m *onnxio.Model, inputShapes map[string][]int64) (*graph.Graph, shapes.Result, []string, error) {
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		return nil, nil, nil, err
	}
	res, unknown, err := shapes.InferPartial(g, m.Opset(), inputShapes)
	if err != nil {
		return nil, nil, nil, err
	}
	return g, res, unknown, nil
}

func listed(names []string) string {
	if len(names) == 0 {
		return ""
	}
	if len(names) > 6 {
		return ": " + strings.Join(names[:6], ", ") + ", ..."
	}
	return ": " + strings.Join(names, ", ")
}
