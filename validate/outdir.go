package validate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/fserr"
	"github.com/segtrt/segtrt/internal/opterr"
)

// stagedDir is a predictions or overlays folder written as a whole: the
// images go into a temporary sibling, renamed into place when the run
// succeeds and removed otherwise, so a failed or interrupted run leaves no
// half-written folder and a rerun finds the folder as it was.
type stagedDir struct {
	final, tmp string
}

// stageDir refuses a folder that holds anything (a second run must not mix
// its images with the first's) and makes the temporary sibling. The folder
// itself exists, held by holdDir (which made it if need be), and is
// replaced at commit.
func stageDir(field, dir string) (*stagedDir, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", dir, fserr.Reason(err))
	case len(entries) > 0:
		return nil, opterr.Errorf("{"+field+"} %s is not empty; give an empty or new folder", dir)
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("%s: cannot write: %w", dir, fserr.Reason(err))
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return &stagedDir{final: dir, tmp: tmp}, nil
}

// path is where the images go meanwhile ("" for no folder).
func (s *stagedDir) path() string {
	if s == nil {
		return ""
	}
	return s.tmp
}

// commit renames the finished folder into place, over the empty folder
// held there (rename replaces an empty directory).
func (s *stagedDir) commit() error {
	if s == nil {
		return nil
	}
	if err := atomicfile.Aborted(); err != nil {
		return err
	}
	// rename(2) itself: os.Rename refuses an existing directory as the
	// target, even an empty one, which this one is (held since the start).
	if err := syscall.Rename(s.tmp, s.final); err != nil {
		return fmt.Errorf("%s: %w", s.final, fserr.Reason(err))
	}
	return nil
}

// discard removes what was written, unless committed.
func (s *stagedDir) discard() {
	if s != nil {
		os.RemoveAll(s.tmp)
	}
}

// heldDir is an output folder held for the run with an flock on the folder
// itself: a second run on the same outputs stops at once, no lock file is
// ever left behind, and the lock dies with the process. A folder the run
// made is removed again if the run fails.
type heldDir struct {
	path    string
	f       *os.File
	created bool
}

func holdDir(field, dir string) (*heldDir, error) {
	_, err := os.Stat(dir)
	created := errors.Is(err, os.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, fserr.Reason(err))
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, fserr.Reason(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, opterr.Hintf("{"+field+"} %s: another segtrt run is writing it", dir)
		}
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &heldDir{path: dir, f: f, created: created}, nil
}

// release lets the folder go; a folder this run made goes too unless the
// run succeeded (os.Remove takes only an empty one).
func (h *heldDir) release(succeeded bool) {
	if h == nil {
		return
	}
	if !succeeded && h.created {
		os.Remove(h.path)
	}
	h.f.Close()
}
