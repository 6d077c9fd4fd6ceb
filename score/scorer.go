package score

import (
	"fmt"

	"github.com/segtrt/segtrt/dataset"
)

// CheckLogits says whether a network output shape is 1 x 19 x H x W
// Cityscapes logits.
func CheckLogits(shape []int64) error {
	if len(shape) != 4 || shape[0] != 1 || shape[1] != dataset.NumClasses || shape[2] <= 0 || shape[3] <= 0 {
		return fmt.Errorf("shape %v, want 1x%dxHxW logits (Cityscapes has %d classes)", shape, dataset.NumClasses, dataset.NumClasses)
	}
	return nil
}

// Scorer counts one model's predictions against the labels of the images
// it is given. A worker keeps one: its prediction buffer is reused from
// image to image, and scorers merge (CM.Merge) into one result.
type Scorer struct {
	CM   *ConfusionMatrix
	pred []uint8
}

// NewScorer returns an empty scorer over Cityscapes' classes.
func NewScorer() *Scorer { return &Scorer{CM: NewConfusionMatrix(dataset.NumClasses)} }

// Add predicts the label-size classes of s's logits l and counts them. The
// prediction it returns is valid until the next Add.
func (sc *Scorer) Add(l Logits, s *dataset.Sample) ([]uint8, error) {
	h, w := s.Label.Height, s.Label.Width
	if cap(sc.pred) < h*w {
		sc.pred = make([]uint8, h*w)
	}
	sc.pred = sc.pred[:h*w]
	if err := Predict(l, h, w, sc.pred); err != nil {
		return nil, fmt.Errorf("%s: %w", s.ImagePath, err)
	}
	if err := sc.CM.Add(s.Label.Pix, sc.pred); err != nil {
		return nil, fmt.Errorf("%s: %w", s.LabelPath, err)
	}
	return sc.pred, nil
}
