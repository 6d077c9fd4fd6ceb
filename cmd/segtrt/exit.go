package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/validate"
)

// Exit codes, a contract with release pipelines (DESIGN.md).
const (
	exitOK           = 0
	exitError        = 1
	exitUsage        = 2
	exitTargetMissed = 3
)

// exitCode is the one place where errors become exit codes.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, validate.ErrTargetMissed):
		return exitTargetMissed
	case usage.Is(err):
		return exitUsage
	default:
		return exitError
	}
}

// report prints err as one line on stderr and returns its exit code.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
	}
	// One line: pipelines grep stderr, and multi-line messages get cut.
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
	fmt.Fprintf(stderr, "segtrt: %s\n", msg)
	return exitCode(err)
}
