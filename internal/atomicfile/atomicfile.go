// Package atomicfile writes files so that readers see either the old file
// or the complete new one, never a half-written file: data goes to a
// temporary file in the same directory, is synced, then renamed.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/segtrt/segtrt/internal/fserr"
)

// Write calls fill with a temporary file in path's directory and, if fill
// Abort, when set, is asked before each file is renamed into place: a
// non-nil answer (the run was interrupted) leaves the temporary file
// removed and the destination untouched. The CLI sets it.
var Abort func() error

// Aborted is Abort's answer (nil when unset), for writers that rename
// other than through Write (folders written as a whole).
func Aborted() error {
	if Abort == nil {
		return nil
	}
	return Abort()
}

// succeeds, renames it to path. On any error the temporary file is removed.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write: %w", path, fserr.Reason(err))
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = Aborted(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	return nil
}

// WriteBytes atomically replaces path with data.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
