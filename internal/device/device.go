// Package device describes the machine a measurement ran on: CPU model and
// cores, and NVIDIA GPUs through NVML when a driver is present. "No GPU"
// is an ordinary answer, not an error.
package device

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Facts are written into every report.
type Facts struct {
	CPU   string `json:"cpu"`
	Cores int    `json:"cores"`
	OS    string `json:"os"`
	GPUs  []GPU  `json:"gpus"`
	// GPUNote says why GPUs is empty (no driver, NVML error).
	GPUNote string `json:"gpu_note,omitempty"`
}

// GPU is one device as NVML (or, without it, CUDA) reports it; fields a
// source does not give are zero and left out of JSON.
type GPU struct {
	Name              string `json:"name"`
	UUID              string `json:"uuid"`
	ComputeCapability string `json:"compute_capability"`
	MemoryMiB         uint64 `json:"memory_mib,omitempty"`
	SMClockMHz        uint32 `json:"sm_clock_mhz,omitempty"`
	MemClockMHz       uint32 `json:"mem_clock_mhz,omitempty"`
	Driver            string `json:"driver"`
}

// Probe gathers the facts of this machine.
func Probe() Facts {
	f := Facts{CPU: cpuModel(), Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GPUs: []GPU{}}
	f.GPUs, f.GPUNote = gpus()
	return f
}

func cpuModel() string {
	file, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// gpus asks NVML; a missing driver library is the usual "no GPU" case.
func gpus() (out []GPU, note string) {
	out = []GPU{}
	defer func() {
		// go-nvml resolves symbols lazily; never let a broken driver take
		// the report down.
		if r := recover(); r != nil {
			out, note = []GPU{}, "NVML failed"
		}
	}()
	if ret := nvml.Init(); ret != nvml.SUCCESS {
		return out, "no GPU: NVML unavailable (" + nvml.ErrorString(ret) + ")"
	}
	defer nvml.Shutdown()
	driver, _ := nvml.SystemGetDriverVersion()
	n, ret := nvml.DeviceGetCount()
	if ret != nvml.SUCCESS || n == 0 {
		return out, "no GPU: NVML found no devices"
	}
	for i := 0; i < n; i++ {
		d, ret := nvml.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			continue
		}
		g := GPU{Driver: driver}
		g.Name, _ = d.GetName()
		g.UUID, _ = d.GetUUID()
		if major, minor, ret := d.GetCudaComputeCapability(); ret == nvml.SUCCESS {
			g.ComputeCapability = strconv.Itoa(major) + "." + strconv.Itoa(minor)
		}
		if mem, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
			g.MemoryMiB = mem.Total >> 20
		}
		g.SMClockMHz, _ = d.GetClockInfo(nvml.CLOCK_SM)
		g.MemClockMHz, _ = d.GetClockInfo(nvml.CLOCK_MEM)
		out = append(out, g)
	}
	return out, ""
}
