/* The harness's CPU-side check, for cgo (cpucheck.cpp). */
#ifndef SEGTRT_PLUGINS_GPUCHECK_CPUCHECK_H
#define SEGTRT_PLUGINS_GPUCHECK_CPUCHECK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Runs the CPU twins against the naive reference on every case of make
 * gpu-check but the large ones; writes one line per case into report and
 * returns the number of cases that failed. */
int segtrt_gpucheck_cpu(char* report, int size);

#ifdef __cplusplus
}
#endif

#endif
