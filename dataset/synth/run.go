package synth

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/segtrt/segtrt/internal/interrupt"
	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/progress"
)

// Options configures Run (`segtrt dataset synth`).
type Options struct {
	Out              string
	Train, Val, Test int // images per split
	Height, Width    int
	Seed             uint64
	Workers          int               // 0 means GOMAXPROCS
	Stdout           io.Writer         // the closing summary
	Progress         progress.Reporter // one step per image
}

// Defaults for `segtrt dataset synth`, and the image sizes it renders.
const (
	DefaultTrain  = 300
	DefaultVal    = 100
	DefaultHeight = 256
	DefaultWidth  = 512
	MinHeight     = 32
	MinWidth      = 32
	MaxHeight     = 4096
	MaxWidth      = 8192
)

func (o Options) validate() error {
	switch {
	case o.Out == "":
		return errors.New("no output folder")
	case o.Train < 0 || o.Val < 0 || o.Test < 0:
		return errors.New("image counts must not be negative")
	case o.Train+o.Val+o.Test == 0:
		return errors.New("nothing to do (no train, val or test images)")
	case o.Height < MinHeight || o.Width < MinWidth || o.Height > MaxHeight || o.Width > MaxWidth:
		return fmt.Errorf("image size %dx%d is outside %dx%d..%dx%d", o.Height, o.Width, MinHeight, MinWidth, MaxHeight, MaxWidth)
	}
	return nil
}

type job struct {
	split        string
	index, count int
}

// Run renders the requested images into Out in the Cityscapes layout. Each
// image depends on (Seed, split, index, split size, size) alone, so the
// same options give byte-identical files whatever the number of workers.
// Files are written atomically; a cancelled ctx stops the workers. A run
// that fails or is cancelled removes Out if it made it, and otherwise
// leaves only complete samples. Out must not hold other files under
// leftImg8bit/ or gtFine/ (a smaller re-run would otherwise leave a mix).
func Run(ctx context.Context, opt Options) (err error) {
	if err := opt.validate(); err != nil {
		return err
	}
	if _, statErr := os.Stat(opt.Out); errors.Is(statErr, os.ErrNotExist) {
		defer func() {
			if err != nil {
				os.RemoveAll(opt.Out)
			}
		}()
	}
	var jobs []job
	want := map[string]bool{}
	for _, sp := range []struct {
		name string
		n    int
	}{{"train", opt.Train}, {"val", opt.Val}, {"test", opt.Test}} {
		for i := 0; i < sp.n; i++ {
			jobs = append(jobs, job{sp.name, i, sp.n})
			for _, f := range sampleFiles(sp.name, i) {
				want[f] = true
			}
		}
	}
	stray, err := strayFiles(opt.Out, want)
	if err != nil {
		return err
	}
	if len(stray) > 0 {
		return opterr.Hintf("%s already holds %d files this run would not write (e.g. %s); remove them or choose another {Out}",
			opt.Out, len(stray), stray[0])
	}

	tmp := filepath.Join(opt.Out, tmpDir)
	if err := os.RemoveAll(tmp); err != nil { // leftovers of a killed run
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	step, done := opt.Progress.Start(len(jobs))
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interrupt.Stage("synth.render")
	next := make(chan job)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := &png.Encoder{CompressionLevel: png.DefaultCompression}
			for j := range next {
				f := Render(Params{Seed: opt.Seed, Split: j.split, Index: j.index, Count: j.count,
					Width: opt.Width, Height: opt.Height})
				if err := writeSample(opt.Out, sampleFiles(j.split, j.index), f, enc, ctx.Err); err != nil {
					errs <- err
					cancel()
					return
				}
				step()
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	done()
	select {
	case err := <-errs:
		return err
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if opt.Stdout != nil {
		fmt.Fprintf(opt.Stdout, "wrote %d train, %d val, %d test images of %dx%d (seed %d) to %s\n",
			opt.Train, opt.Val, opt.Test, opt.Height, opt.Width, opt.Seed, opt.Out)
	}
	return nil
}
