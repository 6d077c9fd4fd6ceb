// Package usage marks errors that come from how a command was called
// (bad flags, contradictory options) rather than from the data it read.
// cmd/segtrt maps them to exit code 2.
package usage

import (
	"errors"
	"fmt"
)

// Error is a usage error: the caller asked for something that cannot be
// done as asked.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf formats a usage error.
func Errorf(format string, args ...any) error {
	return &Error{Err: fmt.Errorf(format, args...)}
}

// Is reports whether err (or anything it wraps) is a usage error.
func Is(err error) bool {
	var u *Error
	return errors.As(err, &u)
}
