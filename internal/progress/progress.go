// Package progress is how long-running work reports progress: the command
// layer hands the work a Reporter (a bar on a terminal, nothing elsewhere,
// so CI logs stay clean) and the work calls it.
package progress

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Reporter starts the report of total items and returns a function to
// call once per finished item and one to call when done. Both may be
// called from any goroutine. A nil Reporter reports nothing.
type Reporter func(total int) (step, done func())

// Start is r(total), or two functions that do nothing for a nil r.
func (r Reporter) Start(total int) (step, done func()) {
	if r == nil {
		return func() {}, func() {}
	}
	return r(total)
}

// Bar reports on a progress bar labelled what, drawn on w when w is a
// terminal; elsewhere it draws nothing.
func Bar(w io.Writer, what string) Reporter {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(total int) (step, done func()) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		return func() { bar.Add(1) }, func() { bar.Finish() }
	}
}
