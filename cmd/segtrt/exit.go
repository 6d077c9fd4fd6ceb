package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/validate"
)

// Exit codes, a contract with release pipelines (docs/exit-codes.md).
const (
	exitOK           = 0
	exitError        = 1
	exitUsage        = 2
	exitTargetMissed = 3
)

// flagOf spells the options that domain packages name in their messages
// (opterr's {Field}) as this command line's flags. Field names mean the
// same option in every command.
var flagOf = map[string]string{
	"InputShapes":      "--input-shape",
	"ORTLib":           "--ort-lib",
	"Out":              "--out",
	"Force":            "--force",
	"Device":           "--device",
	"Precision":        "--precision",
	"CalibCache":       "--calib-cache",
	"PluginLibs":       "--plugin-lib",
	"HWCompat":         "--hw-compat",
	"Profile":          "--opt",
	"ProfileMin":       "--min",
	"ProfileMax":       "--max",
	"ProfileRange":     "--min/--max",
	"Reference":        "--reference",
	"ReferenceReport":  "--reference-report",
	"SavePredictions":  "--save-predictions",
	"SaveOverlays":     "--save-overlays",
	"Split":            "--split",
	"Limit":            "--limit",
	"Shard":            "--shard",
	"Workspace":        "--workspace",
	"CUDAGraph":        "--cuda-graph",
	"Model":            "--model",
	"Data":             "--data",
	"Cache":            "--cache",
	"Report":           "--report",
	"ReportDir":        "--report",
	"Targets":          "--targets",
	"TimingCache":      "--timing-cache",
	"FromCache":        "--from-cache",
	"FromQDQ":          "--from-qdq",
	"Shards":           "shard report",
	"Backend":          "--backend",
	"SaveHistogramsTo": "--save-histograms-to",
	"MaxMIoUDrop":      "--max-miou-drop",
	"Parts":            "part",
}

func flagName(field string) string {
	if f, ok := flagOf[field]; ok {
		return f
	}
	return field
}

// spellOptions rewrites an error whose message names options (opterr) with
// this command line's flags; one about how they were set becomes a usage
// error.
func spellOptions(err error) error {
	oe, ok := opterr.As(err)
	if !ok {
		return err
	}
	msg := strings.Replace(err.Error(), oe.Error(), oe.Render(flagName), 1)
	if oe.Usage() {
		return usage.Errorf("%s", msg)
	}
	return errors.New(msg)
}

// exitCode is the one place where errors become exit codes.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, validate.ErrTargetMissed):
		return exitTargetMissed
	case usage.Is(err):
		return exitUsage
	default:
		return exitError
	}
}

// report prints err as one line on stderr and returns its exit code.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	err = spellOptions(err)
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
	}
	// One line: pipelines grep stderr, and multi-line messages get cut.
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", " ")), " ")
	fmt.Fprintf(stderr, "segtrt: %s\n", msg)
	return exitCode(err)
}
