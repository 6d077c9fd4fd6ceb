// Package pins keeps the libraries named by DESIGN.md pinned in go.mod
// before the packages that use them land. Remove an import here once a real
// package imports that library.
package pins

import (
	_ "github.com/schollz/progressbar/v3"
	_ "gonum.org/v1/gonum/stat"
	_ "gonum.org/v1/plot"
)
