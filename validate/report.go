package validate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/device"
	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/internal/fserr"
	"gonum.org/v1/gonum/stat"
)

// SchemaVersion is report.json's format version (docs/report-json.md).
const SchemaVersion = 1

// Report is report.json, a contract with pipelines (docs/report-json.md).
type Report struct {
	SchemaVersion  int                 `json:"schema_version"`
	Model          string              `json:"model"`
	ReferenceModel string              `json:"reference_model,omitempty"`
	Backend        string              `json:"backend"`
	Data           string              `json:"data"`
	Split          string              `json:"split"`
	InputShape     []int64             `json:"input_shape"`
	Images         int                 `json:"images"`
	ImageNames     []string            `json:"image_names"`
	Candidate      Scores              `json:"candidate"`
	Reference      *Scores             `json:"reference"`
	MIoUDrop       *float64            `json:"miou_drop"`
	ClassIoUDrop   map[string]*float64 `json:"class_iou_drop"`
	PixelAgreement *float64            `json:"pixel_agreement"`
	// NonFiniteLogits counts the candidate's NaN and infinite logits; any
	// fails the gate (target finite_outputs). Absent when there are none.
	NonFiniteLogits *NonFinite `json:"non_finite_logits,omitempty"`
	LatencyMs       LatencyMs  `json:"latency_ms"`
	// GPUMs is the GPU compute time of the timed runs, from CUDA events
	// around the enqueue (copies excluded); TensorRT engines only.
	GPUMs       *LatencyMs        `json:"gpu_ms,omitempty"`
	FPS         float64           `json:"fps"`
	Timing      TimingFacts       `json:"timing"`
	EndToEndIPS float64           `json:"end_to_end_ips"`
	Device      device.Facts      `json:"device"`
	Versions    map[string]string `json:"versions"`
	Targets     []TargetResult    `json:"targets"`
	Pass        bool              `json:"pass"`
	Warnings    []string          `json:"warnings"`
	Shard       *ShardData        `json:"shard,omitempty"`
	// Files identifies by content every model, reference report and
	// targets file the run read.
	Files Files `json:"files"`
}

// Files are the inputs a report names.
type Files struct {
	Model           filehash.File  `json:"model"`
	ReferenceModel  *filehash.File `json:"reference_model,omitempty"`
	ReferenceReport *filehash.File `json:"reference_report,omitempty"`
	Targets         *filehash.File `json:"targets,omitempty"`
}

// hashFiles describes the files opts names.
func hashFiles(opts Options) (Files, error) {
	var f Files
	var err error
	if f.Model, err = filehash.Of(opts.Model); err != nil {
		return f, err
	}
	for _, p := range []struct {
		path string
		dst  **filehash.File
	}{{opts.Reference, &f.ReferenceModel}, {opts.ReferenceReport, &f.ReferenceReport}, {opts.Targets, &f.Targets}} {
		if p.path == "" {
			continue
		}
		h, err := filehash.Of(p.path)
		if err != nil {
			return f, err
		}
		*p.dst = &h
	}
	return f, nil
}

// NonFinite is the non_finite_logits object.
type NonFinite struct {
	Values uint64 `json:"values"`
	Images int    `json:"images"`
	// First are the first images with any, in the split's order.
	First []string `json:"first_images"`
}

// nonFiniteOf summarises counts by image (in order, the first ten).
func nonFiniteOf(byImage map[string]int, order []string) *NonFinite {
	if len(byImage) == 0 {
		return nil
	}
	nf := &NonFinite{Images: len(byImage), First: []string{}}
	for _, n := range byImage {
		nf.Values += uint64(n)
	}
	for _, name := range order {
		if byImage[name] > 0 && len(nf.First) < 10 {
			nf.First = append(nf.First, name)
		}
	}
	return nf
}

// LatencyMs is the latency_ms object: the runner alone, milliseconds.
type LatencyMs struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
}

// TimingFacts say how the timed loop ran.
type TimingFacts struct {
	Iterations int     `json:"iterations"`
	WallS      float64 `json:"wall_s"`
	WarmupS    float64 `json:"warmup_s"`
	MinMs      float64 `json:"min_ms"`
	MaxMs      float64 `json:"max_ms"`
	CV         float64 `json:"cv"`
	// Runner says how the timed runner was set up (threads, spinning), and
	// PassLanes how many images the end-to-end pass inferred at once.
	Runner    string `json:"runner,omitempty"`
	PassLanes int    `json:"pass_lanes,omitempty"`
	// CUDAGraph: the engine's enqueue was replayed from a CUDA graph.
	CUDAGraph bool `json:"cuda_graph,omitempty"`
}

// ShardData is what `validate merge` needs from each shard beyond the
// scores: raw latency samples and the agreement counts.
type ShardData struct {
	Index            int       `json:"index"`
	Count            int       `json:"count"`
	LatencySamplesMs []float64 `json:"latency_samples_ms"`
	TimedWallS       float64   `json:"timed_wall_s"`
	PassWallS        float64   `json:"pass_wall_s"`
	AgreePixels      uint64    `json:"agree_pixels"`
	LabelPixels      uint64    `json:"label_pixels"`
}

func (r *Report) setLatency(l Latency, wallS, warmupS float64) {
	r.LatencyMs = LatencyMs{Mean: l.MeanMs, P50: l.P50Ms, P90: l.P90Ms, P95: l.P95Ms, P99: l.P99Ms}
	r.FPS = l.FPS
	r.Timing = TimingFacts{Iterations: l.Iterations, WallS: wallS, WarmupS: warmupS, MinMs: l.MinMs, MaxMs: l.MaxMs, CV: l.CV}
	if l.CV > NoisyCV {
		r.Warnings = append(r.Warnings, fmt.Sprintf("latency coefficient of variation is %.1f%% (> %.0f%%): speed numbers are noisy", 100*l.CV, 100*NoisyCV))
	}
}

// compare fills the reference-relative fields.
func (r *Report) compare(ref *Scores, agree, pixels uint64) {
	r.Reference = ref
	if ref == nil {
		return
	}
	d := ref.MIoU - r.Candidate.MIoU
	r.MIoUDrop = &d
	r.ClassIoUDrop = ClassDrops(r.Candidate, *ref)
	if pixels > 0 {
		a := 100 * float64(agree) / float64(pixels)
		r.PixelAgreement = &a
	}
}

// ReadReport loads a report.json (a stored reference or a shard).
func ReadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a segtrt report: %v", path, err)
	}
	if len(r.Candidate.Confusion) != dataset.NumClasses {
		return nil, fmt.Errorf("%s: not a segtrt validate report (no %dx%d confusion matrix)", path, dataset.NumClasses, dataset.NumClasses)
	}
	return &r, nil
}

// WriteDir writes report.json, report.md, junit.xml and the plots into dir.
// Everything is written into a temporary folder inside dir first and then
// renamed into place, so a failure leaves no partial report.
func (r *Report) WriteDir(dir string, latencySamples []float64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", dir, fserr.Reason(err))
	}
	tmp, err := os.MkdirTemp(dir, ".report-tmp-")
	if err != nil {
		return fmt.Errorf("%s: cannot write: %w", dir, fserr.Reason(err))
	}
	defer os.RemoveAll(tmp)
	files := map[string]func(io.Writer) error{
		"report.json": r.writeJSON,
		"report.md":   r.writeMarkdown,
		"junit.xml":   r.writeJUnit,
	}
	for name, write := range files {
		if err := atomicfile.Write(filepath.Join(tmp, name), write); err != nil {
			return err
		}
	}
	if err := r.writePlots(tmp, latencySamples); err != nil {
		return err
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	if err := atomicfile.Aborted(); err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
	}
	return nil
}

func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func fmtPct(p *float64) string {
	if p == nil || math.IsNaN(*p) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", *p)
}

// iouRows gives class, candidate IoU, reference IoU and drop, formatted,
// for every class and then for the mIoU, as both renderers show them.
func (r *Report) iouRows() [][4]string {
	var rows [][4]string
	for _, name := range dataset.ClassNames() {
		var ref, drop *float64
		if r.Reference != nil {
			ref, drop = r.Reference.PerClass[name], r.ClassIoUDrop[name]
		}
		rows = append(rows, [4]string{name, fmtPct(r.Candidate.PerClass[name]), fmtPct(ref), fmtPct(drop)})
	}
	var refMIoU *float64
	if r.Reference != nil {
		refMIoU = &r.Reference.MIoU
	}
	return append(rows, [4]string{"mIoU", fmtPct(&r.Candidate.MIoU), fmtPct(refMIoU), fmtPct(r.MIoUDrop)})
}

// WriteTable prints the summary people read on stdout.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%-22s %10s %10s %8s\n", "class", "candidate", "reference", "drop")
	for _, row := range r.iouRows() {
		fmt.Fprintf(w, "%-22s %10s %10s %8s\n", row[0], row[1], row[2], row[3])
	}
	fmt.Fprintf(w, "%-22s %10s\n", "aAcc", fmtPct(&r.Candidate.AAcc))
	if r.PixelAgreement != nil {
		fmt.Fprintf(w, "%-22s %10s\n", "pixel agreement", fmtPct(r.PixelAgreement))
	}
	fmt.Fprintf(w, "images %d (%s/%s), %s backend, input %s\n", r.Images, r.Data, r.Split, r.Backend, shapeString(r.InputShape))
	fmt.Fprintf(w, "latency ms: mean %.2f p50 %.2f p90 %.2f p95 %.2f p99 %.2f; %.2f FPS (runner alone, %d iterations); end to end %.2f images/s%s\n",
		r.LatencyMs.Mean, r.LatencyMs.P50, r.LatencyMs.P90, r.LatencyMs.P95, r.LatencyMs.P99, r.FPS, r.Timing.Iterations, r.EndToEndIPS, r.shareOfRunner())
	if g := r.GPUMs; g != nil {
		fmt.Fprintf(w, "GPU compute ms: mean %.2f p50 %.2f p90 %.2f p95 %.2f p99 %.2f%s\n", g.Mean, g.P50, g.P90, g.P95, g.P99, r.graphNote())
	}
	for _, t := range r.Targets {
		fmt.Fprintf(w, "target %s\n", t)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

func (r *Report) graphNote() string {
	if r.Timing.CUDAGraph {
		return " (replayed from a CUDA graph)"
	}
	return ""
}

// gpuStats summarises GPU times the way latency_ms does; nil without any.
func gpuStats(ms []float64) *LatencyMs {
	if len(ms) == 0 {
		return nil
	}
	s := slices.Sorted(slices.Values(ms))
	return &LatencyMs{Mean: stat.Mean(s, nil), P50: Percentile(s, 50), P90: Percentile(s, 90), P95: Percentile(s, 95), P99: Percentile(s, 99)}
}

func shapeString(s []int64) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

func (r *Report) writeMarkdown(w io.Writer) error {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "# segtrt validate: %s\n\n", verdict)
	fmt.Fprintf(w, "Candidate `%s`", r.Model)
	if r.ReferenceModel != "" {
		fmt.Fprintf(w, " against reference `%s`", r.ReferenceModel)
	}
	fmt.Fprintf(w, " on %d images of `%s` (%s), %s backend.\n\n", r.Images, r.Data, r.Split, r.Backend)
	if len(r.Targets) > 0 {
		fmt.Fprintf(w, "| target | want | got | result |\n|---|---|---|---|\n")
		for _, t := range r.Targets {
			res := "pass"
			if !t.Pass {
				res = "**missed**"
			}
			fmt.Fprintf(w, "| %s | %s %g | %.2f | %s |\n", t.Name, t.op(), t.Want, t.Got, res)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| class | candidate IoU | reference IoU | drop |\n|---|---:|---:|---:|\n")
	rows := r.iouRows()
	for _, row := range rows[:len(rows)-1] {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row[0], row[1], row[2], row[3])
	}
	last := rows[len(rows)-1]
	fmt.Fprintf(w, "| **%s** | **%s** | **%s** | **%s** |\n\n", last[0], last[1], last[2], last[3])
	fmt.Fprintf(w, "Latency (runner alone, %d iterations): mean %.2f ms, p50 %.2f, p90 %.2f, p95 %.2f, p99 %.2f ms; %.2f FPS. End to end: %.2f images/s%s.\n\n",
		r.Timing.Iterations, r.LatencyMs.Mean, r.LatencyMs.P50, r.LatencyMs.P90, r.LatencyMs.P95, r.LatencyMs.P99, r.FPS, r.EndToEndIPS, r.shareOfRunner())
	if g := r.GPUMs; g != nil {
		fmt.Fprintf(w, "GPU compute (CUDA events, copies excluded): mean %.2f ms, p50 %.2f, p90 %.2f, p95 %.2f, p99 %.2f ms%s.\n\n", g.Mean, g.P50, g.P90, g.P95, g.P99, r.graphNote())
	}
	fmt.Fprintf(w, "Device: %s, %d cores", r.Device.CPU, r.Device.Cores)
	for _, g := range r.Device.GPUs {
		fmt.Fprintf(w, "; GPU %s (sm %s)", g.Name, g.ComputeCapability)
	}
	keys := make([]string, 0, len(r.Versions))
	for k := range r.Versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, ".\nVersions:")
	for _, k := range keys {
		fmt.Fprintf(w, " %s %s;", k, r.Versions[k])
	}
	fmt.Fprintln(w)
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "\n> warning: %s\n", warn)
	}
	return nil
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (r *Report) writeJUnit(w io.Writer) error {
	s := junitSuite{Name: "segtrt validate " + r.Model, Tests: len(r.Targets), Cases: []junitCase{}}
	for _, t := range r.Targets {
		c := junitCase{Name: t.Name, ClassName: "segtrt.targets"}
		if !t.Pass {
			s.Failures++
			c.Failure = &junitFailure{Message: t.String(), Text: t.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// shareOfRunner is the end-to-end rate as a share of the runner's FPS, for
// the speed lines: how much of the runner's speed the whole pass keeps.
func (r *Report) shareOfRunner() string {
	if r.FPS <= 0 || r.EndToEndIPS <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.2fx the runner)", r.EndToEndIPS/r.FPS)
}
