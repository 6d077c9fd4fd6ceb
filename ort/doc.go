// Package ort is the ONNX Runtime CPU runner: library discovery and sessions (issue 5).
//
// Nothing is implemented here yet; see ../shared/DESIGN.md for the contract.
package ort
