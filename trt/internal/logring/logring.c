// The ring buffer's C source lives with the shim (cgo/logring.c); cgo
// compiles only a package's own files, hence this include. It needs no
// TensorRT or CUDA header, so it is built in every configuration.
#include "../../../cgo/logring.c"
