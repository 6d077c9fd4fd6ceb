package device

import (
	"runtime"
	"testing"
)

func TestProbeWithoutGPU(t *testing.T) {
	f := Probe()
	if f.Cores != runtime.NumCPU() || f.CPU == "" || f.GPUs == nil {
		t.Fatalf("%+v", f)
	}
	// These machines have no NVIDIA driver: the answer must say so.
	if len(f.GPUs) == 0 && f.GPUNote == "" {
		t.Fatal("no GPUs and no note saying why")
	}
}
