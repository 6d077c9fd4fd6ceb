package main

import (
	"github.com/spf13/pflag"

	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/onnx/shapes"
)

// parseInputShapes reads repeated --input-shape NAME:1x3xHxW flags.
func parseInputShapes(flags []string) (map[string][]int64, error) {
	return parseShapeFlags("input-shape", flags)
}

// parseShapeFlags reads repeated NAME:1x3xHxW values of one flag.
func parseShapeFlags(flag string, values []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	for _, v := range values {
		name, dims, err := shapes.ParseInputShape(v)
		if err != nil {
			return nil, usage.Errorf("--%s: %v", flag, err)
		}
		if _, dup := out[name]; dup {
			return nil, usage.Errorf("--%s: input %q given twice", flag, name)
		}
		out[name] = dims
	}
	return out, nil
}

// preprocessFlags are shared by calibrate and validate: how images become
// the network's input, and where ONNX Runtime is.
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

// preprocess is what preprocessFlags parse to.
type preprocess struct {
	inputShapes map[string][]int64
	mean, std   [3]float32
	bgr         bool
	ortLib      string
}

// parse checks the values.
func (p *preprocessFlags) parse() (preprocess, error) {
	var out preprocess
	var err error
	if out.inputShapes, err = parseInputShapes(p.inputShapes); err != nil {
		return out, err
	}
	if len(p.mean) != 3 || len(p.std) != 3 {
		return out, usage.Errorf("--mean and --std take three values (R,G,B)")
	}
	for i := range out.mean {
		if p.std[i] <= 0 {
			return out, usage.Errorf("--std values must be positive, got %v", p.std)
		}
		out.mean[i], out.std[i] = float32(p.mean[i]), float32(p.std[i])
	}
	out.bgr, out.ortLib = p.bgr, p.ortLib
	return out, nil
}
