// Package calib computes INT8 calibration: per-tensor histograms of |x|
// collected on calibration images, the ranges (amax) four methods choose
// from them, per-channel weight ranges, the explicit Q/DQ model and
// TensorRT's legacy calibration cache. Scales are amax/127, symmetric,
// zero point 0.
//
// # Histograms
//
// Each activation gets 2048 bins of |x| over [0, 2048*w), edges[k] = k*w.
// The width w is the smallest power of two whose bins hold the largest |x|
// seen, so the maximum lands in the top half; as larger values arrive,
// pairs of bins merge. Because widths are powers of two, a histogram is
// the same whatever order its values were binned in, which lets every core
// bin every image at once and keeps outputs byte-identical for any thread
// count (see internal/binning).
//
// # Choosing amax
//
// The methods follow NVIDIA's reference implementation of TensorRT's
// calibrators, the histogram calibrator of its pytorch-quantization
// toolkit, given the same histogram:
//
//   - entropy: the search works on a copy of the counts in which bin 0
//     holds bin 1's count instead of its own. A ReLU sends about half of
//     its inputs to exactly zero; left in place, that spike dominates both
//     distributions and drags the threshold down until long-tailed
//     tensors are clipped to a few percent of their range. For every
//     candidate i from 128 to 2048, P is the copy's first i bins with the
//     counts of all later bins added to bin i-1, and Q is built from the
//     copy's first i bins alone: bin j belongs to level floor(j*128/i) of
//     128 (so levels straddle bins unevenly when i is not a multiple of
//     128), each level's total is shared evenly among its non-empty bins,
//     and empty bins stay empty. Candidates whose KL(P||Q) of the
//     normalised distributions is infinite (Q empty where P is not) or
//     undefined are skipped. Among the least divergences the last
//     candidate wins (divergences within 1e-12 of the least count as
//     equal: exact ties, such as a zero divergence for every candidate
//     past a distribution's end, differ only by rounding). amax = edges[i].
//   - percentile p: amax = edges[k] for the first bin k at which the
//     cumulative share of values reaches p/100 (the bin's lower edge).
//   - mse: each bin centre c_k, k = 128..2047, is a candidate amax; it
//     fake-quantises every bin centre (round half to even of c*127/amax,
//     clamped to [-128, 127], times amax/127), and the candidate with the
//     least count-weighted squared error wins, the first on ties. The
//     errors are compared exactly, in integers.
//   - minmax: amax = max |x|.
//
// No single method suits every network: entropy clips a tensor hard when
// its tail is long, minmax wastes resolution on outliers. Auto computes all
// four, builds each one's Q/DQ model, scores them by mIoU on images held
// out from the calibration split (never the split validate gates on), and
// keeps the best; methods within AutoTieMargin of it tie, and ties go to
// the first of entropy, percentile, mse, minmax.
//
// A tensor that is zero on every calibration image gets amax 1 and a
// warning; a method that finds no range for a tensor (percentile on one
// that is nearly all zeros) falls back to max |x|. No zero, subnormal or
// non-finite scale is ever written. A NaN or infinite activation stops
// the run, naming the tensor and the image.
//
// # calib.json
//
// `segtrt calibrate --report` writes Report: the method used (auto's
// choice), the percentile, the calibration images, per tensor its amax,
// scale (float32(amax/127), the cache's bits), signed min and max, every
// method's amax ("methods") and with --save-histograms the 2048 counts and
// 2049 edges; per weight its per-output-channel amax; under auto the
// held-out images and every method's score; the sensitivity search's
// record; and warnings, such as calibration images that also appear in the
// validation split.
package calib
