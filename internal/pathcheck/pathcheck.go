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
	// OutDirFiles is a folder outputs are written into file by file (a
	// report folder): it must not lie inside an input folder, but may hold
	// inputs; its files are checked as OutFiles of their own.
	OutDirFiles
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

// OutFilesFolder is a folder written into file by file (OutDirFiles).
func OutFilesFolder(field, path string) Path { return Path{field, path, OutDirFiles} }

// resolved is a path made absolute with its links resolved as far as it
// exists, and what os.Stat says of it (nil when it does not exist).
type resolved struct {
	Path
	abs  string
	info fs.FileInfo
}

func resolve(p Path) (resolved, error) {
	// The path as the kernel will walk it: no textual cleaning first, or
	// "lnk/../model.onnx" would read as "model.onnx" while the kernel
	// follows lnk before "..".
	raw := p.Path
	if !filepath.IsAbs(raw) {
		cwd, err := os.Getwd()
		if err != nil {
			return resolved{}, err
		}
		raw = cwd + string(filepath.Separator) + raw
	}
	r := resolved{Path: p, abs: filepath.Clean(raw)}
	if info, err := os.Stat(raw); err == nil {
		r.info = info
	}
	// Resolve the longest existing prefix (EvalSymlinks follows links
	// before applying ".."): an output that does not exist yet may still
	// sit in a folder reached through a link. Components that do not exist
	// cannot be links, so they are stripped as text.
	dir, rest := raw, ""
	for {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			r.abs = filepath.Join(real, rest)
			break
		}
		i := strings.LastIndexByte(strings.TrimRight(dir, "/"), '/')
		if i <= 0 {
			break
		}
		rest = filepath.Join(dir[i+1:], rest)
		dir = dir[:i]
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
		case OutDir, OutDirFiles:
			if out.info != nil && !out.info.IsDir() {
				return refuse(out.Field+" %s exists and is not a folder", out.Path.Path)
			}
			if out.Kind == OutDirFiles {
				for _, in := range rs {
					if in.Kind == InDir && out.inside(in) {
						return refuse(out.Field+" %s lies inside "+in.Field+" %s: outputs must not be written into an input folder", out.Path.Path, in.Path.Path)
					}
				}
				continue
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
	if otherIsOut && seen && !(out.Kind == OutDir && other.inside(out)) {
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
	case out.Kind == OutDir && otherIsOut && other.inside(out):
		return refuse(other.Field+" %s lies inside "+out.Field+" %s, a folder written as a whole: give them side by side", other.Path.Path, out.Path.Path)
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

// Same says whether a and b name one file or folder (links followed), for
// callers that allow two options to share one output.
func Same(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ra, err1 := resolve(Path{Path: a})
	rb, err2 := resolve(Path{Path: b})
	return err1 == nil && err2 == nil && ra.same(rb)
}
