// Package enginebuild builds TensorRT engines from ONNX models: it checks
// the options against the model before TensorRT is touched (options.go,
// model.go), builds through package trt (or a fake Backend in tests) and
// writes the engine, E.engine.json and the timing cache atomically
// (run.go).
package enginebuild

import (
	"fmt"
	"slices"
	"strings"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/trt"
)

// Precisions a build accepts.
var Precisions = []string{"fp32", "fp16", "int8", "best"}

// ParsePrecision reads a precision ("" is fp32).
func ParsePrecision(s string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(s))
	if p == "" {
		return "fp32", nil
	}
	if !slices.Contains(Precisions, p) {
		return "", fmt.Errorf("%q: want fp32, fp16, int8 or best", s)
	}
	return p, nil
}

// Profile is one optimisation profile's shapes by input name.
type Profile map[string]trt.ProfileInput

// Check says whether every input's dimensions satisfy min <= opt <= max
// at one rank.
func (p Profile) Check() error {
	for _, in := range p.Inputs() {
		if len(in.Min) != len(in.Opt) || len(in.Max) != len(in.Opt) {
			return opterr.Errorf("input %q: {ProfileMin}, {Profile} and {ProfileMax} have different ranks (%s, %s, %s)",
				in.Name, shapes.FormatShape(in.Min), shapes.FormatShape(in.Opt), shapes.FormatShape(in.Max))
		}
		for i := range in.Opt {
			if in.Min[i] > in.Opt[i] || in.Opt[i] > in.Max[i] {
				return opterr.Errorf("input %q: dimension %d needs min <= opt <= max, got %d, %d, %d",
					in.Name, i, in.Min[i], in.Opt[i], in.Max[i])
			}
		}
	}
	return nil
}

// Inputs lists the profile's inputs sorted by name.
func (p Profile) Inputs() []trt.ProfileInput {
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]trt.ProfileInput, len(names))
	for i, n := range names {
		out[i] = p[n]
	}
	return out
}
