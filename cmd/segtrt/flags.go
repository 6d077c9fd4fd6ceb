package main

import (
	"github.com/segtrt/segtrt/export/shapes"
	"github.com/segtrt/segtrt/internal/usage"
)

// parseInputShapes reads repeated --input-shape NAME:1x3xHxW flags.
func parseInputShapes(flags []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	for _, f := range flags {
		name, dims, err := shapes.ParseInputShape(f)
		if err != nil {
			return nil, usage.Errorf("--input-shape: %v", err)
		}
		if _, dup := out[name]; dup {
			return nil, usage.Errorf("--input-shape: %q given twice", name)
		}
		out[name] = dims
	}
	return out, nil
}
