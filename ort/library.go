package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/segtrt/segtrt/internal/opterr"

	onnxruntime "github.com/yalue/onnxruntime_go"
)

// EnvLibrary names the environment variable that points at
// libonnxruntime.so.1.
const EnvLibrary = "SEGTRT_ORT_LIB"

// LibraryName is the file name ONNX Runtime's shared library has on Linux.
const LibraryName = "libonnxruntime.so.1"

// installedLibrary is where `make deps` put the library when this binary
// was built (set with -ldflags -X by the Makefile).
var installedLibrary = ""

// systemLibraries are where distribution packages put the library.
var systemLibraries = []string{
	"/usr/lib/x86_64-linux-gnu/" + LibraryName,
	"/usr/lib/" + LibraryName,
	"/usr/local/lib/" + LibraryName,
}

// Candidates lists where the library is looked for, in order: the flag,
// $SEGTRT_ORT_LIB, next to the binary, where `make deps` installs it, and
// system paths.
func Candidates(flagPath string) []string {
	var out []string
	add := func(p string) {
		if p != "" {
			out = append(out, p)
		}
	}
	add(flagPath)
	add(os.Getenv(EnvLibrary))
	if exe, err := os.Executable(); err == nil {
		add(filepath.Join(filepath.Dir(exe), LibraryName))
	}
	add(installedLibrary)
	out = append(out, systemLibraries...)
	return out
}

// ErrNotFound is returned when no candidate library exists.
var ErrNotFound = errors.New("ONNX Runtime library not found")

// Find returns the first candidate that exists. An explicit flag or
// environment path that does not exist is an error of its own, not skipped.
func Find(flagPath string) (string, error) {
	for i, p := range Candidates(flagPath) {
		st, err := os.Stat(p)
		if err == nil && !st.IsDir() {
			return p, nil
		}
		explicit := (flagPath != "" && i == 0) || (flagPath == "" && i == 0 && p == os.Getenv(EnvLibrary))
		if explicit {
			return "", fmt.Errorf("%w: %s does not exist", ErrNotFound, p)
		}
	}
	return "", opterr.Hintf("%w: tried %s (run `make deps`, or give {ORTLib} or set %s)",
		ErrNotFound, strings.Join(Candidates(flagPath), ", "), EnvLibrary)
}

var initState struct {
	sync.Mutex
	path    string
	version string
	err     error
	done    bool
}

// Info says which ONNX Runtime is loaded.
type Info struct {
	Path    string
	Version string
}

// Init loads ONNX Runtime once per process. Later calls return the first
// result; asking for a different library after one is loaded is an error.
func Init(flagPath string) (Info, error) {
	initState.Lock()
	defer initState.Unlock()
	if initState.done {
		if flagPath != "" && initState.err == nil && flagPath != initState.path {
			return Info{}, fmt.Errorf("ONNX Runtime already loaded from %s, cannot load %s", initState.path, flagPath)
		}
		return Info{initState.path, initState.version}, initState.err
	}
	initState.done = true
	path, err := Find(flagPath)
	if err != nil {
		initState.err = err
		return Info{}, err
	}
	onnxruntime.SetSharedLibraryPath(path)
	if err := onnxruntime.InitializeEnvironment(); err != nil {
		initState.err = fmt.Errorf("%s: cannot load ONNX Runtime: %v", path, err)
		return Info{}, initState.err
	}
	// Warnings (e.g. about unused initializers) are noise on a CLI's stderr.
	_ = onnxruntime.SetEnvironmentLogLevel(onnxruntime.LoggingLevelError)
	initState.path, initState.version = path, onnxruntime.GetVersion()
	return Info{initState.path, initState.version}, nil
}
