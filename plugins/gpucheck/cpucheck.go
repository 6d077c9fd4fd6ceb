// Package gpucheck is the CPU side of `make gpu-check` (scripts/gpu-check.sh,
// gpuCheck.cu): on the harness's own cases, the plugins' CPU twins, which
// the GPU results are compared with, against a naive float64 reference.
package gpucheck

// #cgo CXXFLAGS: -O2 -std=c++17 -Wall -Wextra
// #include <stdlib.h>
// #include "cpucheck.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// CPUCheck runs the check and returns its table, one line per case, and
// an error when a case fails its tolerance.
func CPUCheck() (string, error) {
	const size = 1 << 16
	buf := (*C.char)(C.malloc(size))
	defer C.free(unsafe.Pointer(buf))
	failed := C.segtrt_gpucheck_cpu(buf, size)
	report := C.GoString(buf)
	if failed != 0 {
		return report, fmt.Errorf("%d cases outside their tolerance", int(failed))
	}
	return report, nil
}
