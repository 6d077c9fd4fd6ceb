// Package interrupt turns SIGINT and SIGTERM into a cancelled context: the
// first signal cancels the run (with the signal as the cause), so every
// stage stops, removes its temporary files and writes no output; a second
// signal exits at once. Exit codes follow the shell's 128 + signal: 130 for
// SIGINT, 143 for SIGTERM.
//
// Stage is the test hook: a test sets SEGTRT_TEST_SIGNAL_AT=name (or
// name:TERM) and the process signals itself when that stage starts, so
// interrupt tests need no sleeps.
package interrupt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Signal is the cause of a context cancelled by a signal.
type Signal struct{ os.Signal }

func (s Signal) Error() string { return "interrupted by " + name(s.Signal) }

// ExitCode is 128 + the signal's number.
func (s Signal) ExitCode() int {
	if n, ok := s.Signal.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

func name(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// Context returns a context the first SIGINT or SIGTERM cancels, with a
// Signal as its cause; a second one exits the process at once with its
// exit code. stop releases the signals.
func Context(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			cancel(Signal{s})
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(os.Stderr, "segtrt: %s again: exiting now\n", name(s))
			os.Exit(Signal{s}.ExitCode())
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// Cause is the signal that cancelled ctx, if one did.
func Cause(ctx context.Context) (Signal, bool) {
	var s Signal
	ok := errors.As(context.Cause(ctx), &s)
	return s, ok
}

// EnvTestSignal names the stage at which the process signals itself, and
// EnvTestSignalLog a file Stage writes the time it did so into.
const (
	EnvTestSignal    = "SEGTRT_TEST_SIGNAL_AT"
	EnvTestSignalLog = "SEGTRT_TEST_SIGNAL_LOG"
)

// Stage marks the start of a named stage of a command (calibrate.collect,
// validate.pass, ...). Outside tests it does nothing.
func Stage(name string) {
	at := os.Getenv(EnvTestSignal)
	if at == "" {
		return
	}
	stage, sig, _ := strings.Cut(at, ":")
	if stage != name {
		return
	}
	s := syscall.SIGINT
	if sig == "TERM" {
		s = syscall.SIGTERM
	}
	if log := os.Getenv(EnvTestSignalLog); log != "" {
		os.WriteFile(log, []byte(time.Now().Format(time.RFC3339Nano)), 0o644)
	}
	syscall.Kill(os.Getpid(), s)
}
