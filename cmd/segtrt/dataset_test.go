package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatasetCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "synth")
	code, out, stderr := runCLI("dataset", "synth", "--out", dir, "--train", "2", "--val", "1", "--height", "64", "--width", "128", "--seed", "5")
	if code != 0 || !strings.Contains(out, "wrote 2 train, 1 val, 0 test images of 64x128 (seed 5)") || stderr != "" {
		t.Fatalf("synth: exit %d\nstdout %q\nstderr %q", code, out, stderr)
	}
	code, out, stderr = runCLI("dataset", "check", dir)
	if code != 0 || !strings.Contains(out, "split train: 2 images") || !strings.Contains(out, "split val: 1 images") ||
		!strings.Contains(out, "traffic light") {
		t.Fatalf("check: exit %d\nstdout %s\nstderr %s", code, out, stderr)
	}

	// Break the set twice: every problem is listed, stderr is one line.
	label := filepath.Join(dir, "gtFine", "train", "bochum", "bochum_000000_000019_gtFine_labelIds.png")
	trainIDs := strings.Replace(label, "labelIds", "labelTrainIds", 1)
	if err := os.Remove(label); err != nil {
		t.Fatal(err)
	}
	os.Remove(trainIDs)
	corrupt := filepath.Join(dir, "leftImg8bit", "train", "aachen", "aachen_000000_000019_leftImg8bit.png")
	os.WriteFile(corrupt, []byte("not a png"), 0o644)
	code, out, stderr = runCLI("dataset", "check", dir, "--split", "train")
	if code != 1 || strings.Count(out, "problem: ") != 2 || !strings.Contains(out, corrupt) {
		t.Errorf("check broken: exit %d\nstdout %s", code, out)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "2 in "+dir) {
		t.Errorf("check broken: stderr %q", stderr)
	}
}

func TestDatasetUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dataset", "synth"}, 2, "--out is required"},
		{[]string{"dataset", "synth", "--out", "x", "--height", "tall"}, 2, "invalid argument"},
		{[]string{"dataset", "synth", "--out", "x", "--width", "16"}, 2, "outside"},
		{[]string{"dataset", "synth", "--out", "x", "extra"}, 2, "unknown command"},
		{[]string{"dataset", "check"}, 2, "accepts 1 arg"},
		{[]string{"dataset", "sinth"}, 2, `unknown command "sinth"`},
		{[]string{"dataset", "check", filepath.Join(t.TempDir(), "nothing")}, 1, "nothing/leftImg8bit: not a Cityscapes-layout folder"},
		{[]string{"dataset", "check", t.TempDir(), "--split", "val"}, 1, "leftImg8bit/val: split folder is missing"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") > 1 {
			t.Errorf("%v: exit %d stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
