// Command segtrt takes semantic-segmentation networks from ONNX to TensorRT
// engines and gates their release on accuracy and speed targets.
//
// This package only wires flags: each command fills an Options struct and
// calls the owning package's Run. Errors become exit codes in exitCode.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return report(err, stderr)
}
