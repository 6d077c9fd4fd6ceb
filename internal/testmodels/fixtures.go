package testmodels

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/dataset/synth"
)

// Fixture is a trained model under testdata/models and what its JSON
// record says (written by export/torch/train_synthetic.py).
type Fixture struct {
	Model string // path of the .onnx
	Data  string // the synthetic set it was trained and scored on
	Rec   struct {
		Arch string `json:"arch"`
		Data struct {
			Root      string `json:"root"`
			Generator string `json:"generator"`
		} `json:"data"`
		Val struct {
			Split string  `json:"split"`
			MIoU  float64 `json:"miou"`
		} `json:"val"`
	}
}

// LoadFixture reads testdata/models/name.json and renders, once, the data
// set its generator command describes into the folder the record names
// (git-ignored testdata/cache): every count as given, since the scenes
// depend on them. Rendering goes to a temporary folder renamed into place,
// so test packages running at once cannot see half a set.
func LoadFixture(t testing.TB, name string) Fixture {
	t.Helper()
	base := filepath.Join(Root(), "testdata", "models", name)
	var f Fixture
	data, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &f.Rec); err != nil {
		t.Fatal(err)
	}
	f.Model = base + ".onnx"
	f.Data = filepath.Join(Root(), f.Rec.Data.Root)
	if _, err := os.Stat(filepath.Join(f.Data, "leftImg8bit")); err == nil {
		return f
	}
	args := strings.Fields(f.Rec.Data.Generator)
	flag := func(name string) int {
		for i, a := range args {
			if a == "--"+name && i+1 < len(args) {
				v, err := strconv.Atoi(args[i+1])
				if err != nil {
					t.Fatalf("generator %q: --%s: %v", f.Rec.Data.Generator, name, err)
				}
				return v
			}
		}
		return 0
	}
	render(t, f.Data, synth.Options{Train: flag("train"), Val: flag("val"), Test: flag("test"),
		Height: flag("height"), Width: flag("width"), Seed: uint64(flag("seed"))})
	return f
}

// SynthSet renders, once, a synthetic set into the git-ignored
// testdata/cache/name and returns its path.
func SynthSet(t testing.TB, name string, o synth.Options) string {
	t.Helper()
	dir := filepath.Join(Root(), "testdata", "cache", name)
	if _, err := os.Stat(filepath.Join(dir, "leftImg8bit")); err != nil {
		render(t, dir, o)
	}
	return dir
}

// render writes a set into dir through a temporary folder renamed into
// place, so test packages running at once cannot see half a set.
func render(t testing.TB, dir string, o synth.Options) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".render-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "set")
	o.Out, o.Stdout = out, io.Discard
	if err := synth.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(out, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "leftImg8bit")); statErr != nil {
			t.Fatal(err) // not a lost race: a real failure
		}
	}
}
