// Package opterr lets work say which of its options it cannot do as given,
// without knowing how a caller spells them: messages refer to an option by
// its Go field name in braces, as in
//
//	opterr.Errorf("{CalibCache} needs {Precision} int8 or best")
//
// The command layer renders those as its flag names, and reports an
// Errorf error as bad usage (the options cannot work as given) and a Hintf
// error as a failure whose remedy is an option; any other caller reads the
// field names.
package opterr

import (
	"errors"
	"fmt"
	"regexp"
)

// Error is an error whose message names options.
type Error struct {
	format string
	args   []any
	usage  bool
}

var ref = regexp.MustCompile(`\{([A-Z][A-Za-z0-9]*)\}`)

// Errorf formats an error about how options were set; {Field} in format
// names an option.
func Errorf(format string, args ...any) error { return &Error{format: format, args: args, usage: true} }

// Hintf formats an error from the data or the machine whose remedy is an
// option; {Field} in format names it.
func Hintf(format string, args ...any) error { return &Error{format: format, args: args} }

// Usage says whether the options were set wrong (Errorf).
func (e *Error) Usage() bool { return e.usage }

func (e *Error) Error() string { return e.Render(func(field string) string { return field }) }

// Render formats the message with each {Field} replaced by name(Field).
func (e *Error) Render(name func(field string) string) string {
	f := ref.ReplaceAllStringFunc(e.format, func(m string) string { return name(m[1 : len(m)-1]) })
	return fmt.Sprintf(f, e.args...)
}

// As finds an option error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
