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
// its images with the first's) and makes the temporary sibling.
func stageDir(field, dir string) (*stagedDir, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("%s: %w", dir, fserr.Reason(err))
	case len(entries) > 0:
		return nil, opterr.Errorf("{"+field+"} %s is not empty; give an empty or new folder", dir)
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, fserr.Reason(err))
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

// commit renames the finished folder into place (over the empty folder
// that may be there).
func (s *stagedDir) commit() error {
	if s == nil {
		return nil
	}
	if err := atomicfile.Aborted(); err != nil {
		return err
	}
	if err := os.Rename(s.tmp, s.final); err != nil {
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

// outputLock holds an exclusive lock on DIR.lock beside an output folder
// for the run: a second run writing the same outputs stops at once. The
// lock (flock) dies with the process, so a killed run leaves no stale lock,
// only a lock file the next run reuses.
type outputLock struct{ f *os.File }

func lockOutput(dir string) (*outputLock, error) {
	if dir == "" {
		return &outputLock{}, nil
	}
	path := filepath.Clean(dir) + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: another segtrt run is writing it (%s is locked)", dir, path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &outputLock{f}, nil
}

func (l *outputLock) release() {
	if l != nil && l.f != nil {
		os.Remove(l.f.Name())
		l.f.Close()
	}
}
