// Package score turns a segmentation network's logits into Cityscapes
// scores: the argmax prediction at label resolution (Predict, resizing
// smaller logits bilinearly as PyTorch's align_corners=False does), the
// confusion matrix over the 19 train classes, and IoU, mIoU and pixel
// accuracy by Cityscapes' rule. validate gates releases with it and calib
// scores Q/DQ models with it.
package score
