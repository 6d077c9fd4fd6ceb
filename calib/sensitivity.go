package calib

import (
	"context"
	"fmt"
	"sort"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/onnx/qdq"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/ort"
	"github.com/segtrt/segtrt/score"
)

// Sensitivity is calib.json's record of the search for layers to keep in
// float (mIoU in points).
type Sensitivity struct {
	Split     string      `json:"split"`
	Images    int         `json:"images"`
	Target    float64     `json:"max_miou_drop"`
	FP32MIoU  float64     `json:"fp32_miou"`
	INT8MIoU  float64     `json:"int8_miou"`
	FinalMIoU float64     `json:"final_miou"`
	Groups    []GroupDrop `json:"groups"`
	KeptFloat []string    `json:"kept_float"`
	Met       bool        `json:"met"`
}

// GroupDrop is the mIoU cost of quantizing one layer alone.
type GroupDrop struct {
	Node string  `json:"node"`
	Drop float64 `json:"drop"`
}

// sensitivitySearch measures the drop of the fully quantized model on a val
// subset and, while it exceeds target, keeps the layers whose quantization
// alone costs most in float, one at a time. It returns the final plan.
func sensitivitySearch(ctx context.Context, m *onnxio.Model, g *graph.Graph, res shapes.Result, base *qdq.Plan, userExcluded func(string) bool,
	amax Scales, samples []*dataset.Sample, target float64, report func(string)) (*qdq.Plan, *Sensitivity, error) {
	s := &Sensitivity{Images: len(samples), Target: target, Groups: []GroupDrop{}, KeptFloat: []string{}}
	var err error
	if s.FP32MIoU, err = miou(m, samples, ort.Options{}); err != nil {
		return nil, nil, err
	}
	plan := base
	measure := func(keep func(string) bool) (float64, *qdq.Plan, error) {
		p, err := qdq.NewPlan(g, res, keep)
		if err != nil {
			return 0, nil, err
		}
		q, err := quantizedModel(m, g, p, amax, nil)
		if err != nil {
			return 0, nil, err
		}
		v, err := miou(q, samples, ort.Options{})
		return v, p, err
	}
	if s.INT8MIoU, _, err = measure(userExcluded); err != nil {
		return nil, nil, err
	}
	s.FinalMIoU = s.INT8MIoU
	if s.FP32MIoU-s.INT8MIoU <= target {
		s.Met = true
		return plan, s, nil
	}
	report(fmt.Sprintf("INT8 drops %.2f mIoU points (> %g): measuring %d layers one by one", s.FP32MIoU-s.INT8MIoU, target, len(base.Groups)))
	for _, grp := range base.Groups {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		only := grp
		v, _, err := measure(func(n string) bool { return n != only || userExcluded(n) })
		if err != nil {
			return nil, nil, err
		}
		s.Groups = append(s.Groups, GroupDrop{Node: grp, Drop: s.FP32MIoU - v})
	}
	order := append([]GroupDrop(nil), s.Groups...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Drop > order[j].Drop })
	kept := map[string]bool{}
	for _, gd := range order {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		kept[gd.Node] = true
		s.KeptFloat = append(s.KeptFloat, gd.Node)
		if len(kept) == len(base.Groups) {
			return nil, nil, fmt.Errorf("sensitivity: the mIoU drop stays above %g points until every one of the %d layers is float: nothing is left worth quantizing (best with one layer int8: %.2f points)",
				target, len(kept), s.FP32MIoU-s.FinalMIoU)
		}
		v, p, err := measure(func(n string) bool { return kept[n] || userExcluded(n) })
		if err != nil {
			return nil, nil, err
		}
		s.FinalMIoU, plan = v, p
		report(fmt.Sprintf("kept %s in float (alone it cost %.2f points): drop now %.2f", gd.Node, gd.Drop, s.FP32MIoU-v))
		if s.FP32MIoU-v <= target {
			s.Met = true
			break
		}
	}
	return plan, s, nil
}

// miou scores a model on decoded samples with Cityscapes' rule (points),
// on a session of opts.
func miou(m *onnxio.Model, samples []*dataset.Sample, opts ort.Options) (float64, error) {
	m, err := passes.Runnable(m)
	if err != nil {
		return 0, err
	}
	sess, err := ort.NewSession(m, opts)
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	sc := score.NewScorer()
	for _, smp := range samples {
		outs, err := sess.Run(smp.Tensor, smp.InputShape())
		if err != nil {
			return 0, fmt.Errorf("%s: %w", smp.ImagePath, err)
		}
		o := outs[0]
		if err := score.CheckLogits(o.Shape); err != nil {
			return 0, fmt.Errorf("output %q: %w", o.Name, err)
		}
		if _, err := sc.Add(score.Logits{C: int(o.Shape[1]), H: int(o.Shape[2]), W: int(o.Shape[3]), Data: o.Data}, smp); err != nil {
			return 0, err
		}
	}
	return 100 * sc.CM.MeanIoU(), nil
}

// decodeAll decodes a small evaluation subset once, for repeated scoring.
func decodeAll(ctx context.Context, set *dataset.Set, pre dataset.Preprocess) ([]*dataset.Sample, error) {
	var out []*dataset.Sample
	for s, err := range set.Samples(ctx, dataset.StreamOptions{Preprocess: pre}) {
		if err != nil {
			return nil, err
		}
		out = append(out, s.Clone())
	}
	return out, nil
}
