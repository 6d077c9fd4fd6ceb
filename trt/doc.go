// Package trt holds the Go TensorRT API behind the tensorrt build tag; without the tag every call returns a clear built-without-TensorRT error (issue 8).
//
// Nothing is implemented here yet; see ../shared/DESIGN.md for the contract.
package trt
