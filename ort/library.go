package ort

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/segtrt/segtrt/internal/libfind"
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

// Candidates lists where the library is looked for, in libfind's order:
// the flag, $SEGTRT_ORT_LIB, next to the binary, where `make deps`
// installed it, LD_LIBRARY_PATH, the system folders.
func Candidates(flagPath string) []string {
	return libfind.OS.Candidates(LibraryName, flagPath, EnvLibrary, installedLibrary)
}

// ErrNotFound is returned when no candidate library exists.
var ErrNotFound = errors.New("ONNX Runtime library not found")

// Find returns the first candidate that exists. An explicit flag or
// environment path that does not exist is an error of its own, not skipped.
func Find(flagPath string) (string, error) {
	explicit := flagPath
	if explicit == "" {
		explicit = os.Getenv(EnvLibrary)
	}
	cands := Candidates(flagPath)
	for i, p := range cands {
		st, err := os.Stat(p)
		if err == nil && !st.IsDir() {
			return p, nil
		}
		if i == 0 && explicit != "" {
			return "", fmt.Errorf("%w: %s does not exist", ErrNotFound, p)
		}
	}
	return "", opterr.Hintf("%w: tried %s (run `make deps`, or give {ORTLib} or set %s)",
		ErrNotFound, strings.Join(cands, ", "), EnvLibrary)
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
	// ONNX Runtime 1.30's POSIX telemetry writes a device id and an event
	// database under $HOME/.cache at environment creation, before any API
	// can turn it off; only its environment variable opts out in time (two
	// spellings across releases). A user's own setting is kept.
	for _, v := range []string{"ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED"} {
		if _, set := os.LookupEnv(v); !set {
			os.Setenv(v, "1")
		}
	}
	// ONNX Runtime's own log lines (coloured, multi-line) must not reach
	// a CLI's stderr: every failure also comes back as a status, which
	// segtrt reports on one line. The level is set as the environment is
	// made, so nothing is logged before it.
	if err := onnxruntime.InitializeEnvironment(onnxruntime.WithLogLevelFatal()); err != nil {
		initState.err = fmt.Errorf("%s: cannot load ONNX Runtime: %v", path, err)
		return Info{}, initState.err
	}
	// No telemetry: a release gate must not write or send anything it was
	// not asked to.
	_ = onnxruntime.DisableTelemetry()
	initState.path, initState.version = path, onnxruntime.GetVersion()
	return Info{initState.path, initState.version}, nil
}
