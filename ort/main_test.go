package ort

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
)

// TestMain lets a plain `go test ./...` find the library `make deps`
// installed, as a binary built by `make build` does.
func TestMain(m *testing.M) {
	if installedLibrary == "" {
		installedLibrary = filepath.Join(testmodels.Root(), ".deps", "onnxruntime", LibraryName)
	}
	os.Exit(m.Run())
}
