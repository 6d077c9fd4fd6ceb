package inspect

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/segtrt/segtrt/onnx/shapes"
)

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("model\t%s\n", r.Model)
	p("producer\t%s (IR %d, opset %d)\n", r.Producer, r.IRVersion, r.Opset)
	for _, t := range r.Inputs {
		p("input\t%s\t%s\t%s\n", t.Name, t.DType, shapes.FormatShape(t.Shape))
	}
	for _, t := range r.Outputs {
		p("output\t%s\t%s\t%s\n", t.Name, t.DType, shapes.FormatShape(t.Shape))
	}
	p("params\t%s\t(%.2fM)\n", group(r.Params), float64(r.Params)/1e6)
	if r.MACs != nil {
		partial := ""
		if r.MACsPartial {
			partial = ", partial"
		}
		p("MACs\t%s\t(%.2fG%s)\n", group(*r.MACs), float64(*r.MACs)/1e9, partial)
		for _, op := range sortedKeys(r.MACsByOp) {
			share := 0.0
			if *r.MACs > 0 {
				share = 100 * float64(r.MACsByOp[op]) / float64(*r.MACs)
			}
			p("  %s\t%s\t(%.1f%%)\n", op, group(r.MACsByOp[op]), share)
		}
	} else {
		p("MACs\tunknown\n")
	}
	p("nodes\t%d\n", r.Nodes)
	for _, op := range sortedKeys(r.OpCounts) {
		p("  %s\t%d\n", op, r.OpCounts[op])
	}
	p("SPG excitation\t%d\n", len(r.SPGExcite))
	for _, s := range r.SPGExcite {
		p("  %s\tx=%s g=%s t=%s\t%s\n", s.Add, s.X, s.G, s.T, shapes.FormatShape(s.Shape))
	}
	p("pooling\t%d\n", len(r.Pooling))
	for _, s := range r.Pooling {
		back := ""
		if s.Resized {
			back = ", resized back"
		}
		if s.Feature == [2]int64{} { // below a dynamic or unknown shape
			p("  %s\t%s\tfeature size unknown%s\n", s.Node, s.Kind, back)
			continue
		}
		p("  %s\t%s\tfeature %dx%d, kernel %dx%d%s\n", s.Node, s.Kind, s.Feature[0], s.Feature[1], s.Kernel[0], s.Kernel[1], back)
	}
	for _, n := range r.Notes {
		p("note\t%s\n", n)
	}
	return tw.Flush()
}

// group writes n with thousands separators: 11,680,872.
func group(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
