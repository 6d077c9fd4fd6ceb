// Command segtrt takes semantic-segmentation networks from ONNX to TensorRT
// engines and gates their release on accuracy and speed targets.
//
// This package only wires flags: each command fills an Options struct and
// calls the owning package's Run. Errors become exit codes in exitCode.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/interrupt"
	"github.com/segtrt/segtrt/internal/usage"
)

func main() {
	// The first SIGINT or SIGTERM cancels the run; a second exits at once.
	ctx, stop := interrupt.Context(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Once interrupted, no output is committed: every file is written to a
	// temporary name and renamed into place by atomicfile, which asks this.
	atomicfile.Abort = func() error { return context.Cause(ctx) }
	defer func() { atomicfile.Abort = nil }()
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's own message for a command it does not know: bad usage.
		err = usage.Errorf("%v (see 'segtrt --help')", err)
	}
	// A signal that came after the work was done changes nothing: every
	// output was committed, and the run succeeded.
	if sig, ok := interrupt.Cause(ctx); ok && err != nil {
		fmt.Fprintf(stderr, "segtrt: %s: stopped, no output written\n", sig)
		return sig.ExitCode()
	}
	return report(err, stderr)
}
