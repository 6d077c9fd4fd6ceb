package dataset

import "errors"

// Problems the loader and `segtrt dataset check` report. Each reaches the
// caller wrapped in a *FileError that names the file, so errors.Is tells the
// kind and Error() reads as one line: "PATH: problem (details)".
var (
	ErrMissingSplit = errors.New("split folder is missing")
	ErrEmptySplit   = errors.New("split folder has no city folders")
	ErrEmptyCity    = errors.New("city folder has no *_leftImg8bit.png images")
	ErrNoLabel      = errors.New("image has no *_gtFine_labelIds.png or *_gtFine_labelTrainIds.png label")
	ErrNoImage      = errors.New("label has no *_leftImg8bit.png image")
	ErrCorruptPNG   = errors.New("not a readable PNG")
	ErrLabelFormat  = errors.New("label PNG must be 8-bit grayscale")
	ErrSizeMismatch = errors.New("label size differs from image size")
	ErrUnknownID    = errors.New("label holds values that are not Cityscapes label ids")
)

// FileError is a problem with one file or folder of a data set.
type FileError struct {
	Path string // as found on disk, joined to the data set root
	Err  error  // wraps one of the Err* values above, or an I/O error
}

func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }
