package validate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segtrt/segtrt/dataset"
)

// evalResult is what one pass over the split measured.
type evalResult struct {
	Cand, Ref      *ConfusionMatrix
	Agree, Pixels  uint64 // pixels where candidate and reference agree, of all label pixels
	Images         []string
	Wall           time.Duration // the whole pass: decode, inference, metrics
	FirstInput     []float32     // the first image's tensor, for the timed loop
	FirstInputDims []int64
}

// job carries one image from inference to the metrics stage.
type job struct {
	sample     dataset.Entry
	label      dataset.LabelMap
	cand, ref  []float32
	candLogits []int64
}

// evaluate streams the set: decoding runs ahead on all cores (dataset),
// this goroutine runs inference into pooled logits buffers, and metric
// workers score and save predictions meanwhile, so the three overlap.
func evaluate(ctx context.Context, set *dataset.Set, cand, ref *loadedModel, pre dataset.Preprocess, out *outputs, progress func()) (*evalResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const workers = 2
	res := &evalResult{Cand: NewConfusionMatrix(dataset.NumClasses)}
	if ref != nil {
		res.Ref = NewConfusionMatrix(dataset.NumClasses)
	}
	// Free logits buffers bound memory: inference waits when metrics lag.
	free := make(chan []float32, 2*(workers+1))
	for i := 0; i < cap(free); i++ {
		free <- make([]float32, cand.logitsLen())
	}
	jobs := make(chan job, workers)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		mu       sync.Mutex
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := newScorer(ref != nil)
			for j := range jobs {
				if err := local.score(j, cand, ref, out); err != nil {
					fail(err)
				}
				free <- j.cand
				if j.ref != nil {
					free <- j.ref
				}
				if progress != nil {
					progress()
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Cand.Merge(local.cand)
			if ref != nil {
				res.Ref.Merge(local.ref)
				res.Agree += local.agree
				res.Pixels += local.pixels
			}
		}()
	}
	start := time.Now()
	err := func() error {
		defer close(jobs)
		for s, err := range set.Samples(ctx, dataset.StreamOptions{Preprocess: pre}) {
			if err != nil {
				return err
			}
			if res.FirstInput == nil {
				res.FirstInput = append([]float32(nil), s.Tensor...)
				res.FirstInputDims = []int64{1, 3, int64(s.Shape[2]), int64(s.Shape[3])}
			}
			shape := []int64{1, 3, int64(s.Shape[2]), int64(s.Shape[3])}
			j := job{sample: s.Entry, label: cloneLabel(s.Label)}
			var err error
			if j.cand, err = take(ctx, free); err != nil {
				return err
			}
			if err := cand.Runner.RunInto(s.Tensor, shape, j.cand); err != nil {
				return fmt.Errorf("%s on %s: %w", cand.Path, s.ImagePath, err)
			}
			if ref != nil {
				if j.ref, err = take(ctx, free); err != nil {
					return err
				}
				if err := ref.Runner.RunInto(s.Tensor, shape, j.ref); err != nil {
					return fmt.Errorf("%s on %s: %w", ref.Path, s.ImagePath, err)
				}
			}
			res.Images = append(res.Images, s.Name)
			select {
			case jobs <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}()
	wg.Wait()
	res.Wall = time.Since(start)
	if err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if len(res.Images) == 0 {
		return nil, fmt.Errorf("%s: split %q has no images", set.Root, set.Split)
	}
	return res, nil
}

func take(ctx context.Context, free chan []float32) ([]float32, error) {
	select {
	case b := <-free:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func cloneLabel(l dataset.LabelMap) dataset.LabelMap {
	return dataset.LabelMap{Width: l.Width, Height: l.Height, Pix: append([]uint8(nil), l.Pix...)}
}

// scorer is one metrics worker's state.
type scorer struct {
	cand, ref     *ConfusionMatrix
	agree, pixels uint64
	predC, predR  []uint8
}

func newScorer(withRef bool) *scorer {
	s := &scorer{cand: NewConfusionMatrix(dataset.NumClasses)}
	if withRef {
		s.ref = NewConfusionMatrix(dataset.NumClasses)
	}
	return s
}

func (s *scorer) score(j job, cand, ref *loadedModel, out *outputs) error {
	h, w := j.label.Height, j.label.Width
	s.predC = grow(s.predC, h*w)
	if err := Predict(logitsOf(cand, j.cand), h, w, s.predC); err != nil {
		return fmt.Errorf("%s: %w", j.sample.ImagePath, err)
	}
	if err := s.cand.Add(j.label.Pix, s.predC); err != nil {
		return fmt.Errorf("%s: %w", j.sample.LabelPath, err)
	}
	if ref != nil {
		s.predR = grow(s.predR, h*w)
		if err := Predict(logitsOf(ref, j.ref), h, w, s.predR); err != nil {
			return fmt.Errorf("%s: %w", j.sample.ImagePath, err)
		}
		if err := s.ref.Add(j.label.Pix, s.predR); err != nil {
			return fmt.Errorf("%s: %w", j.sample.LabelPath, err)
		}
		for i, gt := range j.label.Pix {
			if gt == Ignore {
				continue
			}
			s.pixels++
			if s.predC[i] == s.predR[i] {
				s.agree++
			}
		}
	}
	return out.save(j.sample, s.predC, w, h)
}

func logitsOf(m *loadedModel, data []float32) Logits {
	return Logits{C: int(m.Logits[1]), H: int(m.Logits[2]), W: int(m.Logits[3]), Data: data}
}

func grow(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	return b[:n]
}

// Timing configures the timed loop (trtexec's defaults).
type Timing struct {
	Warmup        time.Duration // run this long before timing
	MinIterations int
	MinDuration   time.Duration
}

// DefaultTiming follows trtexec: 200 ms warm-up, then at least 10
// iterations and 3 s.
var DefaultTiming = Timing{Warmup: 200 * time.Millisecond, MinIterations: 10, MinDuration: 3 * time.Second}

// timeRunner measures the runner alone on one input: warm-up by time, then
// iterations until both minimums are met.
func timeRunner(ctx context.Context, m *loadedModel, input []float32, shape []int64, t Timing) ([]time.Duration, time.Duration, error) {
	buf := make([]float32, m.logitsLen())
	warm := time.Now()
	for time.Since(warm) < t.Warmup {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		if err := m.Runner.RunInto(input, shape, buf); err != nil {
			return nil, 0, err
		}
	}
	var samples []time.Duration
	start := time.Now()
	for len(samples) < max(t.MinIterations, 1) || time.Since(start) < t.MinDuration {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		t0 := time.Now()
		if err := m.Runner.RunInto(input, shape, buf); err != nil {
			return nil, 0, err
		}
		samples = append(samples, time.Since(t0))
	}
	return samples, time.Since(start), nil
}
