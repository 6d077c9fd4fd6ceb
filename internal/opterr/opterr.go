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
	"strings"
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
// %w formats its error as %v does (Unwrap returns it).
func (e *Error) Render(name func(field string) string) string {
	f := ref.ReplaceAllStringFunc(e.format, func(m string) string { return name(m[1 : len(m)-1]) })
	return fmt.Sprintf(strings.ReplaceAll(f, "%w", "%v"), e.args...)
}

// Unwrap returns the errors the format wraps with %w, as fmt.Errorf's
// errors do, so that errors.Is sees through an option error.
func (e *Error) Unwrap() []error {
	var out []error
	i := 0 // the argument the next verb formats
	for _, v := range verb.FindAllString(e.format, -1) {
		if v == "%%" {
			continue
		}
		if v == "%w" && i < len(e.args) {
			if err, ok := e.args[i].(error); ok {
				out = append(out, err)
			}
		}
		i++
	}
	return out
}

// verb matches the format's verbs in order (%% is no verb).
var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// As finds an option error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
