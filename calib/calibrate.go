package calib

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/internal/interrupt"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/qdq"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/ort"
)

// Run calibrates o.Model on images of o.Data and writes the Q/DQ model,
// and the cache and calib.json when asked. Zero fields take their
// defaults (Options.withDefaults).
func Run(ctx context.Context, o Options) error {
	o = o.withDefaults()
	var parts []*Part
	if len(o.Parts) > 0 {
		var err error
		if parts, err = readParts(o.Parts); err != nil {
			return err
		}
		o = parts[0].options(o)
	}
	if err := o.checkMode(len(parts) > 0); err != nil {
		return err
	}
	paths := []pathcheck.Path{pathcheck.In("Model", o.Model), pathcheck.InFolder("Data", o.Data),
		pathcheck.Out("Out", o.Out), pathcheck.Out("Cache", o.Cache), pathcheck.Out("Report", o.Report), pathcheck.Out("SaveHistogramsTo", o.SaveHistogramsTo)}
	for _, p := range o.Parts {
		paths = append(paths, pathcheck.In("Parts", p))
	}
	if err := pathcheck.Check(paths...); err != nil {
		return err
	}
	// A merge without --data has the images' names from the parts.
	var set *dataset.Set
	if o.Data != "" {
		var err error
		if set, err = dataset.Open(o.Data, o.Split); err != nil {
			return err
		}
		if set.Len() == 0 {
			return fmt.Errorf("%s: split %q has no images", o.Data, o.Split)
		}
	}
	m, g, res, unknown, err := loadForQDQ(o.Model, o.InputShapes)
	var dyn *shapes.DynamicInput
	if errors.As(err, &dyn) && set != nil {
		// A dynamic model is calibrated at the images' own (one) size.
		h, w, serr := set.ImageSize()
		if serr != nil {
			return serr
		}
		o.InputShapes = dyn.AtSize(h, w, o.Split, o.Stderr)
		m, g, res, unknown, err = loadForQDQ(o.Model, o.InputShapes)
	}
	if err != nil {
		return err
	}
	if err := checkExternal(m, pathcheck.Out("Out", o.Out), pathcheck.Out("Cache", o.Cache), pathcheck.Out("Report", o.Report),
		pathcheck.Out("SaveHistogramsTo", o.SaveHistogramsTo)); err != nil {
		return err
	}
	plan, err := qdq.NewPlan(g, res, qdq.ExcludeMatching(o.Exclude))
	if err != nil {
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	rep := &Report{SchemaVersion: SchemaVersion, Percentile: o.Percentile, Tensors: []TensorReport{}, Weights: []WeightReport{}, Excluded: plan.Excluded,
		UnknownOps: unknown, Unclassified: plan.Unclassified}
	noteUnknown(o.Stderr, unknown, plan.Unclassified)
	if rep.Model, err = filehash.Of(o.Model); err != nil {
		return err
	}
	if parts != nil && rep.Model.SHA256 != parts[0].Model.SHA256 {
		return fmt.Errorf("%s is not the model the parts were made from (%s, sha256 %.12s...)", o.Model, parts[0].Model.Path, parts[0].Model.SHA256)
	}
	warn := func(msg string) {
		fmt.Fprintf(o.Stderr, "warning: %s\n", msg)
		rep.Warnings = append(rep.Warnings, msg)
	}
	var calibSet, scoreSet *dataset.Set
	if set != nil {
		calibSet, scoreSet = set.Random(o.Images, o.Seed), set.Without(set)
		if o.Method == Auto {
			held := o.AutoImages
			if held == 0 {
				held = heldOutImages(min(o.Images, set.Len()))
			}
			calibSet, scoreSet = splitForAuto(set, o.Images, held, o.AutoImages > 0, o.Seed)
			rep.Auto = &AutoReport{Split: o.Split, Images: []string{}, TieMargin: AutoTieMargin, Scores: []MethodScore{}}
			for _, e := range scoreSet.Entries {
				rep.Auto.Images = append(rep.Auto.Images, e.ImagePath)
			}
		}
		for _, e := range calibSet.Entries {
			rep.Images = append(rep.Images, e.ImagePath)
		}
		if parts != nil && !slices.Equal(rep.Images, parts[0].CalibrationImages) {
			return fmt.Errorf("%s: split %q's seeded subset is not the images the parts were made from: is it the same data set?", o.Data, o.Split)
		}
	} else {
		rep.Images = parts[0].CalibrationImages
	}
	var overlap []string
	if set != nil {
		if msg := overlapWarning(ValidationSplit, calibSet, scoreSet); msg != "" {
			overlap = append(overlap, msg)
		}
	} else {
		overlap = parts[0].Warnings
	}
	for _, msg := range overlap {
		warn(msg)
	}
	if _, err := ort.Init(o.ORTLib); err != nil {
		return err
	}
	inShape := res[g.Inputs[0].GetName()].Shape
	pre := dataset.Preprocess{Height: int(inShape[2]), Width: int(inShape[3]), Mean: o.Mean, Std: o.Std, BGR: o.BGR}
	if err := pre.Validate(); err != nil {
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	// The cache and calib.json cover every activation (TensorRT's implicit
	// calibration reads any); the Q/DQ model needs only the ones it
	// quantizes, and histogramming fewer lets ONNX Runtime expose fewer. A
	// shard histograms them all: its merge may write either.
	names := activationTensors(g, res)
	if o.Cache == "" && o.Report == "" && o.Shard == nil {
		names = names[:0]
		for _, a := range plan.Activations {
			names = append(names, a.Tensor)
		}
	}
	var hists map[string]*Histogram
	switch {
	case o.Shard != nil:
		shardSet, err := calibSet.Shard(o.Shard.Index, o.Shard.Count)
		if err != nil {
			return err
		}
		interrupt.Stage("calibrate.collect")
		hists, coll, err := collectBounded(ctx, o, m, g, res, names, shardSet, pre)
		if err != nil {
			return err
		}
		part := o.part(rep, shardSet, overlap, coll)
		if err := writePart(o.SaveHistogramsTo, part, hists); err != nil {
			return err
		}
		fmt.Fprintf(o.Stdout, "wrote %s (shard %s: %d of %d images, %d tensors)\n", o.SaveHistogramsTo, o.Shard, shardSet.Len(), calibSet.Len(), len(hists))
		return nil
	case parts != nil:
		hists = mergeParts(parts)
		for _, n := range names {
			if hists[n] == nil {
				return fmt.Errorf("%s: the parts have no histogram of tensor %q", o.Parts[0], n)
			}
		}
		rep.Collection = parts[0].Collection
		for _, p := range parts[1:] {
			rep.Collection.Groups = max(rep.Collection.Groups, p.Collection.Groups)
			rep.Collection.keepPeak(*p.Collection)
		}
		fmt.Fprintln(o.Stdout, describeParts(parts))
	default:
		interrupt.Stage("calibrate.collect")
		var coll *Collection
		if hists, coll, err = collectBounded(ctx, o, m, g, res, names, calibSet, pre); err != nil {
			return err
		}
		rep.Collection = coll
	}
	// Every method's ranges when they are reported or compared; otherwise
	// only the one asked for.
	methods := Methods
	if o.Method != Auto && o.Report == "" {
		methods = []Method{o.Method}
	}
	interrupt.Stage("calibrate.ranges")
	all, err := computeRanges(ctx, names, hists, methods, o.Percentile)
	if err != nil {
		return err
	}
	chosen := o.Method
	if o.Method == Auto {
		interrupt.Stage("calibrate.auto")
		if chosen, err = runAuto(ctx, o, m, g, plan, names, hists, all, scoreSet, pre, rep.Auto); err != nil {
			return err
		}
		if rep.Auto.Fallback != "" {
			warn(rep.Auto.Fallback)
		}
	}
	amax, warnings := rangesFor(chosen, names, hists, all)
	for _, w := range warnings {
		warn(w)
	}
	rep.Method = string(chosen)
	for _, n := range names {
		h := hists[n]
		tr := TensorReport{Name: n, Amax: amax[n], Scale: Scale(amax[n]), Min: h.Min, Max: h.Max}
		if o.Report != "" {
			a := all[n]
			tr.Methods = &a
		}
		if o.SaveHistograms {
			tr.Counts, tr.Edges = h.Counts, h.Edges()
		}
		rep.Tensors = append(rep.Tensors, tr)
	}
	if o.MaxMIoUDrop > 0 {
		interrupt.Stage("calibrate.sensitivity")
		if plan, err = runSensitivity(ctx, o, m, g, res, plan, amax, pre, rep); err != nil {
			return err
		}
		rep.Excluded = plan.Excluded
	}
	out, err := quantizedModel(m, g, plan, amax, rep)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return writeOutputs(outputs{o.Out, o.Cache, o.Report, o.Stdout}, out, amax, chosen, o.TensorRT, rep)
}

// runAuto scores every method on the held-out images and returns the one
// to use, recording the scores in ar.
func runAuto(ctx context.Context, o Options, m *onnxio.Model, g *graph.Graph, plan *qdq.Plan, names []string,
	hists map[string]*Histogram, all map[string]MethodAmax, scoreSet *dataset.Set, pre dataset.Preprocess, ar *AutoReport) (Method, error) {
	if scoreSet.Len() == 0 {
		ar.Chosen = string(FallbackMethod)
		ar.Fallback = fmt.Sprintf("auto: split %q is too small to hold images out for scoring; used %s", o.Split, FallbackMethod)
		return FallbackMethod, nil
	}
	samples, err := decodeAll(ctx, scoreSet, pre)
	if err != nil {
		return "", err
	}
	chosen, scores, err := chooseMethod(ctx, m, g, plan, names, hists, all, samples)
	if err != nil {
		return "", err
	}
	ar.Scores, ar.Chosen = scores, string(chosen)
	var parts []string
	for _, s := range scores {
		parts = append(parts, fmt.Sprintf("%s %.2f", s.Method, s.MIoU))
	}
	fmt.Fprintf(o.Stdout, "auto: %s mIoU on %d held-out %s images: %s\n", strings.Join(parts, ", "), len(samples), o.Split, chosen)
	return chosen, nil
}

func runSensitivity(ctx context.Context, o Options, m *onnxio.Model, g *graph.Graph, res shapes.Result, plan *qdq.Plan,
	amax Scales, pre dataset.Preprocess, rep *Report) (*qdq.Plan, error) {
	split, n := o.SensitivitySplit, o.SensitivityImages
	set, err := dataset.Open(o.Data, split)
	if err != nil {
		return nil, err
	}
	samples, err := decodeAll(ctx, set.Limit(n), pre)
	if err != nil {
		return nil, err
	}
	say := func(s string) { fmt.Fprintf(o.Stderr, "sensitivity: %s\n", s) }
	final, sens, err := sensitivitySearch(ctx, m, g, res, plan, qdq.ExcludeMatching(o.Exclude), amax, samples, o.MaxMIoUDrop, say)
	if err != nil {
		return nil, err
	}
	sens.Split = split
	rep.Sensitivity = sens
	if !sens.Met {
		return nil, fmt.Errorf("sensitivity: no float/int8 split met a %g-point drop on %s (best %.2f)", o.MaxMIoUDrop, split, sens.FP32MIoU-sens.FinalMIoU)
	}
	fmt.Fprintf(o.Stdout, "sensitivity: FP32 %.2f, all-INT8 %.2f, final %.2f mIoU on %d %s images; kept in float: %s\n",
		sens.FP32MIoU, sens.INT8MIoU, sens.FinalMIoU, sens.Images, split, strings.Join(sens.KeptFloat, ", "))
	return final, nil
}
