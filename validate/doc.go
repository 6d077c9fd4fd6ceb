// Package validate is segtrt's release gate: it streams a Cityscapes split
// through a runner, scores the predictions the way Cityscapes' own
// evaluation does (one confusion matrix over the split at ground-truth
// resolution; IoU = TP/(TP+FP+FN); mIoU over classes with TP+FP+FN > 0),
// times the runner, checks targets and writes reports.
//
// The numerics live in ConfusionMatrix (confusion.go), Predict (argmax.go)
// and Latency (latency.go); Targets (targets.go) reads targets.yaml.
package validate
