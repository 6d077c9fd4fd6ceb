package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/validate"
)

func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	notONNX := filepath.Join(dir, "notes.onnx")
	os.WriteFile(notONNX, []byte("just some text"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"inspect", testmodels.Path("plain.onnx")}, 0, ""},
		{[]string{"inspect"}, 2, "accepts 1 arg"},
		{[]string{"inspect", "--bogus", "x.onnx"}, 2, "unknown flag"},
		{[]string{"inspect", "--input-shape", "input:1xZ", testmodels.Path("plain.onnx")}, 2, "not a positive integer"},
		{[]string{"inspect", filepath.Join(dir, "missing.onnx")}, 1, "missing.onnx: no such file"},
		{[]string{"inspect", notONNX}, 1, "notes.onnx: not an ONNX model"},
		{[]string{"inspect", "--input-shape", "image:1x3x20x30", testmodels.Path("plain.onnx")}, 1, `--input-shape names "image"`},
		{[]string{"nosuchcommand"}, 2, "unknown command"},
		{[]string{"build", "--model", "m.onnx"}, 2, "build needs --model and --out"},
		{[]string{"calibrate"}, 2, "calibrate needs --model"},
		{[]string{"validate"}, 2, "--model is required"},
		{[]string{"export"}, 2, "export needs --model and --out"},
		{[]string{"export", "--model", "m.onnx", "--out", "o.onnx", "--plugins", "spg,warp"}, 2, `unknown plugin "warp"`},
		{[]string{"doctor", "extra"}, 2, "unknown command"},
		{[]string{"version"}, 0, ""},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d stderr %q; want exit %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if strings.Count(stderr, "\n") > 1 || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: stderr is not one line: %q", c.args, stderr)
		}
	}
}

func TestTargetMissedExitsThree(t *testing.T) {
	if got := exitCode(fmt.Errorf("wrapped: %w", validate.ErrTargetMissed)); got != 3 {
		t.Fatalf("exit %d", got)
	}
}

func TestInspectJSON(t *testing.T) {
	code, out, stderr := runCLI("inspect", "--json", testmodels.Path("plain.onnx"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Params int64  `json:"params"`
		MACs   *int64 `json:"macs"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	meta := testmodels.LoadMeta(t, "plain.onnx")
	if rep.Params != meta.TorchParams || rep.MACs == nil || *rep.MACs != meta.HookMACs {
		t.Fatalf("params %d macs %v; torch says %d and %d", rep.Params, rep.MACs, meta.TorchParams, meta.HookMACs)
	}
}

func TestHelpHasExamples(t *testing.T) {
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s has no example", c.Name())
		}
	}
	code, out, _ := runCLI("completion", "bash")
	if code != 0 || !strings.Contains(out, "segtrt") {
		t.Errorf("bash completion: exit %d", code)
	}
}
