package logring

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestOrderAndSeverity(t *testing.T) {
	r := New(4, 64)
	defer r.Free()
	r.Push(1, "first")
	r.Push(2, "second")
	if r.Len() != 2 {
		t.Fatalf("len %d", r.Len())
	}
	msgs, dropped := r.Drain()
	if dropped != 0 || len(msgs) != 2 || msgs[0] != (Message{Severity: 1, Text: "first"}) || msgs[1] != (Message{Severity: 2, Text: "second"}) {
		t.Fatalf("got %v dropped %d", msgs, dropped)
	}
	if msgs, _ := r.Drain(); len(msgs) != 0 {
		t.Fatalf("second drain: %v", msgs)
	}
}

func TestOverflowKeepsNewestAndCountsDropped(t *testing.T) {
	r := New(3, 64)
	defer r.Free()
	for i := 0; i < 7; i++ {
		r.Push(2, fmt.Sprint("m", i))
	}
	msgs, dropped := r.Drain()
	if dropped != 4 || len(msgs) != 3 || msgs[0].Text != "m4" || msgs[2].Text != "m6" {
		t.Fatalf("got %v dropped %d", msgs, dropped)
	}
	// The count is reported once.
	r.Push(2, "again")
	if msgs, dropped := r.Drain(); dropped != 0 || len(msgs) != 1 {
		t.Fatalf("after: %v dropped %d", msgs, dropped)
	}
}

func TestLongMessagesAreCut(t *testing.T) {
	r := New(2, 16)
	defer r.Free()
	r.Push(3, strings.Repeat("x", 100))
	r.Push(3, "") // empty is fine
	msgs, _ := r.Drain()
	if len(msgs) != 2 || msgs[0].Text != strings.Repeat("x", 12)+"..." || len(msgs[0].Text) != 15 || msgs[1].Text != "" {
		t.Fatalf("got %+v", msgs)
	}
}

func TestBadSizes(t *testing.T) {
	if New(0, 64) != nil || New(4, 0) != nil || New(4, 3) != nil {
		t.Fatal("want nil for sizes out of range")
	}
	if FromPointer(nil, 64) != nil {
		t.Fatal("FromPointer(nil) should be nil")
	}
}

func TestFreeTwiceAndDrainAfterFree(t *testing.T) {
	r := New(2, 32)
	r.Free()
	r.Free()
	if msgs, d := r.Drain(); msgs != nil || d != 0 {
		t.Fatal("drain after free")
	}
}

// Writers on many goroutines (so many OS threads, as TensorRT's logger
// sees) and a concurrent reader lose nothing that fits and never tear a
// message.
func TestConcurrentPushAndDrain(t *testing.T) {
	const writers, each = 8, 500
	r := New(writers*each, 64)
	defer r.Free()
	var wg sync.WaitGroup
	got := map[string]int{}
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msgs, dropped := r.Drain()
			if dropped != 0 {
				t.Errorf("dropped %d", dropped)
			}
			mu.Lock()
			for _, m := range msgs {
				got[m.Text]++
			}
			n := len(got)
			mu.Unlock()
			if n == writers*each {
				return
			}
		}
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r.Push(w%5, fmt.Sprintf("writer %d message %d", w, i))
			}
		}(w)
	}
	wg.Wait()
	<-done
	for k, n := range got {
		if n != 1 || !strings.HasPrefix(k, "writer ") {
			t.Fatalf("message %q seen %d times", k, n)
		}
	}
}

func TestTakeGivesEachCallItsOwnMessages(t *testing.T) {
	r := New(16, 64)
	defer r.Free()
	// Calls 7 and 9 run at once; a TensorRT worker thread logs untagged.
	r.PushTagged(2, 7, "seven a")
	r.PushTagged(1, 9, "nine a")
	r.Push(2, "worker")
	r.PushTagged(2, 7, "seven b")
	var seen []string
	sink := func(m Message) { seen = append(seen, m.Text) }

	mine, _ := r.Take(7, sink)
	if len(mine) != 2 || mine[0].Text != "seven a" || mine[1].Text != "seven b" {
		t.Fatalf("call 7 got %v", mine)
	}
	// Call 9 logs once more before returning; it gets what call 7's Take
	// drained for it, then its new message.
	r.PushTagged(1, 9, "nine b")
	mine, _ = r.Take(9, sink)
	if len(mine) != 2 || mine[0].Text != "nine a" || mine[1].Text != "nine b" {
		t.Fatalf("call 9 got %v", mine)
	}
	// The sink saw every message once, in order.
	if strings.Join(seen, ",") != "seven a,nine a,worker,seven b,nine b" {
		t.Fatalf("sink saw %v", seen)
	}
	if mine, _ := r.Take(9, sink); len(mine) != 0 {
		t.Fatalf("a second take: %v", mine)
	}
}
