package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
)

// No command can be pointed at an input as its output: each refuses before
// any work, exit 2, naming both flags, and the input is untouched.
func TestOutputsNeverDestroyInputs(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.onnx")
	data, err := os.ReadFile(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(model, data, 0o644)
	cache := filepath.Join(dir, "m.calib")
	os.WriteFile(cache, []byte("TRT-100160-EntropyCalibration2\n"), 0o644)
	link := filepath.Join(dir, "link.onnx")
	os.Symlink(model, link)
	set := filepath.Join(testmodels.Root(), "testdata", "cityscapes-mini")
	q := filepath.Join(dir, "q.onnx")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"calibrate", "--model", model, "--data", set, "--out", q, "--cache", model}, "--cache " + model + " is the same file as --model"},
		{[]string{"calibrate", "--model", model, "--data", set, "--out", q, "--cache", q}, "--out and --cache are the same file"},
		{[]string{"calibrate", "--model", model, "--data", set, "--out", link}, "--out " + link + " is the same file as --model"},
		{[]string{"calibrate", "--model", model, "--data", set, "--out", q, "--report", "/dev/null"}, "--report /dev/null is not a regular file"},
		{[]string{"calibrate", "--from-cache", cache, "--model", model, "--out", cache}, "--out " + cache + " is the same file as --from-cache"},
		{[]string{"calibrate", "--from-qdq", model, "--cache", model}, "is the same file as --from-qdq"},
		{[]string{"export", "--model", model, "--out", model}, "is the same file as --model"},
		{[]string{"build", "--model", model, "--out", model, "--force"}, "is the same file as --model"},
		{[]string{"build", "--model", model, "--out", filepath.Join(dir, "e.engine"), "--timing-cache", model}, "--timing-cache " + model + " is the same file as --model"},
		{[]string{"validate", "--model", model, "--data", set, "--report", filepath.Join(set, "report")}, "lies inside --data"},
		{[]string{"validate", "--model", model, "--data", set, "--save-predictions", dir}, "--save-predictions " + dir + " holds --model"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d %q, want exit 2 and %q", c.args[:1], code, stderr, c.want)
		}
	}
	if got, _ := os.ReadFile(model); string(got) != string(data) {
		t.Fatal("the model changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Fatalf("outputs written: %v", entries)
	}
}

// A model's external-data file is an input too.
func TestExternalDataIsAnInput(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(testmodels.Root(), "testdata", "onnx", "external")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
	}
	model := filepath.Join(dir, "plain-ext.onnx")
	data := model + ".data"
	before, _ := os.ReadFile(data)
	for _, args := range [][]string{
		{"export", "--model", model, "--out", data},
		{"calibrate", "--model", model, "--data", filepath.Join(testmodels.Root(), "testdata", "cityscapes-mini"), "--out", filepath.Join(dir, "q.onnx"), "--cache", data},
		{"build", "--model", model, "--out", filepath.Join(dir, "e.engine"), "--timing-cache", data},
	} {
		code, _, stderr := runCLI(args...)
		if code != 2 || !strings.Contains(stderr, "is the same file as --model") {
			t.Errorf("%v: exit %d %q", args[0], code, stderr)
		}
	}
	if after, _ := os.ReadFile(data); string(after) != string(before) {
		t.Fatal("the weights changed")
	}
}
