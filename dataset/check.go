package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"text/tabwriter"
)

// SplitReport is what checking one split found.
type SplitReport struct {
	Split    string
	Images   int     // paired images
	Cities   int     // city folders with paired images
	Problems []error // every problem, each a *FileError, sorted by file

	// Every label that decodes is counted, even when its image has a
	// problem.
	Pixels     [NumClasses]int64 // label pixels per trainId
	Ignored    int64             // label pixels with trainId Ignore
	ImagesWith [NumClasses]int   // images whose label holds the class
}

// CheckSplit scans a split and decodes every image and label on workers
// goroutines (0 means GOMAXPROCS), collecting all problems rather than
// stopping at the first. The error is non-nil only when the split cannot be
// checked at all (a missing folder, a cancelled ctx).
func CheckSplit(ctx context.Context, root, split string, workers int) (*SplitReport, error) {
	l, err := ScanLayout(root, split)
	if err != nil {
		return nil, err
	}
	rep := &SplitReport{Split: split, Images: len(l.Entries), Problems: l.Problems}
	cities := map[string]bool{}
	for _, e := range l.Entries {
		cities[e.City] = true
	}
	rep.Cities = len(cities)

	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([]entryCheck, len(l.Entries))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c entryChecker
			for i := range next {
				results[i] = c.check(l, l.Entries[i])
			}
		}()
	}
feed:
	for i := range l.Entries {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range results { // merged in entry order: deterministic
		rep.Problems = append(rep.Problems, r.problems...)
		for t := range NumClasses {
			rep.Pixels[t] += r.counts[t]
			if r.counts[t] > 0 {
				rep.ImagesWith[t]++
			}
		}
		rep.Ignored += r.counts[Ignore]
	}
	sortProblems(rep.Problems)
	return rep, nil
}

// entryCheck is the outcome of checking one image/label pair.
type entryCheck struct {
	problems []error
	counts   [256]int64 // label pixels per trainId
}

// entryChecker holds one worker's reusable buffers.
type entryChecker struct {
	file, label []byte
	png         pngDecoder
}

func (c *entryChecker) check(l *Layout, e Entry) entryCheck {
	var r entryCheck
	imgPath, lblPath := joinRoot(l.Root, e.ImagePath), joinRoot(l.Root, e.LabelPath)
	var bounds *[2]int
	var err error
	if c.file, err = readFileInto(imgPath, c.file); err != nil {
		r.problems = append(r.problems, &FileError{Path: imgPath, Err: err})
	} else if img, err := c.png.decode(c.file); err != nil {
		r.problems = append(r.problems, &FileError{Path: imgPath, Err: err})
	} else {
		bounds = &[2]int{img.w, img.h}
	}
	if c.file, err = readFileInto(lblPath, c.file); err != nil {
		r.problems = append(r.problems, &FileError{Path: lblPath, Err: err})
		return r
	}
	m, err := c.png.decodeLabel(c.file, e.LabelKind, c.label)
	if err != nil {
		r.problems = append(r.problems, &FileError{Path: lblPath, Err: err})
		return r
	}
	c.label = m.Pix
	if bounds != nil {
		if err := sizeCheck(lblPath, m, bounds[0], bounds[1]); err != nil {
			r.problems = append(r.problems, err)
		}
	}
	for _, v := range m.Pix {
		r.counts[v]++
	}
	return r
}

// CheckOptions configures RunCheck.
type CheckOptions struct {
	Root    string
	Split   string // "" checks every split folder found under leftImg8bit
	Workers int    // 0 means GOMAXPROCS
	Stdout  io.Writer
}

// ErrProblemsFound is wrapped by RunCheck's error when the data set has
// problems (they are listed on Stdout).
var ErrProblemsFound = errors.New("data set has problems")

// RunCheck is `segtrt dataset check`: for each split it prints the image
// count, every problem and a per-class pixel histogram, and fails when any
// problem was found.
func RunCheck(ctx context.Context, opt CheckOptions) error {
	splits := []string{opt.Split}
	if opt.Split == "" {
		var err error
		if splits, err = Splits(opt.Root); err != nil {
			return err
		}
		if len(splits) == 0 {
			return fileErr(opt.Root, ImageDir, ErrEmptySplit)
		}
	}
	var all []error
	for i, split := range splits {
		if i > 0 {
			fmt.Fprintln(opt.Stdout)
		}
		rep, err := CheckSplit(ctx, opt.Root, split, opt.Workers)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || ctx.Err() != nil {
				return err
			}
			// A missing split folder is a problem of the data set, listed
			// like the others.
			fmt.Fprintf(opt.Stdout, "split %s: not checked\n  problem: %v\n", split, err)
			all = append(all, err)
			continue
		}
		rep.Write(opt.Stdout)
		all = append(all, rep.Problems...)
	}
	if len(all) > 0 {
		return fmt.Errorf("%w: %d in %s, first: %w", ErrProblemsFound, len(all), opt.Root, all[0])
	}
	return nil
}

// Write prints the report: a summary line, the problems, then the class
// histogram table.
func (r *SplitReport) Write(w io.Writer) {
	fmt.Fprintf(w, "split %s: %d images in %d cities, %d problems\n", r.Split, r.Images, r.Cities, len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  problem: %v\n", p)
	}
	total := r.Ignored
	for _, n := range r.Pixels {
		total += n
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "trainId\tid\tclass\tpixels\tshare %\timages\t")
	for _, c := range Classes {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%s\t%d\t\n", c.TrainID, c.ID, c.Name, r.Pixels[c.TrainID],
			share(r.Pixels[c.TrainID], total), r.ImagesWith[c.TrainID])
	}
	fmt.Fprintf(tw, "%d\t-\t%s\t%d\t%s\t-\t\n", Ignore, "(ignored)", r.Ignored, share(r.Ignored, total))
	tw.Flush()
}

func share(n, total int64) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", 100*float64(n)/float64(total))
}
