package export

import (
	"fmt"
	"io"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
)

// fp16Result is --fp16's output: the FP16 model (written to --out) was
// converted in place; its CPU emulation goes beside it.
type fp16Result struct {
	summary       passes.FP16Summary
	emulation     *onnxio.Model
	emulationPath string
}

// EmulationPath is where export --fp16 writes the float32 emulation of
// the FP16 model at out: M.fp16.onnx -> M.fp16.emu.onnx.
func EmulationPath(out string) string {
	return strings.TrimSuffix(out, ".onnx") + ".emu.onnx"
}

// convertFP16 makes the FP16 model (m, in place) and its emulation, and
// checks that both still index and infer.
func convertFP16(m *onnxio.Model, opts Options) (*fp16Result, error) {
	emu := &onnxio.Model{Proto: proto.Clone(m.Proto).(*onnxpb.ModelProto)}
	r := &fp16Result{emulation: emu, emulationPath: EmulationPath(opts.Out)}
	for _, job := range []struct {
		model   *onnxio.Model
		emulate bool
		what    string
	}{{m, false, "FP16 model"}, {emu, true, "FP16 emulation"}} {
		g, res, _, err := index(job.model, opts.InputShapes)
		if err != nil {
			return nil, err
		}
		sum, err := passes.ConvertFP16(job.model.Proto, g, res, passes.FP16Options{Emulate: job.emulate})
		if err != nil {
			return nil, err
		}
		if _, _, _, err := index(job.model, opts.InputShapes); err != nil {
			return nil, fmt.Errorf("%s: %w", job.what, err)
		}
		if !job.emulate {
			r.summary = sum
		}
	}
	return r, nil
}

func (r *fp16Result) print(w io.Writer, out string) {
	s := r.summary
	fmt.Fprintf(w, "  fp16: %d nodes in float16, %d weights converted, %d casts; inputs and outputs stay float32\n", s.Half, s.Initializers, s.Casts)
	if len(s.Kept) > 0 {
		fmt.Fprintf(w, "  fp16: kept in float32: %s\n", passes.FP16KeptSummary(s.Kept))
		for _, k := range s.Kept {
			fmt.Fprintf(w, "    %s\n", k)
		}
	}
	if s.Clamped > 0 {
		fmt.Fprintf(w, "  fp16: %d weights beyond float16's range clamped to 65504\n", s.Clamped)
	}
	fmt.Fprintf(w, "  fp16: CPU emulation (float32, rounded to float16 where %s is) written to %s; validate it with --backend ort\n", out, r.emulationPath)
}
