package export

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/ort"
)

// relErr is max |a-b| over max |b|.
func relErr(a, b []float32) float64 {
	scale := 0.0
	for _, v := range b {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	return maxDiff(a, b) / math.Max(scale, 1e-12)
}

func argmaxAgreement(a, b []float32, classes int) float64 {
	hw := len(a) / classes
	same := 0
	for p := 0; p < hw; p++ {
		ia, ib := 0, 0
		for c := 1; c < classes; c++ {
			if a[c*hw+p] > a[ia*hw+p] {
				ia = c
			}
			if b[c*hw+p] > b[ib*hw+p] {
				ib = c
			}
		}
		if ia == ib {
			same++
		}
	}
	return float64(same) / float64(hw)
}

func onnxCheck(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command(testmodels.Python(), "-c",
		"import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker on %s: %v\n%s", filepath.Base(path), err, out)
	}
}

func elemTypes(t *testing.T, path string) map[onnxpb.TensorProto_DataType]int {
	m, err := onnxio.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := map[onnxpb.TensorProto_DataType]int{}
	for _, init := range m.Proto.Graph.Initializer {
		c[onnxpb.TensorProto_DataType(init.GetDataType())]++
	}
	for _, io := range append(m.Proto.Graph.Input, m.Proto.Graph.Output...) {
		if io.GetType().GetTensorType().GetElemType() != int32(onnxpb.TensorProto_FLOAT) {
			t.Errorf("%s: graph input/output %s is not float32", filepath.Base(path), io.GetName())
		}
	}
	return c
}

// export --fp16 writes an FP16 model that passes onnx's full checker,
// keeps inputs and outputs float32, and an emulation whose ONNX Runtime
// outputs stay close to FP32's.
func TestFP16ExportAndEmulation(t *testing.T) {
	fixtures := []struct {
		name    string
		plugins passes.Fusion
		classes int
		tol     float64
	}{
		{"ops-opset17.onnx", passes.Fusion{SPG: true, AvgPool: true}, 0, 2e-2},
		{"seg19-64x128.onnx", passes.Fusion{}, 19, 1e-2},
	}
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			src := testmodels.Path(f.name)
			meta := testmodels.LoadMeta(t, f.name)
			out := filepath.Join(t.TempDir(), "m.fp16.onnx")
			_, summary, _ := export(t, Options{Model: src, Out: out, Fusion: f.plugins, FP16: true})
			emu := EmulationPath(out)
			if emu != strings.TrimSuffix(out, ".onnx")+".emu.onnx" {
				t.Fatal(emu)
			}
			for _, want := range []string{"fp16:", "nodes in float16", "inputs and outputs stay float32", emu} {
				if !strings.Contains(summary, want) {
					t.Errorf("summary lacks %q:\n%s", want, summary)
				}
			}
			onnxCheck(t, out)
			onnxCheck(t, emu)
			if types := elemTypes(t, out); types[onnxpb.TensorProto_FLOAT16] == 0 {
				t.Errorf("FP16 model has no float16 initializers: %v", types)
			}
			if types := elemTypes(t, emu); types[onnxpb.TensorProto_FLOAT16] != 0 {
				t.Errorf("emulation has float16 initializers: %v", types)
			}

			x := randomInput(meta.InputShape)
			want := runModel(t, src, x, meta.InputShape)
			got := runModel(t, emu, x, meta.InputShape)
			for i := range want {
				e := relErr(got[i], want[i])
				t.Logf("output %d: max |emulated FP16 - FP32| / max |FP32| = %.2g", i, e)
				if e > f.tol || e == 0 {
					t.Errorf("output %d: relative error %g (want 0 < e <= %g: rounding must show, but stay small)", i, e, f.tol)
				}
				if f.classes > 0 {
					if a := argmaxAgreement(got[i], want[i], f.classes); a < 0.99 {
						t.Errorf("output %d: argmax agreement %.4f", i, a)
					}
				}
			}

			// ONNX Runtime's CPU provider may or may not have float16
			// kernels for every op; when it runs the true FP16 model, it
			// must agree with the emulation.
			m, err := onnxio.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			m, err = passes.Runnable(m)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ort.NewSession(m, ort.Options{})
			if err != nil {
				t.Logf("ONNX Runtime cannot run the true FP16 model on CPU: %v", err)
				return
			}
			defer s.Close()
			outs, err := s.Run(x, meta.InputShape)
			if err != nil {
				t.Logf("ONNX Runtime cannot run the true FP16 model on CPU: %v", err)
				return
			}
			for i, o := range outs {
				e := relErr(o.Data, got[i])
				t.Logf("output %d: ONNX Runtime ran the true FP16 model: max |FP16 - emulated| / max = %.2g", i, e)
				if e > f.tol {
					t.Errorf("output %d: true FP16 vs emulation %g", i, e)
				}
			}
		})
	}
}

// The SGCPNet fixture, when another engineer's training has produced it.
func TestFP16SGCPNetFixture(t *testing.T) {
	src := filepath.Join(testmodels.Root(), "testdata", "models", "sgcpnet-256x512.onnx")
	if _, err := os.Stat(src); err != nil {
		t.Skip("testdata/models/sgcpnet-256x512.onnx not there yet")
	}
	out := filepath.Join(t.TempDir(), "sgcpnet.fp16.onnx")
	export(t, Options{Model: src, Out: out, FP16: true})
	onnxCheck(t, out)
	shape := []int64{1, 3, 256, 512}
	x := randomInput(shape)
	want := runModel(t, src, x, shape)
	got := runModel(t, EmulationPath(out), x, shape)
	if a := argmaxAgreement(got[0], want[0], 19); a < 0.98 {
		t.Errorf("argmax agreement %.4f", a)
	}
}
