package trt

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRegistry behaves as TensorRT's per-process registry: loading a
// library whose plugins are registered fails, as loadLibrary's nullptr does.
// Files named libsegtrt_plugins.so hold segtrt's creators, others none.
type fakeRegistry struct {
	loads      []string
	registered bool // segtrt's creators
}

func (f *fakeRegistry) hasCreator(name, version, ns string) (bool, error) {
	return f.registered && name == "SPGExcite" && version == "1" && ns == "segtrt", nil
}

func (f *fakeRegistry) loadLibrary(path string) error {
	f.loads = append(f.loads, path)
	if filepath.Base(path) != PluginLibName(10) {
		return nil
	}
	if f.registered {
		return errors.New(path + ": TensorRT could not load the plugin library")
	}
	f.registered = true
	return nil
}

func resetPluginLibs(t *testing.T) {
	pluginLibs.Lock()
	saved := pluginLibs.loaded
	pluginLibs.loaded = nil
	pluginLibs.Unlock()
	t.Cleanup(func() {
		pluginLibs.Lock()
		pluginLibs.loaded = saved
		pluginLibs.Unlock()
	})
}

func TestBuildReadBackAndTwoRunnersLoadThePluginsOnce(t *testing.T) {
	resetPluginLibs(t)
	dir := t.TempDir()
	lib := filepath.Join(dir, PluginLibName(10))
	os.WriteFile(lib, []byte("a plugin library"), 0o644)
	link := filepath.Join(dir, "link.so")
	if err := os.Symlink(lib, link); err != nil {
		t.Fatal(err)
	}
	reg := &fakeRegistry{}
	// segtrt build: the builder loads it, the runtime reads the engine back;
	// validate then opens a candidate and a reference runner, one of them
	// naming the library through a link.
	for i, p := range []string{lib, lib, lib, link} {
		if _, err := loadPluginOnce(reg, p); err != nil {
			t.Fatalf("load %d: %v", i, err)
		}
	}
	if len(reg.loads) != 1 || reg.loads[0] != lib {
		t.Fatalf("registry loads: %v", reg.loads)
	}
}

func TestAnotherLibraryStillLoads(t *testing.T) {
	resetPluginLibs(t)
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, PluginLibName(10)), filepath.Join(dir, "libtheirs.so")
	os.WriteFile(ours, []byte("x"), 0o644)
	os.WriteFile(theirs, []byte("y"), 0o644)
	reg := &fakeRegistry{}
	for _, p := range []string{ours, theirs} {
		if _, err := loadPluginOnce(reg, p); err != nil {
			t.Fatal(err)
		}
	}
	// segtrt's creators being registered does not keep a library without
	// segtrt's marker from loading.
	if len(reg.loads) != 2 || reg.loads[1] != theirs {
		t.Fatalf("loads %v", reg.loads)
	}
}

func TestMissingLibraryIsNamed(t *testing.T) {
	resetPluginLibs(t)
	_, err := loadPluginOnce(&fakeRegistry{}, "/no/such/libsegtrt_plugins.so")
	if err == nil || !strings.Contains(err.Error(), "plugin library /no/such/libsegtrt_plugins.so") {
		t.Fatalf("got %v", err)
	}
}

// A second copy of segtrt's library (another path, same plugins) is not
// handed to TensorRT, which would refuse it: the registry has the creators
// and the file exports segtrt's marker.
func TestSecondCopyOfSegtrtPluginsIsNotLoaded(t *testing.T) {
	resetPluginLibs(t)
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler to make a shared library")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "marker.c")
	os.WriteFile(src, []byte("const char* "+segtrtMarker+"(void) { return \"test\"; }\n"), 0o644)
	first, second := filepath.Join(dir, "a", PluginLibName(10)), filepath.Join(dir, "b", PluginLibName(10))
	for _, out := range []string{first, second} {
		os.MkdirAll(filepath.Dir(out), 0o755)
		if b, err := exec.Command(cc, "-shared", "-fPIC", "-o", out, src).CombinedOutput(); err != nil {
			t.Skipf("cc -shared: %v %s", err, b)
		}
	}
	if !exportsSymbol(first, segtrtMarker) || exportsSymbol(src, segtrtMarker) {
		t.Fatal("exportsSymbol does not tell a segtrt plugin library")
	}
	reg := &fakeRegistry{}
	if _, err := loadPluginOnce(reg, first); err != nil {
		t.Fatal(err)
	}
	note, err := loadPluginOnce(reg, second)
	if err != nil || len(reg.loads) != 1 || !strings.Contains(note, "already registered") {
		t.Fatalf("second copy: note %q, err %v, loads %v", note, err, reg.loads)
	}
}
