package opterr

import (
	"fmt"
	"testing"
)

func TestRender(t *testing.T) {
	err := fmt.Errorf("m.onnx: %w", Errorf("{CalibCache} needs {Precision} %s or best, got %q", "int8", "{Not}"))
	if err.Error() != `m.onnx: CalibCache needs Precision int8 or best, got "{Not}"` {
		t.Fatalf("Error() = %q", err)
	}
	oe, ok := As(err)
	if !ok {
		t.Fatal("not found in the chain")
	}
	flags := map[string]string{"CalibCache": "--calib-cache", "Precision": "--precision"}
	if got := oe.Render(func(f string) string { return flags[f] }); got != `--calib-cache needs --precision int8 or best, got "{Not}"` {
		t.Fatalf("Render = %q", got)
	}
}

func TestUsage(t *testing.T) {
	if e, _ := As(Errorf("x")); !e.Usage() {
		t.Error("Errorf is not usage")
	}
	if e, _ := As(Hintf("x")); e.Usage() {
		t.Error("Hintf is usage")
	}
}
