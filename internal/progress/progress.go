// Package progress shows a progress bar for long work on a terminal and
// nothing elsewhere, so CI logs stay clean.
package progress

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar returns a function to call once per finished item (of n), and one
// to call when done. Both do nothing unless w is a terminal.
func Bar(w io.Writer, n int, what string) (step, done func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}, func() {}
	}
	bar := progressbar.NewOptions(n, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	return func() { bar.Add(1) }, func() { bar.Finish() }
}
