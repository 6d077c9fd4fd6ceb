package calib

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/qdq"
	"github.com/segtrt/segtrt/ort"
)

// AutoTieMargin is how close, in mIoU points, a method must score to the
// best to count as tied with it; ties go to the first of Methods. Scores
// on a few held-out images differ by noise far more than 0.05, but a
// fixed order keeps the choice, and the outputs, the same on every run.
const AutoTieMargin = 0.05

// FallbackMethod is what auto uses when the split leaves no images to hold
// out: of the single methods, the one with the smallest worst drop on both
// fixtures over the synthetic splits measured (0.03 mIoU; README).
const FallbackMethod = MSE

// AutoReport is calib.json's record of --method auto.
type AutoReport struct {
	Split     string        `json:"split"`
	Images    []string      `json:"images"` // the held-out images scored
	TieMargin float64       `json:"tie_margin"`
	Scores    []MethodScore `json:"scores"`
	Chosen    string        `json:"chosen"`
	// Fallback says why no method was scored, when none was.
	Fallback string `json:"fallback,omitempty"`
}

// MethodScore is one method's Q/DQ model's mIoU against the labels of the
// held-out images.
type MethodScore struct {
	Method string  `json:"method"`
	MIoU   float64 `json:"miou"`
}

// heldOutImages is how many images auto holds out of the calibration
// split by default for n calibration images: a twelfth, at least 8 and at
// most 50. Scoring four Q/DQ models on one image costs about as much as
// collecting histograms on three, so this keeps auto within half again
// the time of a single method.
func heldOutImages(n int) int { return min(50, max(8, n/12)) }

// splitForAuto draws the calibration images and, disjoint from them, the
// held-out images auto scores on, both by seed. When the split has too
// few images for both, the held-out images come out of the calibration
// ones: a default count keeps at least four of every five images for
// calibration, a count the user gave keeps at least one.
func splitForAuto(set *dataset.Set, images, heldOut int, given bool, seed uint64) (calibration, scoring *dataset.Set) {
	if images <= 0 || images > set.Len() {
		images = set.Len()
	}
	if free := set.Len() - images; free < heldOut {
		if given {
			heldOut = min(heldOut, set.Len()-1)
		} else {
			heldOut = min(heldOut, set.Len()/5)
		}
		images = min(images, set.Len()-heldOut)
	}
	calibration = set.Random(images, seed)
	if heldOut == 0 {
		return calibration, set.Without(set)
	}
	return calibration, set.Without(calibration).Random(heldOut, seed)
}

// chooseMethod scores every method's Q/DQ model on the held-out samples
// and returns the best (ties by AutoTieMargin, in the order of Methods).
// Methods whose ranges agree on every quantized tensor give the same model
// and are scored once.
func chooseMethod(ctx context.Context, m *onnxio.Model, g *graph.Graph, plan *qdq.Plan, names []string, hists map[string]*Histogram,
	all map[string]MethodAmax, samples []*dataset.Sample) (Method, []MethodScore, error) {
	type candidate struct {
		model *onnxio.Model
		miou  float64
	}
	byKey := map[string]*candidate{}
	keys := make([]string, len(Methods))
	var unique []*candidate
	for k, meth := range Methods {
		amax, _ := rangesFor(meth, names, hists, all)
		var key strings.Builder
		for _, a := range plan.Activations {
			fmt.Fprintf(&key, "%x,", math.Float64bits(amax[a.Tensor]))
		}
		keys[k] = key.String()
		if byKey[keys[k]] != nil {
			continue
		}
		q, err := quantizedModel(m, g, plan, amax, nil)
		if err != nil {
			return "", nil, err
		}
		c := &candidate{model: q}
		byKey[keys[k]] = c
		unique = append(unique, c)
	}
	// Score on lanes of their own sessions: on two cores two one-thread
	// sessions do more than one two-thread session. The sessions run the
	// Q/DQ graph as written, without ONNX Runtime's graph optimisation:
	// building a session halves (its int8 rewrites take longer than
	// scoring a few images) and the arithmetic is the graph's own, which
	// is what TensorRT reproduces.
	lanes := min(2, runtime.NumCPU(), len(unique))
	opts := ort.Options{Threads: max(1, runtime.NumCPU()/lanes), NoOptimize: true}
	next := make(chan *candidate, len(unique))
	for _, c := range unique {
		next <- c
	}
	close(next)
	errs := make([]error, lanes)
	var wg sync.WaitGroup
	for l := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				if errs[l] != nil || ctx.Err() != nil {
					continue
				}
				c.miou, errs[l] = miou(c.model, samples, opts)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return "", nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	scores := make([]MethodScore, len(Methods))
	best := math.Inf(-1)
	for k, meth := range Methods {
		scores[k] = MethodScore{Method: string(meth), MIoU: byKey[keys[k]].miou}
		best = math.Max(best, scores[k].MIoU)
	}
	for _, s := range scores {
		if s.MIoU >= best-AutoTieMargin {
			return Method(s.Method), scores, nil
		}
	}
	panic("calib: no method within the tie margin of the best")
}
