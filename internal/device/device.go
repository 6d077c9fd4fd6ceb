// Package device describes the machine a measurement ran on: CPU model and
// cores, and NVIDIA GPUs through NVML when a driver is present. "No GPU"
// is an ordinary answer, not an error.
package device

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/segtrt/segtrt/internal/libfind"
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

// EnvNVMLLib names NVML's library (a file or its folder), searched first.
const EnvNVMLLib = "SEGTRT_NVML_LIB"

const nvmlName = "libnvidia-ml.so.1"

// nvmlPath finds NVML the way segtrt finds every library (libfind: the
// variable, the binary's folder, absolute LD_LIBRARY_PATH entries, the
// system folders), then by bare name through ld.so.cache, but only when
// LD_LIBRARY_PATH has no relative entry: a stray copy in the current
// folder must never be loaded (its constructor runs on dlopen).
func nvmlPath(e libfind.Env) (string, bool) {
	if p, _ := e.FindFile(nvmlName, "", EnvNVMLLib); p != "" {
		return p, true
	}
	if v := e.Getenv(EnvNVMLLib); v != "" {
		return "", false // named, and not there: no guessing
	}
	for _, d := range filepath.SplitList(e.Getenv("LD_LIBRARY_PATH")) {
		if !filepath.IsAbs(d) {
			return "", false
		}
	}
	return nvmlName, true
}

// nvmlSymbols are the entry points go-nvml calls here. A library without
// one would not fail a call: the dynamic linker ends the process (exit 127)
// when the lazily bound symbol is first used, so they are checked first.
var nvmlSymbols = []string{"nvmlInit", "nvmlInit_v2", "nvmlShutdown", "nvmlErrorString", "nvmlSystemGetDriverVersion",
	"nvmlDeviceGetCount_v2", "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetName", "nvmlDeviceGetUUID",
	"nvmlDeviceGetCudaComputeCapability", "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetClockInfo"}

// missingSymbols lists the NVML entry points the ELF file at path does not
// export (none for a bare name, which the loader resolves).
func missingSymbols(path string) []string {
	if !filepath.IsAbs(path) {
		return nil
	}
	have, err := libfind.Exports(path, nvmlSymbols...)
	if err != nil {
		return []string{"everything: " + err.Error()}
	}
	var missing []string
	for _, n := range nvmlSymbols {
		if !have[n] {
			missing = append(missing, n)
		}
	}
	return missing
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
	path, ok := nvmlPath(libfind.OS)
	if !ok {
		return out, "no GPU: NVML unavailable (no " + nvmlName + " where segtrt looks; set " + EnvNVMLLib + ")"
	}
	if missing := missingSymbols(path); len(missing) > 0 {
		return out, "no GPU: " + path + " is not NVML (lacks " + strings.Join(missing, ", ") + ")"
	}
	lib := nvml.New(nvml.WithLibraryPath(path))
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return out, "no GPU: NVML unavailable (" + path + ": " + nvml.ErrorString(ret) + ")"
	}
	defer lib.Shutdown()
	driver, _ := lib.SystemGetDriverVersion()
	n, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS || n == 0 {
		return out, "no GPU: NVML found no devices"
	}
	for i := 0; i < n; i++ {
		d, ret := lib.DeviceGetHandleByIndex(i)
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
