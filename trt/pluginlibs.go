package trt

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/segtrt/segtrt/internal/libfind"
)

// TensorRT has one plugin registry per process: the builder's and the
// runtime's are the same, and IPluginRegistry::loadLibrary fails (returns
// nullptr) when any plugin of the library is already registered. A build
// reads its engine back, and validate may open two engine runners, so the
// same library would be loaded up to four times. Every load goes through
// loadPluginOnce, which loads each library once per process.

// pluginRegistry is what loading a plugin library needs of TensorRT's
// registry (a builder's or a runtime's view of it).
type pluginRegistry interface {
	// hasCreator says whether a creator is registered under this name,
	// version and namespace.
	hasCreator(name, version, namespace string) (bool, error)
	// loadLibrary is IPluginRegistry::loadLibrary.
	loadLibrary(path string) error
}

// segtrtCreator is one creator segtrt's plugin library registers: if it is
// registered, segtrt's plugins are there.
var segtrtCreator = [3]string{"SPGExcite", "1", "segtrt"}

// segtrtMarker is the symbol only segtrt's plugin library exports
// (plugins/registration.cpp).
const segtrtMarker = "segtrtPluginsBuildInfo"

var pluginLibs struct {
	sync.Mutex
	loaded map[string]string // real path -> how it came to be registered
}

// loadPluginOnce makes the plugins of the library at path registered in
// reg, loading it only if no earlier call loaded the same file (by its
// real path), and not at all if it is a segtrt plugin library and segtrt's
// creators are registered already (another copy of it was loaded, or the
// application registered them). note says which, for the log.
func loadPluginOnce(reg pluginRegistry, path string) (note string, err error) {
	real, err := realPath(path)
	if err != nil {
		return "", fmt.Errorf("plugin library %s: %w", path, err)
	}
	pluginLibs.Lock()
	defer pluginLibs.Unlock()
	if how, ok := pluginLibs.loaded[real]; ok {
		return fmt.Sprintf("plugin library %s: %s", path, how), nil
	}
	how := "loaded"
	has, err := reg.hasCreator(segtrtCreator[0], segtrtCreator[1], segtrtCreator[2])
	if err != nil {
		return "", err
	}
	if has && exportsSymbol(real, segtrtMarker) {
		how = "not loaded again: segtrt's plugins are already registered"
	} else if err := reg.loadLibrary(real); err != nil {
		return "", err
	}
	if pluginLibs.loaded == nil {
		pluginLibs.loaded = map[string]string{}
	}
	pluginLibs.loaded[real] = "already " + how
	return fmt.Sprintf("plugin library %s: %s", path, how), nil
}

// realPath is path made absolute with every symbolic link resolved: two
// names of one file are one library.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// exportsSymbol says whether the ELF shared library at path exports name.
func exportsSymbol(path, name string) bool {
	have, _ := libfind.Exports(path, name)
	return have[name]
}
