// Package libfind finds the shared libraries segtrt loads at run time
// (ONNX Runtime, TensorRT, the CUDA runtime, segtrt's plugins, NVML) in
// one documented order:
//
//  1. the path a flag gives (a file, or a folder holding the library);
//  2. the path the library's environment variable gives (file or folder);
//  3. the folder of the segtrt binary, then any place the build installed
//     the library to (ONNX Runtime's `make deps` copy);
//  4. each absolute folder of LD_LIBRARY_PATH, as dlopen would search it;
//  5. the system folders, SystemDirs, which include /usr/local/nvidia/lib64
//     where Kubernetes GPU nodes mount the driver's libraries.
//
// The current directory is never searched: empty and relative entries of
// LD_LIBRARY_PATH, which dlopen would resolve against it, are skipped.
package libfind

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
)

// SystemDirs are the folders searched last: Debian/Ubuntu multiarch
// (NVIDIA's packages), the Kubernetes device plugin's driver mount,
// TensorRT's tarball and container locations, CUDA's, and the generic ones.
var SystemDirs = []string{
	"/usr/lib/x86_64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu",
	"/usr/local/nvidia/lib64",
	"/usr/local/tensorrt/lib",
	"/opt/tensorrt/lib",
	"/usr/local/cuda/lib64",
	"/usr/local/cuda/targets/x86_64-linux/lib",
	"/usr/lib64",
	"/usr/lib",
	"/usr/local/lib",
}

// Env is what a search reads of the process; tests replace it.
type Env struct {
	Getenv     func(string) string
	Executable func() (string, error)
	Stat       func(string) (os.FileInfo, error)
}

// OS is the real environment.
var OS = Env{Getenv: os.Getenv, Executable: os.Executable, Stat: os.Stat}

// IsFile says whether p exists and is not a folder.
func (e Env) IsFile(p string) bool {
	st, err := e.Stat(p)
	return err == nil && !st.IsDir()
}

// IsDir says whether p is a folder.
func (e Env) IsDir(p string) bool { return e.isDir(p) }

func (e Env) isDir(p string) bool {
	st, err := e.Stat(p)
	return err == nil && st.IsDir()
}

// Candidates lists where library name is looked for, in the package's
// order: explicit (a flag's file or folder), envVar's file or folder, the
// binary's folder, installed (paths the build put it at), LD_LIBRARY_PATH,
// SystemDirs. Paths are cleaned and listed once. The bare name, which
// dlopen resolves through ld.so.cache, is not included: LoadOrder adds it.
func (e Env) Candidates(name, explicit, envVar string, installed ...string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" {
			return
		}
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	fileOrDir := func(p string) {
		if p != "" && e.isDir(p) {
			p = filepath.Join(p, name)
		}
		add(p)
	}
	fileOrDir(explicit)
	if envVar != "" {
		fileOrDir(e.Getenv(envVar))
	}
	if exe, err := e.Executable(); err == nil {
		add(filepath.Join(filepath.Dir(exe), name))
	}
	for _, p := range installed {
		add(p)
	}
	for _, d := range filepath.SplitList(e.Getenv("LD_LIBRARY_PATH")) {
		if filepath.IsAbs(d) {
			add(filepath.Join(d, name))
		}
	}
	for _, d := range SystemDirs {
		add(filepath.Join(d, name))
	}
	return out
}

// FindFile returns the first candidate that exists, or "" and the list
// of candidates tried.
func (e Env) FindFile(name, explicit, envVar string, installed ...string) (string, []string) {
	cands := e.Candidates(name, explicit, envVar, installed...)
	for _, p := range cands {
		if e.IsFile(p) {
			return p, cands
		}
	}
	return "", cands
}

// LoadOrder is the order to dlopen name in: the candidates that exist,
// then the bare name (ld.so.cache, RUNPATH). An explicit path that does
// not exist stays first, so that the error names it.
func (e Env) LoadOrder(name, explicit, envVar string) []string {
	var out []string
	for i, p := range e.Candidates(name, explicit, envVar) {
		if e.IsFile(p) || (i == 0 && explicit != "") {
			out = append(out, p)
		}
	}
	return append(out, name)
}

// List returns the libraries a flag lists (explicit) if any, else those
// envVar lists (separated by ':'), else name next to the binary if it is
// there; from says which it was: "flag", "$"+envVar or "binary" ("" when
// none). Every listed library must exist: missing is the first that does
// not. Paths are made absolute.
func (e Env) List(explicit []string, envVar, name string) (libs []string, from, missing string) {
	var list []string
	switch {
	case len(explicit) > 0:
		list, from = explicit, "flag"
	case e.Getenv(envVar) != "":
		from = "$" + envVar
		for _, p := range strings.Split(e.Getenv(envVar), ":") {
			if p != "" {
				list = append(list, p)
			}
		}
	default:
		if exe, err := e.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(exe), name); e.IsFile(p) {
				return []string{p}, "binary", ""
			}
		}
		return nil, "", ""
	}
	for _, p := range list {
		if !e.IsFile(p) {
			return nil, from, p
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		libs = append(libs, p)
	}
	return libs, from, ""
}

// Exports lists which of names the ELF shared library at path defines in
// its dynamic symbol table, read from the file without loading it (a
// library's constructors run on dlopen). An unreadable file exports none.
func Exports(path string, names ...string) (have map[string]bool, err error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	have = map[string]bool{}
	for _, s := range syms {
		if want[s.Name] && s.Section != elf.SHN_UNDEF {
			have[s.Name] = true
		}
	}
	return have, nil
}
