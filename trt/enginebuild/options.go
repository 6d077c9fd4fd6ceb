// Package enginebuild implements `segtrt build`: it checks every option
// and the ONNX model before TensorRT is touched (options.go, model.go,
// precision.go), builds through package trt (or a fake Backend in tests)
// and writes the engine, E.engine.json and the timing cache atomically
// (run.go).
package enginebuild

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/trt"
)

// Precisions accepted by --precision.
var Precisions = []string{"fp32", "fp16", "int8", "best"}

// ParsePrecision checks --precision.
func ParsePrecision(s string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(s))
	if p == "" {
		return "fp32", nil
	}
	if !slices.Contains(Precisions, p) {
		return "", usage.Errorf("--precision %q: want fp32, fp16, int8 or best", s)
	}
	return p, nil
}

// ParseSize reads a byte size: a plain number of bytes, or a number with a
// binary suffix (K, KiB, M, MiB, G, GiB, T, TiB) or a decimal one (KB, MB,
// GB, TB). Fractions are allowed with a suffix ("1.5GiB").
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	mult := 1.0
	num := t
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) && len(t) > len(u.suffix) {
			// Case-insensitive, but "kib" and "KiB" are the same.
			num, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) || (mult == 1 && v != math.Trunc(v)) {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, e.g. 512MiB, 2GiB, 1073741824", s)
	}
	bytes := v * mult
	if bytes >= math.MaxUint64 || bytes < 1 {
		return 0, fmt.Errorf("size %q is out of range", s)
	}
	return uint64(bytes), nil
}

// Profile is one optimisation profile's shapes by input name.
type Profile map[string]trt.ProfileInput

// ParseProfile reads repeated --min, --opt and --max NAME:1x3xHxW flags
// into one profile. --opt is required for every input named; --min and
// --max default to it. Every dimension must satisfy min <= opt <= max.
func ParseProfile(mins, opts, maxs []string) (Profile, error) {
	p := Profile{}
	read := func(flag string, list []string, set func(*trt.ProfileInput, []int64)) error {
		seen := map[string]bool{}
		for _, s := range list {
			name, dims, err := shapes.ParseInputShape(s)
			if err != nil {
				return usage.Errorf("--%s: %v", flag, err)
			}
			if seen[name] {
				return usage.Errorf("--%s: input %q given twice", flag, name)
			}
			seen[name] = true
			in := p[name]
			in.Name = name
			set(&in, dims)
			p[name] = in
		}
		return nil
	}
	if err := read("min", mins, func(in *trt.ProfileInput, d []int64) { in.Min = d }); err != nil {
		return nil, err
	}
	if err := read("opt", opts, func(in *trt.ProfileInput, d []int64) { in.Opt = d }); err != nil {
		return nil, err
	}
	if err := read("max", maxs, func(in *trt.ProfileInput, d []int64) { in.Max = d }); err != nil {
		return nil, err
	}
	for name, in := range p {
		if in.Opt == nil {
			return nil, usage.Errorf("input %q: --min/--max given without --opt %s:...", name, name)
		}
		if in.Min == nil {
			in.Min = in.Opt
		}
		if in.Max == nil {
			in.Max = in.Opt
		}
		if len(in.Min) != len(in.Opt) || len(in.Max) != len(in.Opt) {
			return nil, usage.Errorf("input %q: --min, --opt and --max have different ranks (%s, %s, %s)",
				name, shapes.FormatShape(in.Min), shapes.FormatShape(in.Opt), shapes.FormatShape(in.Max))
		}
		for i := range in.Opt {
			if in.Min[i] > in.Opt[i] || in.Opt[i] > in.Max[i] {
				return nil, usage.Errorf("input %q: dimension %d needs min <= opt <= max, got %d, %d, %d",
					name, i, in.Min[i], in.Opt[i], in.Max[i])
			}
		}
		p[name] = in
	}
	return p, nil
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
