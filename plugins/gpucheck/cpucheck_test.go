package gpucheck

import (
	"strings"
	"testing"
)

// The twins that make gpu-check compares the GPU with must themselves match
// a naive float64 reference, on the same cases: SPGExcite within a few
// float ulps, AvgPoolInfer within its README's bound, FP16 within half a
// binary16 step more.
func TestTwinsAgainstNaiveReference(t *testing.T) {
	report, err := CPUCheck()
	t.Logf("\n%s", report)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(report, " ok\n"); n != 24 {
		t.Fatalf("%d cases checked, want 24", n)
	}
}
