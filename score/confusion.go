package score

import (
	"fmt"
	"math"
	"math/bits"
)

// Ignore is the trainId of pixels that are not scored.
const Ignore = 255

// ConfusionMatrix counts pixels by (ground truth, prediction) over
// NumClasses classes; rows are ground truth.
type ConfusionMatrix struct {
	NumClasses int
	Counts     []uint64 // row-major NumClasses x NumClasses
}

// NewConfusionMatrix returns an empty matrix for n classes.
func NewConfusionMatrix(n int) *ConfusionMatrix {
	return &ConfusionMatrix{NumClasses: n, Counts: make([]uint64, n*n)}
}

// Add scores one image: label and pred are trainIds of equal length;
// label pixels equal to Ignore are skipped. A prediction outside the class
// range is an error (it would be a bug upstream, not data).
func (m *ConfusionMatrix) Add(label, pred []uint8) error {
	if len(label) != len(pred) {
		return fmt.Errorf("label has %d pixels, prediction %d", len(label), len(pred))
	}
	n := m.NumClasses
	for i, gt := range label {
		if gt == Ignore {
			continue
		}
		p := int(pred[i])
		if int(gt) >= n || p >= n {
			return fmt.Errorf("pixel %d: class %d/%d outside 0..%d", i, gt, p, n-1)
		}
		m.Counts[int(gt)*n+p]++
	}
	return nil
}

// Merge adds other's counts (shards of one split).
func (m *ConfusionMatrix) Merge(other *ConfusionMatrix) error {
	if other.NumClasses != m.NumClasses {
		return fmt.Errorf("cannot merge a %d-class matrix into a %d-class one", other.NumClasses, m.NumClasses)
	}
	for i, c := range other.Counts {
		sum, carry := bits.Add64(m.Counts[i], c, 0)
		if carry != 0 {
			return fmt.Errorf("confusion count (%d, %d) overflows: %d + %d pixels", i/m.NumClasses, i%m.NumClasses, m.Counts[i], c)
		}
		m.Counts[i] = sum
	}
	return nil
}

// At returns the count of ground truth gt predicted as p.
func (m *ConfusionMatrix) At(gt, p int) uint64 { return m.Counts[gt*m.NumClasses+p] }

// Rows returns the matrix as rows (for JSON).
func (m *ConfusionMatrix) Rows() [][]uint64 {
	rows := make([][]uint64, m.NumClasses)
	for i := range rows {
		rows[i] = m.Counts[i*m.NumClasses : (i+1)*m.NumClasses]
	}
	return rows
}

// IoU returns per-class intersection over union in 0..1, NaN for classes
// with no ground truth and no prediction (TP+FP+FN = 0).
func (m *ConfusionMatrix) IoU() []float64 {
	n := m.NumClasses
	out := make([]float64, n)
	for c := 0; c < n; c++ {
		tp := m.At(c, c)
		var fn, fp uint64
		for k := 0; k < n; k++ {
			if k != c {
				fn += m.At(c, k)
				fp += m.At(k, c)
			}
		}
		if tp+fp+fn == 0 {
			out[c] = math.NaN()
			continue
		}
		out[c] = float64(tp) / float64(tp+fp+fn)
	}
	return out
}

// MeanIoU averages IoU over classes that are not NaN (Cityscapes' rule);
// NaN when no class is present at all.
func (m *ConfusionMatrix) MeanIoU() float64 {
	return nanMean(m.IoU())
}

// ClassAccuracy returns per-class recall TP/(TP+FN), NaN without ground truth.
func (m *ConfusionMatrix) ClassAccuracy() []float64 {
	n := m.NumClasses
	out := make([]float64, n)
	for c := 0; c < n; c++ {
		var row uint64
		for k := 0; k < n; k++ {
			row += m.At(c, k)
		}
		if row == 0 {
			out[c] = math.NaN()
			continue
		}
		out[c] = float64(m.At(c, c)) / float64(row)
	}
	return out
}

// PixelAccuracy is the share of scored pixels predicted right (aAcc).
func (m *ConfusionMatrix) PixelAccuracy() float64 {
	var tp, all uint64
	for i, c := range m.Counts {
		all += c
		if i/m.NumClasses == i%m.NumClasses {
			tp += c
		}
	}
	if all == 0 {
		return math.NaN()
	}
	return float64(tp) / float64(all)
}

func nanMean(v []float64) float64 {
	sum, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			sum += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}
