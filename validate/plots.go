package validate

import (
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/segtrt/segtrt/dataset"
)

// writePlots draws per-class IoU (candidate and reference side by side)
// and a histogram of the timed loop's latencies.
func (r *Report) writePlots(dir string, latencySamples []float64) error {
	names := dataset.ClassNames()
	values := func(s *Scores) plotter.Values {
		v := make(plotter.Values, len(names))
		for i, n := range names {
			if p := s.PerClass[n]; p != nil {
				v[i] = *p
			}
		}
		return v
	}
	p := plot.New()
	p.Title.Text = "Per-class IoU"
	p.Y.Label.Text = "IoU (%)"
	p.Y.Min, p.Y.Max = 0, 100
	w := vg.Points(7)
	cand, err := plotter.NewBarChart(values(&r.Candidate), w)
	if err != nil {
		return err
	}
	cand.Color = plotutil.Color(0)
	p.Add(cand)
	p.Legend.Add("candidate", cand)
	if r.Reference != nil {
		ref, err := plotter.NewBarChart(values(r.Reference), w)
		if err != nil {
			return err
		}
		ref.Color = plotutil.Color(1)
		ref.Offset = -w
		cand.Offset = 0
		p.Add(ref)
		p.Legend.Add("reference", ref)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.8
	p.X.Tick.Label.XAlign = -0.9
	if err := p.Save(10*vg.Inch, 5*vg.Inch, filepath.Join(dir, "class_iou.png")); err != nil {
		return err
	}
	if len(latencySamples) == 0 {
		return nil
	}
	h := plot.New()
	h.Title.Text = "Latency of the runner alone"
	h.X.Label.Text = "ms"
	h.Y.Label.Text = "iterations"
	hist, err := plotter.NewHist(plotter.Values(latencySamples), 30)
	if err != nil {
		return err
	}
	h.Add(hist)
	return h.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, "latency_hist.png"))
}
