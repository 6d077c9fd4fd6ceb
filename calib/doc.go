// Package calib is INT8 calibration: histograms of activations, the four calibration methods, the TensorRT calibration cache and the Q/DQ plan (issue 6).
//
// Nothing is implemented here yet; see ../shared/DESIGN.md for the contract.
package calib
