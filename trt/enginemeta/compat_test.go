package enginemeta

import (
	"strings"
	"testing"
)

// Fake machines: the facts of GPUs segtrt is deployed on.
var (
	a10  = GPU{Name: "NVIDIA A10", UUID: "GPU-a10", ComputeCapability: "8.6"}
	a40  = GPU{Name: "NVIDIA A40", UUID: "GPU-a40", ComputeCapability: "8.6"}
	l4   = GPU{Name: "NVIDIA L4", UUID: "GPU-l4", ComputeCapability: "8.9"}
	a100 = GPU{Name: "NVIDIA A100-SXM4-40GB", UUID: "GPU-a100", ComputeCapability: "8.0"}
	t4   = GPU{Name: "Tesla T4", UUID: "GPU-t4", ComputeCapability: "7.5"}
	none = GPU{}
)

func built(level, cc, name string) *Metadata {
	m := sample()
	m.HWCompat, m.GPU.ComputeCapability, m.GPU.Name = level, cc, name
	return m
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name     string
		meta     *Metadata
		machine  Machine
		wantErr  string // "" = accepted
		wantWarn string
	}{
		{"none same GPU", built("none", "8.6", a10.Name), Machine{a10, "10.16.0"}, "", ""},
		{"none other name same cc warns", built("none", "8.6", a10.Name), Machine{a40, "10.16.0"}, "", "built on NVIDIA A10 and runs on NVIDIA A40"},
		{"none other cc", built("none", "8.6", a10.Name), Machine{l4, "10.16.0"}, "built for compute capability 8.6 (NVIDIA A10) with --hw-compat none, but this GPU is NVIDIA L4 with compute capability 8.9", ""},
		{"none other TensorRT", built("none", "8.6", a10.Name), Machine{a10, "10.15.1"}, "built with TensorRT 10.16.0, but this segtrt loaded TensorRT 10.15.1", ""},
		{"none empty level means none", built("", "8.6", a10.Name), Machine{l4, "10.16.0"}, "compute capability 8.6", ""},
		{"same-cc other name no warning", built("same-cc", "8.6", a10.Name), Machine{a40, "10.16.0"}, "", ""},
		{"same-cc other cc", built("same-cc", "8.6", a10.Name), Machine{a100, "10.16.0"}, "--hw-compat same-cc for compute capability 8.6, but this GPU (NVIDIA A100-SXM4-40GB) has 8.0", ""},
		{"ampere+ on newer", built("ampere+", "8.0", a100.Name), Machine{l4, "10.16.0"}, "", ""},
		{"ampere+ on 8.0", built("ampere+", "8.6", a10.Name), Machine{a100, "10.16.0"}, "", ""},
		{"ampere+ on turing", built("ampere+", "8.6", a10.Name), Machine{t4, "10.16.0"}, "needs compute capability 8.0 or newer, but this GPU (Tesla T4) has 7.5", ""},
		{"ampere+ still needs the same TensorRT", built("ampere+", "8.6", a10.Name), Machine{l4, "11.1.0"}, "TensorRT 10.16.0", ""},
		{"no GPU", built("none", "8.6", a10.Name), Machine{none, "10.16.0"}, "no GPU found", ""},
		{"unknown level", built("everything", "8.6", a10.Name), Machine{a10, "10.16.0"}, `hardware compatibility "everything"`, ""},
		{"bad metadata cc", built("none", "eight", a10.Name), Machine{a10, "10.16.0"}, "metadata: compute capability", ""},
		{"turing rebuild hint", built("none", "8.6", a10.Name), Machine{t4, "10.16.0"}, "--hw-compat same-cc", ""},
		{"unknown TensorRT is not checked", built("none", "8.6", a10.Name), Machine{a10, ""}, "", ""},
	}
	for _, c := range cases {
		warns, err := Check("m.engine", c.meta, c.machine)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: got %v, want error with %q", c.name, err, c.wantErr)
		}
		joined := strings.Join(warns, "\n")
		if (c.wantWarn == "") != (len(warns) == 0) || !strings.Contains(joined, c.wantWarn) {
			t.Errorf("%s: warnings %q, want %q", c.name, warns, c.wantWarn)
		}
	}
}

func TestParseCC(t *testing.T) {
	for _, s := range []string{"", "8", "8.x", "-1.0", "a.b"} {
		if _, err := ParseCC(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	c, err := ParseCC(" 9.0 ")
	if err != nil || c != (CC{9, 0}) || c.String() != "9.0" || !(CC{8, 9}).Less(c) || c.Less(Ampere) {
		t.Fatalf("%v %v", c, err)
	}
}
