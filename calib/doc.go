// Package calib computes INT8 calibration: per-tensor histograms of |x|
// collected on calibration images (Histogram), the ranges four methods
// choose from them (EntropyAmax, PercentileAmax, MinMaxAmax, MSEAmax),
// per-channel weight ranges, and TensorRT's legacy calibration cache
// (WriteCache, ReadCache). Scales are amax/127, symmetric, zero point 0.
package calib
