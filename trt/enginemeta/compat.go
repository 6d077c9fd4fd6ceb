package enginemeta

import (
	"fmt"
	"strconv"
	"strings"
)

// Machine is what the compatibility check needs to know of the machine
// about to run an engine.
type Machine struct {
	GPU GPU
	// TensorRT is the loaded library's version, e.g. "10.16.0".
	TensorRT string
}

// CC is a compute capability.
type CC struct{ Major, Minor int }

// ParseCC reads "8.6".
func ParseCC(s string) (CC, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ".")
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return CC{}, fmt.Errorf("compute capability %q: want MAJOR.MINOR, e.g. 8.6", s)
	}
	return CC{major, minor}, nil
}

func (c CC) String() string { return fmt.Sprintf("%d.%d", c.Major, c.Minor) }

// Less orders compute capabilities.
func (c CC) Less(d CC) bool { return c.Major < d.Major || (c.Major == d.Major && c.Minor < d.Minor) }

// Ampere is the oldest compute capability an ampere+ engine runs on.
var Ampere = CC{8, 0}

// Check applies the compatibility rules of the engine's hardware
// compatibility level (docs/engine-json.md) before it is deserialised:
//
//   - none: the same compute capability and TensorRT version; another GPU
//     name with the same compute capability only warns;
//   - same-cc: the same compute capability;
//   - ampere+: compute capability 8.0 or newer.
//
// At every level the TensorRT version must also be the one that built the
// engine: hardware compatibility does not make an engine portable across
// TensorRT versions (that would take a version-compatible build, which
// segtrt does not make), and TensorRT's own refusal is far less clear.
// engine names the engine in messages.
func Check(engine string, m *Metadata, mach Machine) (warnings []string, err error) {
	built, err := ParseCC(m.GPU.ComputeCapability)
	if err != nil {
		return nil, fmt.Errorf("%s: metadata: %v", engine, err)
	}
	if mach.GPU.ComputeCapability == "" {
		return nil, fmt.Errorf("%s: no GPU found to run it on (built for %s, compute capability %s)", engine, m.GPU.Name, built)
	}
	here, err := ParseCC(mach.GPU.ComputeCapability)
	if err != nil {
		return nil, fmt.Errorf("this GPU: %v", err)
	}
	rebuild := fmt.Sprintf("rebuild it here with segtrt build (or pass --hw-compat %s for portable engines)", suggestLevel(here))
	switch m.HWCompat {
	case "none", "":
		if here != built {
			return nil, fmt.Errorf("%s was built for compute capability %s (%s) with --hw-compat none, but this GPU is %s with compute capability %s: %s",
				engine, built, m.GPU.Name, mach.GPU.Name, here, rebuild)
		}
		if mach.GPU.Name != m.GPU.Name {
			warnings = append(warnings, fmt.Sprintf("%s was built on %s and runs on %s (same compute capability %s): kernels were tuned for the other GPU, so speed may differ",
				engine, m.GPU.Name, mach.GPU.Name, here))
		}
	case "same-cc":
		if here != built {
			return nil, fmt.Errorf("%s was built with --hw-compat same-cc for compute capability %s, but this GPU (%s) has %s: %s",
				engine, built, mach.GPU.Name, here, rebuild)
		}
	case "ampere+":
		if here.Less(Ampere) {
			return nil, fmt.Errorf("%s was built with --hw-compat ampere+, which needs compute capability 8.0 or newer, but this GPU (%s) has %s: rebuild it here with --hw-compat none",
				engine, mach.GPU.Name, here)
		}
	default:
		return nil, fmt.Errorf("%s: metadata names hardware compatibility %q (want none, ampere+ or same-cc)", engine, m.HWCompat)
	}
	if mach.TensorRT != "" && mach.TensorRT != m.TensorRT {
		return nil, fmt.Errorf("%s was built with TensorRT %s, but this segtrt loaded TensorRT %s: engines run only on the TensorRT version that built them; rebuild it with segtrt build",
			engine, m.TensorRT, mach.TensorRT)
	}
	return warnings, nil
}

func suggestLevel(here CC) string {
	if here.Less(Ampere) {
		return "same-cc"
	}
	return "ampere+"
}
