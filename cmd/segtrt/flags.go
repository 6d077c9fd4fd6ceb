package main

import (
	"github.com/spf13/pflag"

	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/onnx/shapes"
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

// preprocessFlags are shared by calibrate and validate (DESIGN.md).
type preprocessFlags struct {
	inputShapes []string
	mean, std   []float64
	bgr         bool
	ortLib      string
}

func (p *preprocessFlags) add(fs *pflag.FlagSet) {
	fs.StringArrayVar(&p.inputShapes, "input-shape", nil, "input shape NAME:1x3xHxW, for models with dynamic dimensions")
	fs.Float64SliceVar(&p.mean, "mean", []float64{0.485, 0.456, 0.406}, "per-channel mean, RGB order, 0..1 scale")
	fs.Float64SliceVar(&p.std, "std", []float64{0.229, 0.224, 0.225}, "per-channel standard deviation, RGB order, 0..1 scale")
	fs.BoolVar(&p.bgr, "bgr", false, "feed channels to the model in BGR order")
	fs.StringVar(&p.ortLib, "ort-lib", "", "path of libonnxruntime.so.1 (else $SEGTRT_ORT_LIB, next to the binary, the make deps copy, system paths)")
}

// parse checks the values and returns input shapes, mean and std.
func (p *preprocessFlags) parse() (map[string][]int64, [3]float32, [3]float32, error) {
	var mean, std [3]float32
	shapes, err := parseInputShapes(p.inputShapes)
	if err != nil {
		return nil, mean, std, err
	}
	if len(p.mean) != 3 || len(p.std) != 3 {
		return nil, mean, std, usage.Errorf("--mean and --std take three values (R,G,B)")
	}
	for i := range mean {
		if p.std[i] <= 0 {
			return nil, mean, std, usage.Errorf("--std values must be positive, got %v", p.std)
		}
		mean[i], std[i] = float32(p.mean[i]), float32(p.std[i])
	}
	return shapes, mean, std, nil
}
