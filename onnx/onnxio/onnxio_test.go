package onnxio

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// savedExternal writes the external-data fixture into a fresh folder and
// returns the model and its data file.
func savedExternal(t *testing.T) (model, data string) {
	t.Helper()
	m, err := Load(testmodels.Path("external/plain-ext.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model = filepath.Join(dir, "m.onnx")
	if err := m.Save(model, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return model, model + ".data"
}

func TestExternalDataThroughLinks(t *testing.T) {
	model, data := savedExternal(t)
	// The data moved out of the folder, a link left in its place.
	elsewhere := filepath.Join(t.TempDir(), "weights.bin")
	if err := os.Rename(data, elsewhere); err != nil {
		t.Fatal(err)
	}
	os.Symlink(elsewhere, data)
	if _, err := Load(model); err == nil || !strings.Contains(err.Error(), "resolves to "+elsewhere+", outside the model's folder") {
		t.Fatalf("link out of the folder: %v", err)
	}
	AllowExternalLinks = true
	defer func() { AllowExternalLinks = false }()
	if _, err := Load(model); err != nil {
		t.Fatalf("with --allow-external-links: %v", err)
	}
	// Never a device, even when links out are allowed.
	os.Remove(data)
	os.Symlink("/dev/zero", data)
	if _, err := Load(model); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Fatalf("link to /dev/zero: %v", err)
	}
}

// A length the tensor's shape does not back is refused before reading, even
// when a sparse file could serve it.
func TestExternalLengthIsCheckedAgainstTheShape(t *testing.T) {
	model, data := savedExternal(t)
	f, err := os.OpenFile(data, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(2 << 30) // sparse: 2 GiB on paper
	f.Close()
	raw, _ := os.ReadFile(model)
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, init := range m.Proto.Graph.Initializer {
		for _, kv := range init.ExternalData {
			if kv.GetKey() == "length" {
				kv.Value = proto.String(strconv.Itoa(2 << 30))
			}
		}
	}
	out, _ := proto.Marshal(m.Proto)
	os.WriteFile(model, out, 0o644)
	if _, err := Load(model); err == nil || !strings.Contains(err.Error(), "claims 2147483648 bytes, but a FLOAT tensor of shape") {
		t.Fatalf("got %v", err)
	}
}

func TestModelsOnlyFromRegularFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "m.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p+": not a regular file") {
			t.Errorf("%s: %v", p, err)
		}
	}
}
