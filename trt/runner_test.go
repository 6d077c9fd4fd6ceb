package trt

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/trt/enginemeta"
)

// writeEngine writes a fake engine and its metadata, as segtrt build does.
func writeEngine(t *testing.T, dir string, meta *enginemeta.Metadata) string {
	t.Helper()
	path := filepath.Join(dir, "m.engine")
	data := []byte("serialised engine")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	meta.Engine = enginemeta.HashBytes(path, data)
	if err := meta.Write(enginemeta.PathFor(path)); err != nil {
		t.Fatal(err)
	}
	return path
}

func a10Meta(level string) *enginemeta.Metadata {
	return &enginemeta.Metadata{
		Schema: enginemeta.Schema, TensorRT: "10.16.0", HWCompat: level,
		GPU:      enginemeta.GPU{Name: "NVIDIA A10", ComputeCapability: "8.6"},
		Profiles: [][]enginemeta.ProfileInput{{{Name: "input", Min: []int64{1, 3, 128, 256}, Opt: []int64{1, 3, 256, 512}, Max: []int64{1, 3, 512, 1024}}}},
	}
}

func TestCheckEngineFile(t *testing.T) {
	dir := t.TempDir()
	path := writeEngine(t, dir, a10Meta("none"))
	a10 := enginemeta.Machine{GPU: enginemeta.GPU{Name: "NVIDIA A10", ComputeCapability: "8.6"}, TensorRT: "10.16.0"}
	meta, data, warns, err := CheckEngineFile(path, a10)
	if err != nil || string(data) != "serialised engine" || len(warns) != 0 || meta.GPU.Name != "NVIDIA A10" {
		t.Fatalf("%v %q %v", err, data, warns)
	}
	// A GPU of another compute capability is refused before TensorRT.
	l4 := enginemeta.Machine{GPU: enginemeta.GPU{Name: "NVIDIA L4", ComputeCapability: "8.9"}, TensorRT: "10.16.0"}
	if _, _, _, err := CheckEngineFile(path, l4); err == nil || !strings.Contains(err.Error(), "--hw-compat none") {
		t.Fatalf("L4: %v", err)
	}
	// The engine replaced without its metadata.
	os.WriteFile(path, []byte("another engine"), 0o644)
	if _, _, _, err := CheckEngineFile(path, a10); err == nil || !strings.Contains(err.Error(), "does not match its metadata") {
		t.Fatalf("replaced: %v", err)
	}
	// No metadata at all.
	os.Remove(enginemeta.PathFor(path))
	if _, _, _, err := CheckEngineFile(path, a10); err == nil || !strings.Contains(err.Error(), "m.engine.json: missing") {
		t.Fatalf("no metadata: %v", err)
	}
}

func TestChooseInputShape(t *testing.T) {
	meta := a10Meta("none")
	static := TensorDesc{Name: "input", Input: true, Shape: []int64{1, 3, 256, 512}}
	dynamic := TensorDesc{Name: "input", Input: true, Shape: []int64{1, 3, -1, -1}}
	if got, err := chooseInputShape("e", static, nil, meta); err != nil || !reflect.DeepEqual(got, static.Shape) {
		t.Error(got, err)
	}
	if _, err := chooseInputShape("e", static, []int64{1, 3, 64, 64}, meta); err == nil {
		t.Error("another shape on a static engine accepted")
	}
	if got, err := chooseInputShape("e", dynamic, nil, meta); err != nil || !reflect.DeepEqual(got, []int64{1, 3, 256, 512}) {
		t.Error("profile opt:", got, err)
	}
	if got, err := chooseInputShape("e", dynamic, []int64{1, 3, 128, 128}, meta); err != nil || got[2] != 128 {
		t.Error("asked:", got, err)
	}
	if _, err := chooseInputShape("e", dynamic, []int64{1, 3, 128}, meta); err == nil {
		t.Error("wrong rank accepted")
	}
	if _, err := chooseInputShape("e", dynamic, nil, &enginemeta.Metadata{}); err == nil {
		t.Error("dynamic without profile accepted")
	}
}

func TestSplitIO(t *testing.T) {
	in := TensorDesc{Name: "input", Input: true, DType: Float}
	logits := TensorDesc{Name: "logits", DType: Float}
	aux := TensorDesc{Name: "aux", DType: Half}
	i, outs, err := splitIO("e", []TensorDesc{in, logits, aux})
	if err != nil || i.Name != "input" || len(outs) != 2 || outs[0].Name != "logits" {
		t.Fatal(i, outs, err)
	}
	for name, io := range map[string][]TensorDesc{
		"two inputs":   {in, in, logits},
		"no outputs":   {in},
		"half input":   {{Name: "x", Input: true, DType: Half}, logits},
		"int64 logits": {in, {Name: "argmax", DType: Int64}},
	} {
		if _, _, err := splitIO("e", io); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestRunnerPlugins(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, PluginLibName(10))
	os.WriteFile(lib, []byte("plugin v1"), 0o644)
	f, _ := enginemeta.HashFile(lib)
	meta := &enginemeta.Metadata{PluginLibs: []enginemeta.File{f}}
	env := Env{Getenv: func(string) string { return "" }, Executable: func() (string, error) { return "/none/segtrt", nil }, Stat: os.Stat}
	if got, err := runnerPlugins(nil, meta, env, 10); err != nil || !reflect.DeepEqual(got, []string{lib}) {
		t.Fatalf("recorded: %q %v", got, err)
	}
	// Changed since the build, and nothing else found: a clear error.
	os.WriteFile(lib, []byte("plugin v2"), 0o644)
	if _, err := runnerPlugins(nil, meta, env, 10); err == nil || !strings.Contains(err.Error(), "gone or changed") {
		t.Fatalf("changed: %v", err)
	}
	// Explicit always wins.
	if got, err := runnerPlugins([]string{lib}, meta, env, 10); err != nil || len(got) != 1 {
		t.Fatalf("explicit: %q %v", got, err)
	}
	// An engine without plugins needs none.
	if got, err := runnerPlugins(nil, &enginemeta.Metadata{}, env, 10); err != nil || got != nil {
		t.Fatalf("none: %q %v", got, err)
	}
}
