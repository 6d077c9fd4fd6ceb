package dataset

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"sync"
)

// Sample is one decoded and preprocessed image with its label.
type Sample struct {
	Index  int       // position in the Set
	Entry            // names and relative paths
	Tensor []float32 // 1x3xHxW NCHW input, per the Preprocess
	Shape  [4]int    // {1, 3, H, W}
	Label  LabelMap  // trainIds at ground-truth size

	release func() // hands the buffers back to the stream (Retain only)
}

// InputShape is the shape of Tensor as a network input: 1 x 3 x H x W.
func (s *Sample) InputShape() []int64 {
	return []int64{int64(s.Shape[0]), int64(s.Shape[1]), int64(s.Shape[2]), int64(s.Shape[3])}
}

// Release hands a retained sample's buffers back to the stream that
// yielded it (StreamOptions.Retain); the sample must not be used after.
// It does nothing for samples the stream reuses on its own, or for clones.
func (s *Sample) Release() {
	if r := s.release; r != nil {
		s.release = nil
		r()
	}
}

// Clone returns a copy that owns its buffers, for keeping a sample past
// the loop step that produced it.
func (s *Sample) Clone() *Sample {
	c := *s
	c.release = nil
	c.Tensor = append([]float32(nil), s.Tensor...)
	c.Label.Pix = append([]uint8(nil), s.Label.Pix...)
	return &c
}

// StreamOptions configures Set.Samples.
type StreamOptions struct {
	Preprocess Preprocess
	Workers    int // decoding goroutines; 0 means GOMAXPROCS
	InFlight   int // samples decoded ahead of the consumer, bounding memory; 0 means 2*Workers
	// Retain keeps each yielded sample's buffers until its Release is
	// called, instead of reusing them once the loop body returns, so the
	// consumer can hand samples to other goroutines. Retained samples
	// count against InFlight: the stream waits while all are held.
	Retain bool
}

// Samples decodes and preprocesses the set's images on Workers goroutines,
// at most InFlight ahead of the consumer, and yields them in set order:
//
//	for s, err := range set.Samples(ctx, opts) {
//		if err != nil {
//			return err
//		}
//		use(s.Tensor, s.Label)
//	}
//
// A yielded Sample and its buffers are reused once the loop body returns;
// Clone one to keep it. An error (a *FileError for bad files, or the
// context's error) is yielded once and ends the sequence. Breaking out of
// the loop or cancelling ctx stops the workers, and the sequence returns
// only after all of them have exited.
func (s *Set) Samples(ctx context.Context, opt StreamOptions) iter.Seq2[*Sample, error] {
	return func(yield func(*Sample, error) bool) {
		if err := opt.Preprocess.Validate(); err != nil {
			yield(nil, err)
			return
		}
		workers := opt.Workers
		if workers <= 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		inFlight := opt.InFlight
		if inFlight <= 0 {
			inFlight = 2 * workers
		}
		if n := len(s.Entries); n == 0 {
			return
		} else if inFlight > n {
			inFlight = n
		}
		if workers > inFlight {
			workers = inFlight
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait() // after cancel (defers run last-in first-out)
		defer cancel()

		free := make(chan *slot, inFlight)
		for range inFlight {
			free <- &slot{done: make(chan error, 1)}
		}
		jobs := make(chan *slot)
		order := make(chan *slot, inFlight)

		wg.Add(1)
		go func() { // dispatcher: hands out indices in order, one free slot each
			defer wg.Done()
			defer close(jobs)
			defer close(order)
			for i := range s.Entries {
				var sl *slot
				select {
				case sl = <-free:
				case <-ctx.Done():
					return
				}
				sl.sample.Index = i
				sl.sample.Entry = s.Entries[i]
				order <- sl // never blocks: at most inFlight slots exist
				select {
				case jobs <- sl:
				case <-ctx.Done():
					return
				}
			}
		}()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var w decodeWorker
				for sl := range jobs {
					if err := ctx.Err(); err != nil {
						sl.done <- err
						continue
					}
					sl.done <- w.decode(s, opt.Preprocess, &sl.sample)
				}
			}()
		}

		for sl := range order {
			// A cancelled consumer gets no more samples, even ready ones.
			err := ctx.Err()
			if err == nil {
				select {
				case err = <-sl.done:
				case <-ctx.Done():
					err = ctx.Err()
				}
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if opt.Retain {
				sl.sample.release = func() { free <- sl } // never blocks, as below
			}
			if !yield(&sl.sample, nil) {
				return
			}
			if !opt.Retain {
				free <- sl // never blocks: this slot came out of free
			}
		}
		if err := ctx.Err(); err != nil { // dispatcher stopped early
			yield(nil, err)
		}
	}
}

// slot is one in-flight sample whose buffers are reused for later images.
type slot struct {
	sample Sample
	done   chan error // one result per job
}

// decodeWorker holds one goroutine's reusable file and pixel buffers.
type decodeWorker struct {
	file []byte
	png  pngDecoder
}

func (w *decodeWorker) decode(s *Set, p Preprocess, out *Sample) error {
	imgPath, lblPath := s.Path(out.ImagePath), s.Path(out.LabelPath)
	var err error
	w.file, err = readFileInto(imgPath, w.file)
	if err != nil {
		return &FileError{Path: imgPath, Err: err}
	}
	img, err := w.png.decode(w.file)
	if err != nil {
		return &FileError{Path: imgPath, Err: err}
	}
	out.Tensor = p.apply(out.Tensor, img)
	oh, ow := p.OutputSize(img.h, img.w)
	out.Shape = [4]int{1, 3, oh, ow}

	w.file, err = readFileInto(lblPath, w.file)
	if err != nil {
		return &FileError{Path: lblPath, Err: err}
	}
	out.Label, err = w.png.decodeLabel(w.file, out.LabelKind, out.Label.Pix)
	if err != nil {
		return &FileError{Path: lblPath, Err: err}
	}
	return sizeCheck(lblPath, out.Label, img.w, img.h)
}

// sizeCheck says, as a *FileError on the label, when a label's size is not
// its image's (w x h).
func sizeCheck(lblPath string, l LabelMap, w, h int) error {
	if l.Width != w || l.Height != h {
		return &FileError{Path: lblPath, Err: fmt.Errorf("%w (label %dx%d, image %dx%d, as WxH)",
			ErrSizeMismatch, l.Width, l.Height, w, h)}
	}
	return nil
}
