// Package validate is segtrt's release gate: it streams a Cityscapes split
// through a runner, scores the predictions the way Cityscapes' own
// evaluation does (one confusion matrix over the split at ground-truth
// resolution; IoU = TP/(TP+FP+FN); mIoU over classes with TP+FP+FN > 0),
// times the runner, checks targets and writes reports.
//
// A pass (pipeline.go) overlaps three stages: decoding runs ahead on all
// cores (dataset), inference lanes take images as they come, and two
// workers score them. On ONNX Runtime each lane is a session of its own
// with a share of the cores (two lanes on two or more cores: one session
// with every core idles threads at each op's barrier); the extra sessions
// live for the pass only, so peak memory is about two sessions' working
// memory plus three copies of the weights. TensorRT has one lane, the
// engine's own runner. Lanes are warmed up before the pass is timed.
//
// The numerics live in ConfusionMatrix (confusion.go), Predict (argmax.go,
// with the argmax kernel in internal/argmax) and Latency (latency.go);
// Targets (targets.go) reads targets.yaml.
package validate
