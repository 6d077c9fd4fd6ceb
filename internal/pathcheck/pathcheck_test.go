package pathcheck

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/segtrt/segtrt/internal/opterr"
)

func TestOutputsThatWouldDestroyInputs(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "x.onnx")
	os.WriteFile(model, []byte("model"), 0o644)
	link := filepath.Join(dir, "link.onnx")
	os.Symlink(model, link)
	hard := filepath.Join(dir, "hard.onnx")
	os.Link(model, hard)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	data := filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(data, "leftImg8bit"), 0o755)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		paths []Path
		want  string // "" passes
	}{
		{"distinct", []Path{In("Model", model), Out("Out", filepath.Join(dir, "q.onnx")), Out("Cache", filepath.Join(dir, "q.calib"))}, ""},
		{"cache is the model", []Path{In("Model", model), Out("Cache", model)}, "Cache " + model + " is the same file as Model"},
		{"through a link", []Path{In("Model", link), Out("Out", model)}, "is the same file as Model"},
		{"hard link", []Path{In("Model", model), Out("Out", hard)}, "is the same file as Model"},
		{"relative spelling", []Path{In("Model", model), Out("Out", filepath.Join(dir, "sub", "..", "x.onnx"))}, "is the same file as Model"},
		{"two outputs", []Path{Out("Out", filepath.Join(dir, "q.onnx")), Out("Cache", filepath.Join(dir, "sub", "..", "q.onnx"))}, "Out and Cache are the same file"},
		{"a device", []Path{Out("Cache", "/dev/null")}, "Cache /dev/null is not a regular file (a character device)"},
		{"a fifo", []Path{Out("Cache", fifo)}, "is not a regular file (a FIFO)"},
		{"a folder as a file", []Path{Out("Out", filepath.Join(dir, "sub"))}, "is a folder; give a file to write"},
		{"report inside data", []Path{InFolder("Data", data), OutFolder("ReportDir", filepath.Join(data, "report"))}, "ReportDir " + filepath.Join(data, "report") + " lies inside Data"},
		{"predictions holding the model", []Path{In("Model", model), OutFolder("SavePredictions", dir)}, "SavePredictions " + dir + " holds Model"},
		{"report beside data", []Path{InFolder("Data", data), OutFolder("ReportDir", filepath.Join(dir, "report"))}, ""},
		{"empty paths", []Path{In("Model", ""), Out("Out", "")}, ""},
		{"report folder holding the model", []Path{In("Model", model), OutFilesFolder("ReportDir", dir)}, ""},
		{"report folder inside data", []Path{InFolder("Data", data), OutFilesFolder("ReportDir", filepath.Join(data, "r"))}, "ReportDir " + filepath.Join(data, "r") + " lies inside Data"},
		{"nested whole folders", []Path{OutFolder("SavePredictions", filepath.Join(dir, "p")), OutFolder("SaveOverlays", filepath.Join(dir, "p", "ov"))}, "SaveOverlays " + filepath.Join(dir, "p", "ov") + " lies inside SavePredictions"},
	}
	for _, c := range cases {
		err := Check(c.paths...)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		case c.want != "":
			if oe, ok := opterr.As(err); !ok || !oe.Usage() {
				t.Errorf("%s: not a usage error", c.name)
			}
		}
	}
	if got, _ := os.ReadFile(model); string(got) != "model" {
		t.Fatal("the model changed")
	}
}

func TestRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o644)
	f := filepath.Join(dir, "f")
	os.WriteFile(f, nil, 0o644)
	if err := RegularFile(f); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		if err := RegularFile(p); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", p, err)
		}
	}
	if err := RegularFile(dir); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("folder: %v", err)
	}
}

// "w/lnk/../model.onnx" is the model when lnk points into its folder,
// though the text reads "w/model.onnx".
func TestLinkThenDotDot(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	os.MkdirAll(filepath.Join(real, "sub"), 0o755)
	model := filepath.Join(real, "model.onnx")
	os.WriteFile(model, []byte("m"), 0o644)
	w := filepath.Join(root, "w")
	os.Mkdir(w, 0o755)
	os.Symlink(filepath.Join(real, "sub"), filepath.Join(w, "lnk"))
	out := w + "/lnk/../model.onnx"
	if err := Check(In("Model", model), Out("Out", out)); err == nil || !strings.Contains(err.Error(), "is the same file as Model") {
		t.Fatalf("existing: %v", err)
	}
	// Not existing yet, through the same link: compared by real path.
	newOut := w + "/lnk/../q.onnx"
	if err := Check(Out("Out", newOut), Out("Cache", filepath.Join(real, "q.onnx"))); err == nil || !strings.Contains(err.Error(), "are the same file") {
		t.Fatalf("new: %v", err)
	}
}
