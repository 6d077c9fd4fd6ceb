//go:build tensorrt

// cgo compiles only the C++ files of a package's own folder; the shim lives
// in ../cgo. Tagged, so the default build never needs TensorRT's headers.
#include "../cgo/builder.cpp"
