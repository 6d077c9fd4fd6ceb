#!/usr/bin/env bash
# make gpu-check: builds plugins/gpucheck (the plugin kernels plus a CUDA
# harness, no TensorRT) with the local nvcc, and on a machine with a GPU runs
# it: correctness against the CPU twins, speed against the copy bandwidth,
# compute-sanitizer's memcheck and racecheck on the small cases. Writes
# $OUT/gpu-check.json and $OUT/gpu-check.txt. Needs no network and no
# make deps: only nvcc, a host compiler it accepts, and (to run) a GPU.
#
# Without a GPU it builds, says "no GPU: built, not run", and exits 0.
# Exit status otherwise: 0 when every case is within tolerance and the
# sanitizers found 0 errors (or could not run), 1 when not, 2 on a failure
# to build or run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${GPU_CHECK_OUT:-$ROOT/out/gpu-check}
mkdir -p "$OUT"
BIN=$OUT/gpu-check

NVCC=${NVCC:-}
if [ -z "$NVCC" ]; then
	NVCC=$(command -v nvcc || true)
	[ -n "$NVCC" ] || [ ! -x /usr/local/cuda/bin/nvcc ] || NVCC=/usr/local/cuda/bin/nvcc
fi
if [ -z "$NVCC" ]; then
	echo "gpu-check: nvcc not found (make cuda-toolkit installs Debian's; or set NVCC)" >&2
	exit 2
fi

# The GPU's own architecture when one is visible, else the oldest one
# current toolkits build for (a compile check only).
ARCH=
if command -v nvidia-smi >/dev/null 2>&1; then
	ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .' || true)
fi
case "$ARCH" in
'' | *[!0-9]*) ARCH=75 ;;
esac

SRC=(
	"$ROOT/plugins/gpucheck/gpuCheck.cu"
	"$ROOT/plugins/spgexcite/spgExciteKernel.cu"
	"$ROOT/plugins/avgpoolinfer/avgPoolInferKernel.cu"
)
# No fast math, as in plugins.mk: the kernels must round as the twins do.
FLAGS=(-O3 -std=c++17 -gencode "arch=compute_$ARCH,code=sm_$ARCH" -lineinfo -Xcompiler -Wall,-Wextra)

# The host compiler: nvcc's default where it accepts it (CUDA 12 and 13
# take Debian's GCC 12), else g++-11 (CUDA 11.8 stops at GCC 11).
build() {
	"$NVCC" "${FLAGS[@]}" "$@" "${SRC[@]}" -o "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
}
echo "gpu-check: building with $NVCC ($("$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')) for sm_$ARCH"
if ! build 2>"$OUT/build.log"; then
	if command -v g++-11 >/dev/null 2>&1 && build -ccbin g++-11 2>"$OUT/build.log"; then
		:
	else
		cat "$OUT/build.log" >&2
		echo "gpu-check: build failed" >&2
		exit 2
	fi
fi

if ! probe=$("$BIN" --probe); then
	echo "gpu-check: no GPU: built, not run ($probe)"
	exit 0
fi

# compute-sanitizer on the odd-size cases. "unavailable" (it did not start,
# or refused the device) is not "0 errors".
SANITIZER=${COMPUTE_SANITIZER:-$(command -v compute-sanitizer || true)}
[ -n "$SANITIZER" ] || [ ! -x /usr/local/cuda/bin/compute-sanitizer ] || SANITIZER=/usr/local/cuda/bin/compute-sanitizer
sanitize() {
	local tool=$1 log=$OUT/sanitizer-$1.log
	if [ -z "$SANITIZER" ]; then
		echo "sanitizer unavailable (compute-sanitizer not found)"
		return
	fi
	timeout 120 "$SANITIZER" --tool "$tool" --error-exitcode 10 "$BIN" --small >"$log" 2>&1 || true
	local summary
	summary=$(grep -o 'ERROR SUMMARY: [0-9]* error' "$log" | tail -1 | grep -o '[0-9]*' || true)
	if [ -n "$summary" ] && grep -q '^case' "$log"; then
		echo "$summary errors"
	else
		echo "sanitizer unavailable ($(grep -m1 -i 'error\|not supported' "$log" | cut -c1-120 || echo "no summary"))"
	fi
}
MEMCHECK=$(sanitize memcheck)
RACECHECK=$(sanitize racecheck)

status=0
timeout 240 "$BIN" --json "$OUT/gpu-check.json" --memcheck "$MEMCHECK" --racecheck "$RACECHECK" | tee "$OUT/gpu-check.txt" || status=$?
for s in "$MEMCHECK" "$RACECHECK"; do
	case "$s" in
	"0 errors" | "sanitizer unavailable"*) ;;
	*) [ "$status" -ne 0 ] || status=1 ;;
	esac
done
echo "gpu-check: $OUT/gpu-check.json, $OUT/gpu-check.txt"
exit "$status"
