// Package pathcheck refuses, before a command does any work, a set of
// input and output paths that would destroy an input or mix outputs: an
// output that is an input or another output (links followed, hard links
// too, as os.SameFile sees them), a file output that exists and is not a
// regular file (a device, a FIFO, a folder), and a folder output that lies
// inside an input folder or holds an input.
//
// Errors name both options by their Go field names in braces (opterr), so
// the CLI says them as flags and exits 2.
package pathcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
)

// Kind is a path's role.
type Kind int

// Roles.
const (
	InFile Kind = iota
	InDir
	OutFile
	OutDir
)

// Path is one option's path.
type Path struct {
	Field string // the option's Go field name, e.g. "Cache"
	Path  string // "" is skipped
	Kind  Kind
}

// In, InFolder, Out and OutFolder make Paths.
func In(field, path string) Path        { return Path{field, path, InFile} }
func InFolder(field, path string) Path  { return Path{field, path, InDir} }
func Out(field, path string) Path       { return Path{field, path, OutFile} }
func OutFolder(field, path string) Path { return Path{field, path, OutDir} }

// resolved is a path made absolute with its links resolved as far as it
// exists, and what os.Stat says of it (nil when it does not exist).
type resolved struct {
	Path
	abs  string
	info fs.FileInfo
}

func resolve(p Path) (resolved, error) {
	abs, err := filepath.Abs(p.Path)
	if err != nil {
		return resolved{}, err
	}
	r := resolved{Path: p, abs: abs}
	if info, err := os.Stat(abs); err == nil {
		r.info = info
	}
	// Resolve the longest existing prefix: an output that does not exist
	// yet may still sit in a folder reached through a link.
	dir, rest := abs, ""
	for {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			r.abs = filepath.Join(real, rest)
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
	return r, nil
}

func (r resolved) same(o resolved) bool {
	if r.info != nil && o.info != nil {
		return os.SameFile(r.info, o.info)
	}
	return r.abs == o.abs
}

// inside says whether r lies in folder d (or is d).
func (r resolved) inside(d resolved) bool {
	if r.info != nil && d.info != nil && os.SameFile(r.info, d.info) {
		return true
	}
	rel, err := filepath.Rel(d.abs, r.abs)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Check refuses paths that would destroy an input or mix outputs (see the
// package doc). Empty paths are skipped.
func Check(paths ...Path) error {
	var rs []resolved
	for _, p := range paths {
		if p.Path == "" {
			continue
		}
		r, err := resolve(p)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	for i, out := range rs {
		switch out.Kind {
		case OutFile:
			if out.info != nil && out.info.IsDir() {
				return refuse(out.Field+" %s is a folder; give a file to write", out.Path.Path)
			}
			if out.info != nil && !out.info.Mode().IsRegular() {
				return refuse(out.Field+" %s is not a regular file (%s); segtrt writes only regular files", out.Path.Path, kindOf(out.info))
			}
		case OutDir:
			if out.info != nil && !out.info.IsDir() {
				return refuse(out.Field+" %s exists and is not a folder", out.Path.Path)
			}
		default:
			continue
		}
		for j, other := range rs {
			if i == j {
				continue
			}
			if err := clash(out, other, j < i); err != nil {
				return err
			}
		}
	}
	return nil
}

// clash is the error when output out and path other cannot go together.
// seen says other, an output too, was already compared with out.
func clash(out, other resolved, seen bool) error {
	otherIsOut := other.Kind == OutFile || other.Kind == OutDir
	if otherIsOut && seen {
		return nil
	}
	switch {
	case out.same(other) && otherIsOut:
		return refuse(out.Field+" and "+other.Field+" are the same file (%s): each output needs its own", out.Path.Path)
	case out.same(other):
		return refuse(out.Field+" %s is the same file as "+other.Field+" %s: the output would destroy the input", out.Path.Path, other.Path.Path)
	case out.Kind == OutDir && other.Kind == InDir && out.inside(other):
		return refuse(out.Field+" %s lies inside "+other.Field+" %s: outputs must not be written into an input folder", out.Path.Path, other.Path.Path)
	case out.Kind == OutDir && !otherIsOut && other.inside(out):
		return refuse(out.Field+" %s holds "+other.Field+" %s: give an output folder that holds no input", out.Path.Path, other.Path.Path)
	}
	return nil
}

// refuse is a usage error whose format names options by their bare field
// names (Out, Cache), which it braces for opterr.
func refuse(format string, args ...any) error {
	return opterr.Errorf(fieldRef.ReplaceAllString(format, "{$1}"), args...)
}

// fieldRef matches a field name in refuse's formats: a capitalised word
// not inside a verb.
var fieldRef = regexp.MustCompile(`\b([A-Z][A-Za-z0-9]*)\b`)

func kindOf(info fs.FileInfo) string {
	m := info.Mode()
	switch {
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// ErrNotRegular is returned by RegularFile.
var ErrNotRegular = errors.New("not a regular file")

// RegularFile says why path cannot be read as an input file: it must be a
// regular file (a FIFO or a device never ends, or blocks).
func RegularFile(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		if info.IsDir() {
			return &fs.PathError{Op: "read", Path: path, Err: errors.New("is a folder")}
		}
		return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kindOf(info))}
	}
	return nil
}
