package calib

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/segtrt/segtrt/dataset"

	"github.com/segtrt/segtrt/calib/internal/binning"
	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/internal/shard"
)

// PartKind and PartVersion mark a histograms part (calibrate --shard
// --save-histograms-to): docs/calib-part.md.
const (
	PartKind    = "segtrt calibration histograms"
	PartVersion = 1
)

// Part is one shard's histograms and everything a merge must agree on.
type Part struct {
	Kind          string        `json:"kind"`
	SchemaVersion int           `json:"schema_version"`
	Model         filehash.File `json:"model"`
	// What chose the images and what they went through.
	Split      string             `json:"split"`
	Seed       uint64             `json:"seed"`
	Images     int                `json:"images"`
	Method     string             `json:"method"`
	Percentile float64            `json:"percentile"`
	AutoImages int                `json:"auto_images"`
	Exclude    []string           `json:"exclude"`
	Input      map[string][]int64 `json:"input_shapes"`
	Mean       [3]float32         `json:"mean"`
	Std        [3]float32         `json:"std"`
	BGR        bool               `json:"bgr"`
	// CalibrationImages is the whole seeded subset, in order; ShardImages
	// the ones this part histogrammed (k mod Count == Index).
	CalibrationImages []string     `json:"calibration_images"`
	Shard             shard.Shard  `json:"shard"`
	ShardImages       []string     `json:"shard_images"`
	Warnings          []string     `json:"warnings,omitempty"`
	Collection        *Collection  `json:"collection"`
	Tensors           []PartTensor `json:"tensors"`
}

// PartTensor is one tensor's histogram: counts over [0, 2048 * 2^exp).
type PartTensor struct {
	Name   string   `json:"name"`
	Exp    int      `json:"exp"`
	Counts []uint64 `json:"counts"`
	Seen   uint64   `json:"seen"`
	// Min and Max are null when the shard saw no value.
	Min *float64 `json:"min"`
	Max *float64 `json:"max"`
}

func finiteOrNil(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

func writePart(path string, p *Part, hists map[string]*Histogram) error {
	names := make([]string, 0, len(hists))
	for n := range hists {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h := hists[n]
		p.Tensors = append(p.Tensors, PartTensor{Name: n, Exp: h.Exp, Counts: h.Counts, Seen: h.Seen, Min: finiteOrNil(h.Min), Max: finiteOrNil(h.Max)})
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(data, '\n'))
}

func readPart(path string) (*Part, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := &Part{}
	if err := json.Unmarshal(data, p); err != nil || p.Kind != PartKind {
		return nil, fmt.Errorf("%s: not a calibration histograms part (calibrate --shard I/N --save-histograms-to)", path)
	}
	if p.SchemaVersion != PartVersion {
		return nil, fmt.Errorf("%s: part schema %d; this segtrt reads %d", path, p.SchemaVersion, PartVersion)
	}
	if p.Collection == nil || p.Shard.Count < 1 {
		return nil, fmt.Errorf("%s: a part without its shard or collection record", path)
	}
	for _, t := range p.Tensors {
		if len(t.Counts) != Bins || t.Exp < binning.MinExp || t.Exp > 200 {
			return nil, fmt.Errorf("%s: tensor %q: a histogram of %d bins at 2^%d; want %d bins", path, t.Name, len(t.Counts), t.Exp, Bins)
		}
	}
	return p, nil
}

// readParts reads and cross-checks the parts of one calibration: same
// model, images, method and preprocessing, and every shard 0..N-1 once.
func readParts(paths []string) ([]*Part, error) {
	var parts []*Part
	for _, path := range paths {
		p, err := readPart(path)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	first := parts[0]
	for k, p := range parts[1:] {
		if what := partMismatch(first, p); what != "" {
			return nil, fmt.Errorf("%s and %s differ in %s: parts of different calibrations", paths[0], paths[k+1], what)
		}
	}
	n := first.Shard.Count
	byIndex := make([]string, n)
	for k, p := range parts {
		i := p.Shard.Index
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%s: shard %d of %d", paths[k], i, n)
		}
		if byIndex[i] != "" {
			return nil, fmt.Errorf("shard %d/%d given twice: %s and %s", i, n, byIndex[i], paths[k])
		}
		byIndex[i] = paths[k]
	}
	for i, path := range byIndex {
		if path == "" {
			return nil, fmt.Errorf("shard %d/%d is missing (have %d of %d parts)", i, n, len(parts), n)
		}
	}
	// The shards must partition the subset as Set.Shard does.
	for _, p := range parts {
		var want []string
		for k, img := range first.CalibrationImages {
			if k%n == p.Shard.Index {
				want = append(want, img)
			}
		}
		if !slices.Equal(want, p.ShardImages) {
			return nil, fmt.Errorf("%s: shard %s holds other images than its share of the calibration subset", byIndex[p.Shard.Index], p.Shard)
		}
	}
	return parts, nil
}

// partMismatch names the first field in which b differs from a.
func partMismatch(a, b *Part) string {
	same := func(x, y any) bool {
		bx, _ := json.Marshal(x)
		by, _ := json.Marshal(y)
		return string(bx) == string(by)
	}
	checks := []struct {
		what string
		x, y any
	}{
		{"model (sha256)", a.Model.SHA256, b.Model.SHA256},
		{"split", a.Split, b.Split},
		{"seed", a.Seed, b.Seed},
		{"image count (--images)", a.Images, b.Images},
		{"method", a.Method, b.Method},
		{"percentile", a.Percentile, b.Percentile},
		{"--auto-images", a.AutoImages, b.AutoImages},
		{"--exclude", a.Exclude, b.Exclude},
		{"input shapes", a.Input, b.Input},
		{"mean/std/bgr", []any{a.Mean, a.Std, a.BGR}, []any{b.Mean, b.Std, b.BGR}},
		{"shard count", a.Shard.Count, b.Shard.Count},
		{"calibration images", a.CalibrationImages, b.CalibrationImages},
		{"tensors", tensorNames(a), tensorNames(b)},
	}
	for _, c := range checks {
		if !same(c.x, c.y) {
			return c.what
		}
	}
	return ""
}

func tensorNames(p *Part) []string {
	var n []string
	for _, t := range p.Tensors {
		n = append(n, t.Name)
	}
	return n
}

// mergeParts adds the parts' histograms: exact, since widths are powers of
// two and coarsening merges whole bins, so the sum is the histogram one run
// over all the images makes.
func mergeParts(parts []*Part) map[string]*Histogram {
	hists := map[string]*Histogram{}
	for _, p := range parts {
		for _, t := range p.Tensors {
			h, ok := hists[t.Name]
			if !ok {
				h = NewHistogram()
				hists[t.Name] = h
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			if t.Min != nil && t.Max != nil {
				lo, hi = *t.Min, *t.Max
			}
			h.add(t.Exp, t.Counts, t.Seen, lo, hi)
		}
	}
	return hists
}

// describeParts is merge's one line about what it read.
func describeParts(parts []*Part) string {
	imgs := 0
	for _, p := range parts {
		imgs += len(p.ShardImages)
	}
	return fmt.Sprintf("merged %d parts (%d images, %d tensors) of %s", len(parts), imgs, len(parts[0].Tensors),
		strings.TrimSpace(parts[0].Model.Path))
}

// part describes a shard run for its part file (histograms come later).
func (o Options) part(rep *Report, shardSet *dataset.Set, warnings []string, coll *Collection) *Part {
	p := &Part{Kind: PartKind, SchemaVersion: PartVersion, Model: rep.Model, Split: o.Split, Seed: o.Seed, Images: o.Images,
		Method: string(o.Method), Percentile: o.Percentile, AutoImages: o.AutoImages, Exclude: []string{}, Input: o.InputShapes,
		Mean: o.Mean, Std: o.Std, BGR: o.BGR, CalibrationImages: rep.Images, Shard: *o.Shard, ShardImages: []string{},
		Warnings: warnings, Collection: coll}
	for _, re := range o.Exclude {
		p.Exclude = append(p.Exclude, re.String())
	}
	for _, e := range shardSet.Entries {
		p.ShardImages = append(p.ShardImages, e.ImagePath)
	}
	return p
}

// options takes from the part what chose and prepared its images, so that
// the merge computes what one run with those flags would.
func (p *Part) options(o Options) Options {
	o.Split, o.Seed, o.Images, o.Method, o.Percentile, o.AutoImages = p.Split, p.Seed, p.Images, Method(p.Method), p.Percentile, p.AutoImages
	o.InputShapes, o.Mean, o.Std, o.BGR = p.Input, p.Mean, p.Std, p.BGR
	o.Exclude = nil
	for _, s := range p.Exclude {
		o.Exclude = append(o.Exclude, regexp.MustCompile(s)) // compiled once already, by the shard
	}
	return o
}
