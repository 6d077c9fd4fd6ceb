// Package ort runs ONNX models on the CPU with ONNX Runtime, through
// github.com/yalue/onnxruntime_go. It finds the shared library (see Find),
// makes sessions with one intra-op thread per core and full graph
// optimisation, and runs float32 NCHW inputs without copying them.
//
// Start with Init, then NewSession and Session.Run.
package ort
