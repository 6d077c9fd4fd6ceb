package validate

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/score"
)

// evalResult is what one pass over the split measured.
type evalResult struct {
	Cand, Ref      *score.ConfusionMatrix
	Agree, Pixels  uint64 // pixels where candidate and reference agree, of all label pixels
	Images         []string
	Wall           time.Duration // the whole pass: decode, inference, metrics
	Lanes          int           // images inferred at once
	FirstInput     []float32     // the first image's tensor, for the timed loop
	FirstInputDims []int64
	// NonFinite counts the candidate's NaN and infinite logits by image.
	NonFinite map[string]int
}

// job carries one image from inference to the metrics stage.
type job struct {
	sample    *dataset.Sample // retained until scored
	cand, ref []float32
}

// evaluate streams the set: decoding runs ahead on all cores (dataset),
// inference lanes take images as they come, and metric workers score
// and save predictions meanwhile, so the three overlap. Samples are
// retained, not copied, from decoding until they are scored.
func evaluate(ctx context.Context, set *dataset.Set, cand, ref *loadedModel, pre dataset.Preprocess, out *outputs, progress func()) (*evalResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lanes, closeLanes, err := openLanes(cand, ref)
	if err != nil {
		return nil, err
	}
	defer closeLanes()
	if err := warmLanes(ctx, lanes, cand, ref); err != nil {
		return nil, err
	}
	const workers = 2
	res := &evalResult{Cand: score.NewConfusionMatrix(dataset.NumClasses), Lanes: len(lanes)}
	if ref != nil {
		res.Ref = score.NewConfusionMatrix(dataset.NumClasses)
	}
	// Free logits buffers bound memory: inference waits when metrics lag.
	// They fit either model's logits (a reference may output another size).
	perImage, size := 1, cand.logitsLen()
	if ref != nil {
		perImage, size = 2, max(size, ref.logitsLen())
	}
	free := make(chan []float32, perImage*(len(lanes)+workers+1))
	for i := 0; i < cap(free); i++ {
		free <- make([]float32, size)
	}
	var (
		errOnce  sync.Once
		firstErr error
		mu       sync.Mutex
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	jobs := make(chan job, workers)
	var scoring sync.WaitGroup
	for w := 0; w < workers; w++ {
		scoring.Add(1)
		go func() {
			defer scoring.Done()
			local := newScorer(ref != nil)
			for j := range jobs {
				if err := local.score(j, cand, ref, out); err != nil {
					fail(err)
				}
				j.sample.Release()
				putBack(free, j.cand, j.ref)
				if progress != nil {
					progress()
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err := res.Cand.Merge(local.cand.CM); err != nil {
				fail(err)
			}
			for name, n := range local.nonFinite {
				if res.NonFinite == nil {
					res.NonFinite = map[string]int{}
				}
				res.NonFinite[name] += n
			}
			if ref != nil {
				if err := res.Ref.Merge(local.ref.CM); err != nil {
					fail(err)
				}
				res.Agree += local.agree
				res.Pixels += local.pixels
			}
		}()
	}
	infer := make(chan *dataset.Sample)
	var inferring sync.WaitGroup
	for _, l := range lanes {
		inferring.Add(1)
		go func() {
			defer inferring.Done()
			for s := range infer {
				j, err := l.run(ctx, s, free, cand, ref)
				if err != nil {
					s.Release()
					fail(err)
					continue // drain, so the loop below never blocks
				}
				select {
				case jobs <- j:
				case <-ctx.Done():
					s.Release()
				}
			}
		}()
	}
	start := time.Now()
	// In flight: decoded ahead, one per lane, queued and being scored.
	opt := dataset.StreamOptions{Preprocess: pre, Retain: true,
		InFlight: 2*runtime.GOMAXPROCS(0) + len(lanes) + 2*workers}
	err = func() error {
		defer close(infer)
		for s, err := range set.Samples(ctx, opt) {
			if err != nil {
				return err
			}
			if res.FirstInput == nil {
				res.FirstInput = append([]float32(nil), s.Tensor...)
				res.FirstInputDims = s.InputShape()
			}
			res.Images = append(res.Images, s.Name)
			select {
			case infer <- s:
			case <-ctx.Done():
				s.Release()
				return ctx.Err()
			}
		}
		return nil
	}()
	inferring.Wait()
	close(jobs)
	scoring.Wait()
	res.Wall = time.Since(start)
	if firstErr != nil {
		return nil, firstErr
	}
	if err != nil {
		return nil, err
	}
	if len(res.Images) == 0 {
		return nil, fmt.Errorf("%s: split %q has no images", set.Root, set.Split)
	}
	return res, nil
}

// lane is one inference stream with runners of its own.
type lane struct{ cand, ref Runner }

// laneModel is one of a lane's runners with the model it runs.
type laneModel struct {
	r Runner
	m *loadedModel
}

// models lists the lane's runners in order, candidate first; the
// reference only when there is one.
func (l lane) models(cand, ref *loadedModel) []laneModel {
	if ref == nil {
		return []laneModel{{l.cand, cand}}
	}
	return []laneModel{{l.cand, cand}, {l.ref, ref}}
}

// run infers one sample with the lane's runners into buffers from free.
func (l lane) run(ctx context.Context, s *dataset.Sample, free chan []float32, cand, ref *loadedModel) (job, error) {
	shape := s.InputShape()
	var out [2][]float32
	for i, lm := range l.models(cand, ref) {
		buf, err := take(ctx, free)
		if err != nil {
			putBack(free, out[:]...)
			return job{}, err
		}
		out[i] = buf[:lm.m.logitsLen()]
		if err := lm.r.RunInto(s.Tensor, shape, out[i]); err != nil {
			putBack(free, out[:]...)
			return job{}, fmt.Errorf("%s on %s: %w", lm.m.Path, s.ImagePath, err)
		}
	}
	return job{sample: s, cand: out[0], ref: out[1]}, nil
}

// putBack returns logits buffers (nil ones skipped) to the pool at their
// full size; a model may have used a shorter prefix.
func putBack(free chan []float32, bufs ...[]float32) {
	for _, b := range bufs {
		if b != nil {
			free <- b[:cap(b)]
		}
	}
}

// warmLanes runs every lane twice on a blank image, all lanes at once,
// before the pass is timed: a new ONNX Runtime session's first two runs
// take 2-4x a steady one while it sizes its memory arena (TensorRT's
// first run loads kernels lazily), and end_to_end_ips, like the runner's
// FPS after its warm-up, is meant to be the steady rate of the pass.
func warmLanes(ctx context.Context, lanes []lane, cand, ref *loadedModel) error {
	blank := make([]float32, int(cand.InputShape[1]*cand.InputShape[2]*cand.InputShape[3]))
	errs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for i, l := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.warm(ctx, blank, cand, ref)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (l lane) warm(ctx context.Context, blank []float32, cand, ref *loadedModel) error {
	for _, lm := range l.models(cand, ref) {
		out := make([]float32, lm.m.logitsLen())
		for range 2 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := lm.r.RunInto(blank, lm.m.InputShape, out); err != nil {
				return fmt.Errorf("%s: warm-up run: %w", lm.m.Path, err)
			}
		}
	}
	return nil
}

// maxLanes is how many images run through inference at once when the
// backend can fork runners.
const maxLanes = 2

// openLanes opens the inference lanes of a pass. An ONNX Runtime session
// using every core spends part of each op waiting for its slowest thread,
// more so with decoding and scoring running beside it; sessions with a
// share of the cores, one image each, keep the cores busy (on 2 cores,
// two 1-thread SGCPNet sessions infer 230 images/s against 197 for one
// 2-thread session). The extra sessions live for the pass only; the
// model's own runner, with every core, stays for the timed loop. TensorRT
// runs one image at a time through the model's own runner.
func openLanes(cand, ref *loadedModel) ([]lane, func(), error) {
	n := min(maxLanes, runtime.NumCPU())
	if cand.fork == nil || (ref != nil && ref.fork == nil) || n < 2 {
		l := lane{cand: cand.Runner}
		if ref != nil {
			l.ref = ref.Runner
		}
		return []lane{l}, func() {}, nil
	}
	threads := runtime.NumCPU() / n
	var opened []Runner
	closeAll := func() {
		for _, r := range opened {
			r.Close()
		}
	}
	lanes := make([]lane, n)
	for i := range lanes {
		r, err := cand.fork(threads)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("%s: %w", cand.Path, err)
		}
		opened = append(opened, r)
		lanes[i].cand = r
		if ref != nil {
			if r, err = ref.fork(threads); err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("%s: %w", ref.Path, err)
			}
			opened = append(opened, r)
			lanes[i].ref = r
		}
	}
	return lanes, closeAll, nil
}

func take(ctx context.Context, free chan []float32) ([]float32, error) {
	select {
	case b := <-free:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// scorer is one metrics worker's state: the candidate's scorer, the
// reference's, and their pixel agreement.
type scorer struct {
	cand, ref     *score.Scorer
	agree, pixels uint64
	nonFinite     map[string]int // candidate's NaN/Inf logits by image
}

func newScorer(withRef bool) *scorer {
	s := &scorer{cand: score.NewScorer()}
	if withRef {
		s.ref = score.NewScorer()
	}
	return s
}

func (s *scorer) score(j job, cand, ref *loadedModel, out *outputs) error {
	if n := score.NonFinite(j.cand); n > 0 {
		if s.nonFinite == nil {
			s.nonFinite = map[string]int{}
		}
		s.nonFinite[j.sample.Entry.Name] += n
	}
	predC, err := s.cand.Add(logitsOf(cand, j.cand), j.sample)
	if err != nil {
		return err
	}
	if ref != nil {
		predR, err := s.ref.Add(logitsOf(ref, j.ref), j.sample)
		if err != nil {
			return err
		}
		for i, gt := range j.sample.Label.Pix {
			if gt == score.Ignore {
				continue
			}
			s.pixels++
			if predC[i] == predR[i] {
				s.agree++
			}
		}
	}
	return out.save(j.sample.Entry, predC, j.sample.Label.Width, j.sample.Label.Height)
}

func logitsOf(m *loadedModel, data []float32) score.Logits {
	return score.Logits{C: int(m.Logits[1]), H: int(m.Logits[2]), W: int(m.Logits[3]), Data: data}
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

// gpuTimer is a runner that times its GPU work with CUDA events (the
// TensorRT engine runner): one entry per run so far.
type gpuTimer interface{ GPUTimesMs() []float64 }

// timeRunner measures the runner alone on one input: warm-up by time, then
// iterations until both minimums are met. gpuMs are the timed runs' GPU
// times when the runner measures them.
func timeRunner(ctx context.Context, m *loadedModel, input []float32, shape []int64, t Timing) (samples []time.Duration, wall time.Duration, gpuMs []float64, err error) {
	buf := make([]float32, m.logitsLen())
	warm := time.Now()
	for time.Since(warm) < t.Warmup {
		if err := ctx.Err(); err != nil {
			return nil, 0, nil, err
		}
		if err := m.Runner.RunInto(input, shape, buf); err != nil {
			return nil, 0, nil, err
		}
	}
	gt, timesGPU := m.Runner.(gpuTimer)
	before := 0
	if timesGPU {
		before = len(gt.GPUTimesMs())
	}
	start := time.Now()
	for len(samples) < max(t.MinIterations, 1) || time.Since(start) < t.MinDuration {
		if err := ctx.Err(); err != nil {
			return nil, 0, nil, err
		}
		t0 := time.Now()
		if err := m.Runner.RunInto(input, shape, buf); err != nil {
			return nil, 0, nil, err
		}
		samples = append(samples, time.Since(t0))
	}
	wall = time.Since(start)
	if timesGPU {
		gpuMs = gt.GPUTimesMs()[before:]
	}
	return samples, wall, gpuMs, nil
}
