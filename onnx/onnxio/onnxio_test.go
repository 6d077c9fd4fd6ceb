package onnxio

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/testmodels"
)

var inlineFixtures = []string{"ops-opset11.onnx", "ops-opset13.onnx", "ops-opset17.onnx", "ops-dynamic.onnx", "plain.onnx"}

// Saving a torch export must give back the very bytes torch wrote.
func TestRoundTripIsByteIdentical(t *testing.T) {
	for _, name := range inlineFixtures {
		t.Run(name, func(t *testing.T) {
			orig, err := os.ReadFile(testmodels.Path(name))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(testmodels.Path(name))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), name)
			if err := m.Save(out, SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			if !bytes.Equal(got, orig) {
				t.Fatalf("round trip changed the file: %d bytes in, %d out", len(orig), len(got))
			}
		})
	}
}

func TestUnknownFieldsSurvive(t *testing.T) {
	orig, err := os.ReadFile(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	// A field number ONNX may add one day: 999, a string.
	extra := protowire.AppendTag(nil, 999, protowire.BytesType)
	extra = protowire.AppendString(extra, "from the future")
	m, err := Parse(append(append([]byte{}, orig...), extra...))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m.onnx")
	if err := m.Save(out, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if !bytes.HasSuffix(got, extra) || len(got) != len(orig)+len(extra) {
		t.Fatalf("unknown field lost: got %d bytes, want %d ending in the extra field", len(got), len(orig)+len(extra))
	}
}

func TestExternalDataLoadsAndSaves(t *testing.T) {
	src := testmodels.Path("external/plain-ext.onnx")
	m, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.External) == 0 {
		t.Fatal("no external tensors recorded")
	}
	// The same weights as the inline export of the same model.
	inline, err := Load(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, init := range inline.Proto.Graph.Initializer {
		want[init.GetName()] = init.RawData
	}
	for _, init := range m.Proto.Graph.Initializer {
		if !bytes.Equal(init.RawData, want[init.GetName()]) {
			t.Errorf("initializer %s differs from the inline export", init.GetName())
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "again.onnx")
	if err := m.Save(out, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "again.onnx.data")); err != nil {
		t.Fatalf("external data file not written: %v", err)
	}
	again, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(again.Proto, m.Proto) {
		t.Fatal("external-data round trip changed the model")
	}
	if len(again.External) != len(m.External) {
		t.Fatalf("%d external tensors after round trip, want %d", len(again.External), len(m.External))
	}
}

func TestBadFiles(t *testing.T) {
	orig, err := os.ReadFile(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string]struct {
		data []byte
		want string
	}{
		"truncated.onnx": {orig[:len(orig)/2], "truncated"},
		"empty.onnx":     {nil, "empty file"},
		"png.onnx":       {[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not an ONNX model"},
		"text.onnx":      {[]byte("hello, this is not a model\n"), "not an ONNX model"},
	}
	for name, c := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one naming the file and saying %q", name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "absent.onnx")); err == nil || !strings.Contains(err.Error(), "absent.onnx") {
		t.Errorf("missing file: %v", err)
	}
}

func TestExternalDataOutsideModelDirIsRefused(t *testing.T) {
	m, err := Load(testmodels.Path("external/plain-ext.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	if err := m.Save(path, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	evil := bytes.ReplaceAll(data, []byte("m.onnx.data"), []byte("../x.onnx.d"))
	if err := os.WriteFile(path, evil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "inside the model's directory") {
		t.Fatalf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range inlineFixtures {
		data, err := os.ReadFile(testmodels.Path(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{0x08, 0x08})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := proto.Marshal(m.Proto); err != nil {
			t.Fatalf("parsed model does not marshal: %v", err)
		}
	})
}
