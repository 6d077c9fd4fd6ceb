// shim.c: opening the TensorRT shim (libsegtrt_trtN.so) at run time and
// filling the table that shimtable.h's functions call through, as
// onnxruntime_go does with ONNX Runtime's C API. One shim at a time.
#include "shimtable.h"

#include <dlfcn.h>
#include <string.h>

segtrt_shim_table segtrt_shim;

static void* shim_handle;

static const char* const shim_symbols[SEGTRT_SHIM_NSYMBOLS] = {SEGTRT_SHIM_SYMBOLS};

const char* segtrt_shim_symbol(int i) { return i >= 0 && i < SEGTRT_SHIM_NSYMBOLS ? shim_symbols[i] : NULL; }

int segtrt_shim_nsymbols(void) { return SEGTRT_SHIM_NSYMBOLS; }

// segtrt_shim_open opens the library at path, resolves every entry point and
// checks its ABI version; only then is the table installed. It returns 0
// and the TensorRT headers' version the shim was built with, or -1 with msg
// saying why (dlopen's reason, the missing symbols, the ABI version).
int segtrt_shim_open(const char* path, int32_t* header_version, char* msg, size_t cap) {
	if (shim_handle != NULL) {
		snprintf(msg, cap, "a TensorRT shim is already open");
		return -1;
	}
	dlerror();
	void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char* err = dlerror();
		snprintf(msg, cap, "%s", err != NULL ? err : "dlopen failed");
		return -1;
	}
	segtrt_shim_table t;
	void** slots = (void**)&t;
	size_t missing = 0, used = 0;
	for (int i = 0; i < SEGTRT_SHIM_NSYMBOLS; i++) {
		// Function pointers and void* have one representation on every
		// platform dlsym exists on (POSIX requires it).
		slots[i] = dlsym(h, shim_symbols[i]);
		if (slots[i] != NULL) {
			continue;
		}
		if (missing++ == 0) {
			used = (size_t)snprintf(msg, cap, "%s lacks", path);
		}
		if (missing <= 3 && used < cap) {
			used += (size_t)snprintf(msg + used, cap - used, " %s", shim_symbols[i]);
		}
	}
	if (missing > 0) {
		if (used < cap) {
			if (missing > 3) {
				snprintf(msg + used, cap - used, " and %zu more: not a segtrt TensorRT shim", missing - 3);
			} else {
				snprintf(msg + used, cap - used, ": not a segtrt TensorRT shim of this version");
			}
		}
		dlclose(h);
		return -1;
	}
	const int32_t abi = t.segtrt_shim_abi_version();
	if (abi != SEGTRT_SHIM_ABI) {
		snprintf(msg, cap, "%s speaks shim ABI %d, this segtrt speaks %d: use the shim shipped with this segtrt", path,
		         (int)abi, SEGTRT_SHIM_ABI);
		dlclose(h);
		return -1;
	}
	*header_version = t.segtrt_header_version();
	segtrt_shim = t;
	shim_handle = h;
	return 0;
}

// segtrt_shim_close uninstalls the table and closes the library (after a
// shim whose TensorRT could not be loaded, so the next can be tried).
void segtrt_shim_close(void) {
	memset(&segtrt_shim, 0, sizeof segtrt_shim);
	if (shim_handle != NULL) {
		dlclose(shim_handle);
		shim_handle = NULL;
	}
}
