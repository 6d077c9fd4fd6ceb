// Package validate is the release gate: confusion matrices, IoU and mIoU, latency statistics, targets and reports (issue 5).
//
// Nothing is implemented here yet; see ../shared/DESIGN.md for the contract.
package validate
