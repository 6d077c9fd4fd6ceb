// Package fserr trims file-system errors for one-line messages: callers
// name the file themselves ("model.onnx: no such file or directory"), so
// the path inside *os.PathError or *os.LinkError would only repeat it, or
// name a temporary file the user never asked for.
package fserr

import (
	"errors"
	"os"
)

// Reason returns err without the path it names, when it is a path or link
// error; otherwise err itself.
func Reason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
