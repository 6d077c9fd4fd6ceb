package validate

import (
	"fmt"
	"math"
	"sort"

	"github.com/segtrt/segtrt/score"
)

// Scores are one model's accuracy on a split, in percent (0..100).
type Scores struct {
	MIoU float64 `json:"miou"`
	AAcc float64 `json:"aacc"`
	// PerClass is IoU by Cityscapes class name; nil when the class has no
	// ground truth and no prediction.
	PerClass  map[string]*float64 `json:"per_class"`
	Confusion [][]uint64          `json:"confusion"`
}

// ScoresOf turns a confusion matrix into percentages keyed by class name.
func ScoresOf(m *score.ConfusionMatrix, classNames []string) Scores {
	s := Scores{
		MIoU:      100 * m.MeanIoU(),
		AAcc:      100 * m.PixelAccuracy(),
		PerClass:  map[string]*float64{},
		Confusion: m.Rows(),
	}
	for c, iou := range m.IoU() {
		if math.IsNaN(iou) {
			s.PerClass[classNames[c]] = nil
			continue
		}
		v := 100 * iou
		s.PerClass[classNames[c]] = &v
	}
	return s
}

// TargetResult is one target's verdict (junit.xml has one case each).
type TargetResult struct {
	Name string  `json:"name"`
	Want float64 `json:"want"`
	Got  float64 `json:"got"`
	Pass bool    `json:"pass"`
}

func (r TargetResult) String() string {
	verdict := "ok"
	if !r.Pass {
		verdict = "MISSED"
	}
	return fmt.Sprintf("%s: want %s %g, got %.2f (%s)", r.Name, r.op(), r.Want, r.Got, verdict)
}

func (r TargetResult) op() string {
	if len(r.Name) >= 4 && r.Name[:4] == "min_" {
		return ">="
	}
	return "<="
}

// ClassDrops returns reference IoU minus candidate IoU per class, in
// points; nil where either side has no value.
func ClassDrops(cand, ref Scores) map[string]*float64 {
	out := map[string]*float64{}
	for name, r := range ref.PerClass {
		c := cand.PerClass[name]
		if r == nil || c == nil {
			out[name] = nil
			continue
		}
		d := *r - *c
		out[name] = &d
	}
	return out
}

// Check evaluates every target that is set. ref may be nil only when no
// target needs it (the caller checks NeedsReference first).
func Check(t *Targets, cand Scores, ref *Scores, lat Latency) []TargetResult {
	var res []TargetResult
	atLeast := func(name string, want, got float64) {
		res = append(res, TargetResult{name, want, got, got >= want})
	}
	atMost := func(name string, want, got float64) {
		res = append(res, TargetResult{name, want, got, got <= want})
	}
	if t.MinMIoU != nil {
		atLeast("min_miou", *t.MinMIoU, cand.MIoU)
	}
	if t.MaxMIoUDrop != nil && ref != nil {
		atMost("max_miou_drop", *t.MaxMIoUDrop, ref.MIoU-cand.MIoU)
	}
	if t.MaxClassIoUDrop != nil && ref != nil {
		drops := ClassDrops(cand, *ref)
		names := make([]string, 0, len(drops))
		for n := range drops {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			want := t.MaxClassIoUDrop.All
			if w, ok := t.MaxClassIoUDrop.ByClass[n]; ok {
				want = &w
			}
			if want == nil || drops[n] == nil {
				continue
			}
			atMost("max_class_iou_drop["+n+"]", *want, *drops[n])
		}
	}
	if t.MinFPS != nil {
		atLeast("min_fps", *t.MinFPS, lat.FPS)
	}
	if t.MaxLatencyP99 != nil {
		atMost("max_latency_p99_ms", *t.MaxLatencyP99, lat.P99Ms)
	}
	return res
}
