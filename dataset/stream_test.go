package dataset

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// manySamples makes a set of n 6x4 images whose label value encodes the
// index (label id 7 + i%27 keeps them valid), across two cities.
func manySamples(t testing.TB, n int) *Set {
	root := t.TempDir()
	for i := 0; i < n; i++ {
		city := []string{"aachen", "bochum"}[i%2]
		addSample(t, root, "train", city, fmt.Sprintf("%s_%06d_000019", city, i), 6, 4, uint8(7+i%27))
	}
	set, err := Open(root, "train")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestSamplesInOrder(t *testing.T) {
	set := manySamples(t, 23)
	for _, opt := range []StreamOptions{{Workers: 1}, {Workers: 4, InFlight: 3}, {Workers: 8, InFlight: 16}} {
		opt.Preprocess = Preprocess{Height: 2, Width: 3}
		i := 0
		for s, err := range set.Samples(context.Background(), opt) {
			if err != nil {
				t.Fatal(err)
			}
			e := set.Entries[i]
			if s.Index != i || s.Name != e.Name || s.ImagePath != e.ImagePath {
				t.Fatalf("%+v: sample %d is %d %s; want %s", opt, i, s.Index, s.Name, e.Name)
			}
			// The label's value identifies the file it came from.
			var idx int
			fmt.Sscanf(e.Name[len(e.City)+1:], "%d", &idx)
			wantID, _ := TrainID(uint8(7 + idx%27))
			if s.Label.Width != 6 || s.Label.Height != 4 || s.Label.Pix[0] != wantID {
				t.Fatalf("sample %s: label %dx%d value %d; want 6x4 value %d", s.Name, s.Label.Width, s.Label.Height, s.Label.Pix[0], wantID)
			}
			if s.Shape != [4]int{1, 3, 2, 3} || len(s.Tensor) != 18 {
				t.Fatalf("shape %v len %d", s.Shape, len(s.Tensor))
			}
			i++
		}
		if i != set.Len() {
			t.Fatalf("%d samples; want %d", i, set.Len())
		}
	}
}

// goroutinesSettle waits for the goroutine count to fall back to base.
func goroutinesSettle(t *testing.T, base int) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if runtime.NumGoroutine() <= base {
			return
		}
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines left; want %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
}

func TestSamplesBreakLeavesNoGoroutines(t *testing.T) {
	set := manySamples(t, 30)
	base := runtime.NumGoroutine()
	n := 0
	for _, err := range set.Samples(context.Background(), StreamOptions{Workers: 4, InFlight: 6}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	// Samples returns only after its goroutines have exited, so no wait:
	// no stack may be in the stream's code. (The count alone can be off
	// by the runtime's cleanup goroutine, which counts while it runs.)
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "dataset.(*Set).Samples") {
		t.Errorf("stream goroutines still running after break:\n%s", stacks)
	}
	goroutinesSettle(t, base)
}

func TestSamplesCancel(t *testing.T) {
	set := manySamples(t, 30)
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, errs := 0, 0
	for _, err := range set.Samples(ctx, StreamOptions{Workers: 3}) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v; want context.Canceled", err)
			}
			errs++
			continue
		}
		if n++; n == 5 {
			cancel()
		}
	}
	if errs != 1 || n != 5 {
		t.Fatalf("%d samples then %d errors; want 5 then 1", n, errs)
	}
	goroutinesSettle(t, base)

	// Already cancelled: only the error.
	for s, err := range set.Samples(ctx, StreamOptions{}) {
		if s != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v %v", s, err)
		}
	}
}

func TestSamplesReuseBuffers(t *testing.T) {
	set := manySamples(t, 10)
	seen := map[*float32]bool{}
	var kept *Sample
	for s, err := range set.Samples(context.Background(), StreamOptions{Workers: 2, InFlight: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[&s.Tensor[0]] = true
		if s.Index == 0 {
			kept = s.Clone()
		}
	}
	if len(seen) > 2 {
		t.Errorf("%d distinct tensor buffers for InFlight 2", len(seen))
	}
	if kept.Index != 0 || kept.Name != set.Entries[0].Name || len(kept.Tensor) != 3*6*4 {
		t.Errorf("clone changed: %+v", kept.Entry)
	}
}

func TestLimitRandomShard(t *testing.T) {
	set := manySamples(t, 20)
	if got := set.Limit(5); got.Len() != 5 || got.Entries[4] != set.Entries[4] {
		t.Errorf("Limit(5) = %d entries", got.Len())
	}
	if set.Limit(0).Len() != 20 || set.Limit(99).Len() != 20 {
		t.Error("Limit(0) and Limit(99) should keep all")
	}
	a, b, c := set.Random(7, 42), set.Random(7, 42), set.Random(7, 43)
	if a.Len() != 7 {
		t.Fatalf("Random(7) = %d entries", a.Len())
	}
	same := true
	for i := range a.Entries {
		if a.Entries[i] != b.Entries[i] {
			t.Fatal("same seed, different subsets")
		}
		if a.Entries[i] != c.Entries[i] {
			same = false
		}
		if i > 0 && a.Entries[i-1].ImagePath >= a.Entries[i].ImagePath {
			t.Fatal("subset not in sorted order, or repeats an image")
		}
	}
	if same {
		t.Error("seeds 42 and 43 chose the same subset")
	}
	var total int
	for i := 0; i < 3; i++ {
		sh, err := set.Shard(i, 3)
		if err != nil {
			t.Fatal(err)
		}
		for k, e := range sh.Entries {
			if e != set.Entries[i+3*k] {
				t.Fatalf("shard %d/3 entry %d is %s", i, k, e.Name)
			}
		}
		total += sh.Len()
	}
	if total != 20 {
		t.Errorf("shards hold %d images; want 20", total)
	}
	if _, err := set.Shard(3, 3); err == nil {
		t.Error("shard 3/3 should be refused")
	}
}

func TestRandomSubsetIsStable(t *testing.T) {
	// The subset for a seed must not change between releases: calibration
	// reports list the images used. Indices computed once and pinned here.
	set := manySamples(t, 20)
	sub := set.Random(5, 0)
	var got []string
	for _, e := range sub.Entries {
		got = append(got, e.Name)
	}
	if fmt.Sprint(got) != fmt.Sprint(pinnedRandom) {
		t.Errorf("Random(5, 0) = %v; pinned %v", got, pinnedRandom)
	}
}

var pinnedRandom = []string{"bochum_000005_000019", "bochum_000007_000019", "bochum_000011_000019",
	"bochum_000013_000019", "bochum_000017_000019"}

// TestSamplesRetain holds samples past their loop step and releases them
// out of order from other goroutines: each keeps its own image until
// released, and the stream still yields every sample in order.
func TestSamplesRetain(t *testing.T) {
	set := manySamples(t, 31)
	type held struct {
		s     *Sample
		label uint8
	}
	check := make(chan held, 3)
	done := make(chan error)
	go func() {
		// Release in pairs, newest first, after checking nothing changed.
		var pending []held
		flush := func() error {
			for i := len(pending) - 1; i >= 0; i-- {
				h := pending[i]
				e := set.Entries[h.s.Index]
				if h.s.Name != e.Name || h.s.Label.Pix[0] != h.label {
					return fmt.Errorf("retained sample %d changed: %s label %d, want %s label %d",
						h.s.Index, h.s.Name, h.s.Label.Pix[0], e.Name, h.label)
				}
				h.s.Release()
			}
			pending = pending[:0]
			return nil
		}
		for h := range check {
			if pending = append(pending, h); len(pending) == 2 {
				if err := flush(); err != nil {
					done <- err
					for h := range check {
						h.s.Release()
					}
					return
				}
			}
		}
		done <- flush()
	}()
	n := 0
	for s, err := range set.Samples(context.Background(), StreamOptions{Workers: 2, InFlight: 4, Retain: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Index != n {
			t.Fatalf("sample %d yielded as %d", n, s.Index)
		}
		n++
		check <- held{s, s.Label.Pix[0]}
	}
	close(check)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != set.Len() {
		t.Fatalf("%d samples of %d", n, set.Len())
	}
}

func TestWithoutIsTheComplement(t *testing.T) {
	set := manySamples(t, 20)
	sub := set.Random(5, 0)
	rest := set.Without(sub)
	if rest.Len() != 15 {
		t.Fatalf("%d left, want 15", rest.Len())
	}
	seen := map[string]int{}
	for _, e := range append(sub.Entries, rest.Entries...) {
		seen[e.ImagePath]++
	}
	if len(seen) != 20 {
		t.Fatalf("%d distinct images in the two parts, want 20", len(seen))
	}
	for i := 1; i < rest.Len(); i++ {
		if rest.Entries[i-1].ImagePath >= rest.Entries[i].ImagePath {
			t.Fatalf("not in set order at %d", i)
		}
	}
}
