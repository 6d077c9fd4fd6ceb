package rng

import "testing"

func TestStreamIsPinned(t *testing.T) {
	// Synthetic data sets and calibration subsets depend on this exact
	// sequence; values recorded when the generator was written.
	r := New(1, 2)
	got := []uint64{r.Uint64(), r.Uint64()}
	want := pinned
	if got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("New(1, 2) starts %#x %#x; pinned %#x %#x", got[0], got[1], want[0], want[1])
	}
}

func TestIntNAndChoose(t *testing.T) {
	r := New(7)
	var hist [10]int
	for i := 0; i < 100000; i++ {
		hist[r.IntN(10)]++
	}
	for v, n := range hist {
		if n < 9500 || n > 10500 { // 5 standard deviations is about 475
			t.Errorf("value %d drawn %d times in 100000", v, n)
		}
	}
	c := r.Choose(50, 10)
	for i := 1; i < len(c); i++ {
		if c[i] <= c[i-1] {
			t.Fatalf("Choose not increasing and distinct: %v", c)
		}
	}
	if len(r.Choose(3, 10)) != 3 {
		t.Error("Choose(3, 10) should give all 3")
	}
	f := r.Float()
	if f < 0 || f >= 1 {
		t.Errorf("Float() = %v", f)
	}
}

var pinned = [2]uint64{0x7899604778888654, 0x29dd1cb7b80dae63}
