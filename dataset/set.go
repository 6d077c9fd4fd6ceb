package dataset

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/segtrt/segtrt/dataset/internal/rng"
	"github.com/segtrt/segtrt/internal/opterr"
)

// Set is one split of a Cityscapes-layout data set: image/label pairs in
// sorted order of image path. Limit, Random and Shard return new Sets and
// leave the receiver as it was.
type Set struct {
	Root, Split string
	Entries     []Entry
}

// Open scans a split and refuses it if the layout has any problem: the
// error names the first problem's file and how many more there are (run
// `segtrt dataset check` for the full list).
func Open(root, split string) (*Set, error) {
	l, err := ScanLayout(root, split)
	if err != nil {
		return nil, err
	}
	if len(l.Problems) > 0 {
		err := l.Problems[0]
		if n := len(l.Problems) - 1; n > 0 {
			err = fmt.Errorf("%w (and %d more problems; see 'segtrt dataset check %s --split %s')", err, n, root, split)
		}
		return nil, err
	}
	return &Set{Root: root, Split: split, Entries: l.Entries}, nil
}

// Len is the number of images.
func (s *Set) Len() int { return len(s.Entries) }

// Path joins a relative entry path (ImagePath, LabelPath) to the root.
func (s *Set) Path(rel string) string { return joinRoot(s.Root, rel) }

func joinRoot(root, rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }

// Limit keeps the first n images (all of them when n <= 0 or n >= Len).
func (s *Set) Limit(n int) *Set {
	if n <= 0 || n >= len(s.Entries) {
		return s.with(s.Entries)
	}
	return s.with(s.Entries[:n])
}

// Random keeps n images drawn without replacement, chosen by seed alone
// (the same seed and set give the same images on every machine and Go
// release), in sorted order. n <= 0 or n >= Len keeps all.
func (s *Set) Random(n int, seed uint64) *Set {
	if n <= 0 || n >= len(s.Entries) {
		return s.with(s.Entries)
	}
	r := rng.New(seed, rng.Hash("dataset.Random"))
	var picked []Entry
	for _, i := range r.Choose(len(s.Entries), n) {
		picked = append(picked, s.Entries[i])
	}
	return s.with(picked)
}

// Without keeps the images that other does not hold (by image path), in
// this set's order.
func (s *Set) Without(other *Set) *Set {
	drop := map[string]bool{}
	for _, e := range other.Entries {
		drop[e.ImagePath] = true
	}
	var kept []Entry
	for _, e := range s.Entries {
		if !drop[e.ImagePath] {
			kept = append(kept, e)
		}
	}
	return s.with(kept)
}

// Shard keeps images k (in this set's order) with k mod n == i, 0 <= i < n.
func (s *Set) Shard(i, n int) (*Set, error) {
	if n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("bad shard %d/%d: want 0 <= I < N", i, n)
	}
	var kept []Entry
	for k := i; k < len(s.Entries); k += n {
		kept = append(kept, s.Entries[k])
	}
	return s.with(kept), nil
}

func (s *Set) with(entries []Entry) *Set {
	return &Set{Root: s.Root, Split: s.Split, Entries: append([]Entry(nil), entries...)}
}

// ImageSize is the height and width every image of the set has, read from
// the PNG headers alone; images of two sizes are an error naming one file
// of each (a model with a dynamic input takes the set's size as is).
func (s *Set) ImageSize() (h, w int, err error) {
	var first string
	for _, e := range s.Entries {
		path := s.Path(e.ImagePath)
		hdr, err := readHeaderFile(path)
		if err != nil {
			return 0, 0, &FileError{Path: path, Err: err}
		}
		switch {
		case first == "":
			first, h, w = path, hdr.Height, hdr.Width
		case hdr.Height != h || hdr.Width != w:
			return 0, 0, opterr.Hintf("images of two sizes in split %s: %s is %dx%d (HxW), %s is %dx%d; give {InputShapes} to resize them all to one",
				s.Split, first, h, w, path, hdr.Height, hdr.Width)
		}
	}
	if first == "" {
		return 0, 0, fmt.Errorf("%s: split %q has no images", s.Root, s.Split)
	}
	return h, w, nil
}

// readHeaderFile reads a PNG file's header (33 bytes).
func readHeaderFile(path string) (pngHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return pngHeader{}, err
	}
	defer f.Close()
	b := make([]byte, 33)
	if _, err := io.ReadFull(f, b); err != nil {
		return pngHeader{}, fmt.Errorf("%w (shorter than a PNG header)", ErrCorruptPNG)
	}
	return readPNGHeader(b)
}
