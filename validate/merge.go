package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"time"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/internal/pathcheck"
	"github.com/segtrt/segtrt/score"
)

// MergeOptions are `segtrt validate merge`'s inputs.
type MergeOptions struct {
	Shards    []string
	Targets   string
	ReportDir string
	Stdout    io.Writer
}

// Merge combines shard reports into the report one run over the whole
// split would give: confusion matrices add, latency samples pool.
func Merge(ctx context.Context, opts MergeOptions) error {
	if len(opts.Shards) == 0 {
		return errors.New("no shard reports to merge")
	}
	paths := append([]pathcheck.Path{pathcheck.In("Targets", opts.Targets)}, reportFiles("ReportDir", opts.ReportDir)...)
	for _, s := range opts.Shards {
		paths = append(paths, pathcheck.In("Shards", s))
	}
	if err := pathcheck.Check(paths...); err != nil {
		return err
	}
	var targets *Targets
	if opts.Targets != "" {
		var err error
		if targets, err = LoadTargets(opts.Targets, dataset.ClassNames()); err != nil {
			return err
		}
	}
	var shards []*Report
	for _, path := range opts.Shards {
		r, err := ReadReport(path)
		if err != nil {
			return err
		}
		if r.Shard == nil {
			return fmt.Errorf("%s: not a shard report (validated without sharding)", path)
		}
		shards = append(shards, r)
	}
	sort.Slice(shards, func(i, j int) bool { return shards[i].Shard.Index < shards[j].Shard.Index })
	first := shards[0]
	n := first.Shard.Count
	if len(shards) != n {
		return fmt.Errorf("%d shard reports given, the shards say there are %d", len(shards), n)
	}
	for i, s := range shards {
		switch {
		case s.Shard.Count != n || s.Shard.Index != i:
			return fmt.Errorf("shards must be 0..%d of %d once each; got shard %d/%d twice or missing", n-1, n, s.Shard.Index, s.Shard.Count)
		case s.Files.Model.SHA256 != first.Files.Model.SHA256:
			return fmt.Errorf("shard %d validated a model with SHA-256 %s, shard 0 one with %s", i, s.Files.Model.SHA256, first.Files.Model.SHA256)
		case s.Model != first.Model || s.ReferenceModel != first.ReferenceModel || s.Split != first.Split || s.Data != first.Data:
			return fmt.Errorf("shard %d validated %s (reference %q) on %s/%s, shard 0 %s (reference %q) on %s/%s",
				i, s.Model, s.ReferenceModel, s.Data, s.Split, first.Model, first.ReferenceModel, first.Data, first.Split)
		case (s.Reference == nil) != (first.Reference == nil):
			return fmt.Errorf("shard %d and shard 0 differ in having a reference", i)
		}
	}
	cand := score.NewConfusionMatrix(dataset.NumClasses)
	var ref *score.ConfusionMatrix
	if first.Reference != nil {
		ref = score.NewConfusionMatrix(dataset.NumClasses)
	}
	var (
		ms                []float64
		timedWall, passes float64
		agree, pixels     uint64
		names             []string
		nonFinite         *NonFinite
	)
	add := func(a *uint64, b uint64, what string) error {
		s, carry := bits.Add64(*a, b, 0)
		if carry != 0 {
			return fmt.Errorf("%s overflows when the shards are added", what)
		}
		*a = s
		return nil
	}
	for _, s := range shards {
		if err := cand.Merge(fromRows(s.Candidate.Confusion)); err != nil {
			return err
		}
		if ref != nil {
			if err := ref.Merge(fromRows(s.Reference.Confusion)); err != nil {
				return err
			}
		}
		ms = append(ms, s.Shard.LatencySamplesMs...)
		timedWall += s.Shard.TimedWallS
		passes += s.Shard.PassWallS
		if err := add(&agree, s.Shard.AgreePixels, "agree_pixels"); err != nil {
			return err
		}
		if err := add(&pixels, s.Shard.LabelPixels, "label_pixels"); err != nil {
			return err
		}
		names = append(names, s.ImageNames...)
		if nf := s.NonFiniteLogits; nf != nil {
			if nonFinite == nil {
				nonFinite = &NonFinite{First: []string{}}
			}
			if err := add(&nonFinite.Values, nf.Values, "non_finite_logits"); err != nil {
				return err
			}
			nonFinite.Images += nf.Images
			nonFinite.First = append(nonFinite.First, nf.First...)
		}
	}
	sort.Strings(names)
	files := first.Files
	files.Targets = nil
	if opts.Targets != "" {
		h, err := filehash.Of(opts.Targets)
		if err != nil {
			return err
		}
		files.Targets = &h
	}
	rep := &Report{
		SchemaVersion: SchemaVersion, Files: files,
		Model: first.Model, ReferenceModel: first.ReferenceModel, Backend: first.Backend,
		Data: first.Data, Split: first.Split, InputShape: first.InputShape,
		Images: len(names), ImageNames: names,
		Candidate: ScoresOf(cand, dataset.ClassNames()),
		// Each shard's runner rate, pooled: images over the summed pass time.
		EndToEndIPS: float64(len(names)) / passes,
		Device:      first.Device, Versions: first.Versions, Warnings: []string{},
	}
	if ref != nil {
		rs := ScoresOf(ref, dataset.ClassNames())
		if pixels == 0 {
			// Shards that reused a stored reference report have no agreement.
			rep.compare(&rs, 0, 0)
		} else {
			rep.compare(&rs, agree, pixels)
		}
	}
	if nonFinite != nil {
		sort.Strings(nonFinite.First)
		nonFinite.First = nonFinite.First[:min(len(nonFinite.First), 10)]
	}
	rep.NonFiniteLogits = nonFinite
	lat := Summarize(msToDurations(ms), time.Duration(timedWall*float64(time.Second)))
	rep.setLatency(lat, timedWall, first.Timing.WarmupS)
	rep.Timing.Runner, rep.Timing.PassLanes = first.Timing.Runner, first.Timing.PassLanes
	return finish(rep, targets, lat, ms, opts.ReportDir, opts.Stdout)
}

func fromRows(rows [][]uint64) *score.ConfusionMatrix {
	m := score.NewConfusionMatrix(len(rows))
	for i, r := range rows {
		copy(m.Counts[i*m.NumClasses:], r)
	}
	return m
}
