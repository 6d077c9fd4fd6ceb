package score

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestConfusionByHand(t *testing.T) {
	// 3 classes. Ground truth / prediction pairs, one per pixel:
	//   class 0: 3 px, 2 right, 1 called 1
	//   class 1: 2 px, both right; one class-0 pixel predicted as 1 (FP)
	//   class 2: no ground truth, never predicted -> NaN, excluded
	//   two ignored pixels, whatever their prediction.
	label := []uint8{0, 0, 0, 1, 1, Ignore, Ignore}
	pred := []uint8{0, 0, 1, 1, 1, 2, 0}
	m := NewConfusionMatrix(3)
	if err := m.Add(label, pred); err != nil {
		t.Fatal(err)
	}
	iou := m.IoU()
	// class 0: TP 2, FN 1, FP 0 -> 2/3; class 1: TP 2, FP 1 -> 2/3.
	if math.Abs(iou[0]-2.0/3) > 1e-12 || math.Abs(iou[1]-2.0/3) > 1e-12 || !math.IsNaN(iou[2]) {
		t.Fatalf("IoU %v", iou)
	}
	if got := m.MeanIoU(); math.Abs(got-2.0/3) > 1e-12 {
		t.Fatalf("mIoU %v, want 2/3 (class 2 excluded)", got)
	}
	if got := m.PixelAccuracy(); math.Abs(got-4.0/5) > 1e-12 {
		t.Fatalf("aAcc %v, want 4/5", got)
	}
	acc := m.ClassAccuracy()
	if math.Abs(acc[0]-2.0/3) > 1e-12 || acc[1] != 1 || !math.IsNaN(acc[2]) {
		t.Fatalf("class accuracy %v", acc)
	}
}

func TestPredictedButAbsentClassCounts(t *testing.T) {
	// A class with no ground truth but with predictions has IoU 0 and
	// pulls the mean down (TP+FP+FN > 0).
	m := NewConfusionMatrix(2)
	m.Add([]uint8{0, 0}, []uint8{0, 1})
	if iou := m.IoU(); iou[1] != 0 || iou[0] != 0.5 {
		t.Fatalf("IoU %v", iou)
	}
	if m.MeanIoU() != 0.25 {
		t.Fatalf("mIoU %v", m.MeanIoU())
	}
}

func TestMergeEqualsOneRun(t *testing.T) {
	label := []uint8{0, 1, 2, 2, 1, 0, Ignore, 2}
	pred := []uint8{0, 2, 2, 1, 1, 0, 0, 2}
	whole := NewConfusionMatrix(3)
	whole.Add(label, pred)
	a, b := NewConfusionMatrix(3), NewConfusionMatrix(3)
	a.Add(label[:3], pred[:3])
	b.Add(label[3:], pred[3:])
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Counts) != fmt.Sprint(whole.Counts) {
		t.Fatalf("merged %v, whole %v", a.Counts, whole.Counts)
	}
	if err := a.Merge(NewConfusionMatrix(4)); err == nil {
		t.Fatal("merged matrices of different sizes")
	}
}

func TestAddRejectsBadInput(t *testing.T) {
	m := NewConfusionMatrix(3)
	if err := m.Add([]uint8{0}, []uint8{0, 1}); err == nil {
		t.Error("length mismatch accepted")
	}
	if err := m.Add([]uint8{7}, []uint8{0}); err == nil {
		t.Error("label 7 of 3 classes accepted")
	}
}

func logitsFormula(c, h, w int) Logits {
	l := Logits{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
	for k := 0; k < c; k++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				l.Data[(k*h+y)*w+x] = float32(math.Sin(float64(k)*1.3+float64(y)*0.7+float64(x)*0.37) + 0.1*float64(k))
			}
		}
	}
	return l
}

// Expected classes from PyTorch 1.13:
// F.interpolate(x, size, mode="bilinear", align_corners=False).argmax(1)
// on the same formula (see logitsFormula).
func TestPredictMatchesTorch(t *testing.T) {
	cases := []struct {
		h, w int
		want []uint8
	}{
		{7, 9, []uint8{1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 4, 4, 1, 0, 0, 0, 0, 4, 4, 4, 4, 0, 0, 0, 0, 4, 4, 4, 4, 4, 0, 0, 0, 4, 4, 4, 4, 4, 4}},
		{12, 16, []uint8{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}},
	}
	l := logitsFormula(5, 3, 4)
	for _, c := range cases {
		got := make([]uint8, c.h*c.w)
		if err := Predict(l, c.h, c.w, got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%dx%d:\n got %v\nwant %v", c.h, c.w, got, c.want)
		}
	}
}

func TestPredictSameSizeIsPlainArgmax(t *testing.T) {
	l := Logits{C: 3, H: 1, W: 3, Data: []float32{
		1, 5, 2, // class 0
		3, 5, 1, // class 1 (ties with class 0 at pixel 1: lower class wins)
		2, 0, 9, // class 2
	}}
	got := make([]uint8, 3)
	if err := Predict(l, 1, 3, got); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[1 0 2]" {
		t.Fatalf("got %v", got)
	}
}

// TestPredictSameSizeAcrossBlocks checks the blocked argmax on planes that
// are not a multiple of its block, against a pixel-at-a-time argmax, with
// values drawn from a few levels so ties are common.
func TestPredictSameSizeAcrossBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, hw := range [][2]int{{1, 1}, {3, 700}, {64, 65}, {128, 257}} {
		h, w, c := hw[0], hw[1], 19
		l := Logits{C: c, H: h, W: w, Data: make([]float32, c*h*w)}
		for i := range l.Data {
			l.Data[i] = float32(rng.IntN(6)) - 2.5
		}
		got := make([]uint8, h*w)
		if err := Predict(l, h, w, got); err != nil {
			t.Fatal(err)
		}
		for p := range got {
			best := 0
			for k := 1; k < c; k++ {
				if l.Data[k*h*w+p] > l.Data[best*h*w+p] {
					best = k
				}
			}
			if int(got[p]) != best {
				t.Fatalf("%dx%d pixel %d: class %d, want %d", h, w, p, got[p], best)
			}
		}
	}
}

func BenchmarkPredict(b *testing.B) {
	for _, size := range []struct{ h, w, oh, ow int }{{256, 512, 256, 512}, {32, 64, 256, 512}, {128, 256, 1024, 2048}} {
		b.Run(fmt.Sprintf("logits=%dx%d/label=%dx%d", size.h, size.w, size.oh, size.ow), func(b *testing.B) {
			l := logitsFormula(19, size.h, size.w)
			dst := make([]uint8, size.oh*size.ow)
			b.SetBytes(int64(size.oh * size.ow))
			for i := 0; i < b.N; i++ {
				Predict(l, size.oh, size.ow, dst)
			}
		})
	}
}
