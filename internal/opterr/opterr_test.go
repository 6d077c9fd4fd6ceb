package opterr

import (
	"errors"
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

// %w renders as the wrapped error's text and stays visible to errors.Is.
func TestWrappedErrors(t *testing.T) {
	base := errors.New("library not found")
	err := Hintf("100%% sure: %d tries, %w: give {ORTLib}", 3, base)
	if got := err.Error(); got != "100% sure: 3 tries, library not found: give ORTLib" {
		t.Fatalf("got %q", got)
	}
	if !errors.Is(err, base) || !errors.Is(fmt.Errorf("x: %w", err), base) {
		t.Fatal("errors.Is does not see the wrapped error")
	}
}
