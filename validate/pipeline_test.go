package validate

import (
	"context"
	"runtime"
	"slices"
	"testing"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/testmodels"
)

// TestLanesGiveOneLaneResults runs a pass with two inference lanes and
// with the models' own runners only: images, both confusion matrices and
// the agreement count must be identical, whatever order lanes finish in.
func TestLanesGiveOneLaneResults(t *testing.T) {
	set, err := dataset.Open(miniData, "val")
	if err != nil {
		t.Fatal(err)
	}
	model := testmodels.Path("seg19-64x128.onnx")
	pass := func(lanes bool) *evalResult {
		cand, err := openModel(model, "ort", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cand.Runner.Close()
		ref, err := openModel(model, "ort", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ref.Runner.Close()
		if !lanes {
			cand.fork, ref.fork = nil, nil
		}
		opened, closeLanes, err := openLanes(cand, ref)
		if err != nil {
			t.Fatal(err)
		}
		closeLanes()
		want := 1
		if lanes && runtime.NumCPU() >= 2 {
			want = maxLanes
		}
		if len(opened) != want {
			t.Fatalf("fork=%v: %d lanes, want %d", lanes, len(opened), want)
		}
		pre := dataset.Preprocess{Height: int(cand.InputShape[2]), Width: int(cand.InputShape[3])}
		res, err := evaluate(context.Background(), set, cand, ref, pre, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one, two := pass(false), pass(true)
	if !slices.Equal(one.Images, two.Images) {
		t.Fatalf("images %v vs %v", one.Images, two.Images)
	}
	if !slices.Equal(one.Cand.Counts, two.Cand.Counts) || !slices.Equal(one.Ref.Counts, two.Ref.Counts) {
		t.Fatal("confusion matrices differ between one lane and two")
	}
	if one.Agree != two.Agree || one.Pixels != two.Pixels || one.Agree != one.Pixels {
		t.Fatalf("agreement %d/%d vs %d/%d (same model: all pixels agree)", one.Agree, one.Pixels, two.Agree, two.Pixels)
	}
	if total(one.Cand) == 0 {
		t.Fatal("no pixels scored")
	}
}
