package ort

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/onnxio"
)

// Each fixture architecture, exported by export/torch with random weights,
// gives the same logits on ONNX Runtime as in PyTorch.
func TestArchitecturesMatchPyTorch(t *testing.T) {
	for _, c := range []struct{ arch, crop string }{
		{"sgcpnet", "default"},
		{"spgnet-micro", "64x128"}, // AP at inference: a 2x4 kernel on the 4x8 map
		{"spgnet-micro", "none"},   // global pooling
	} {
		t.Run(c.arch+"/"+c.crop, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.onnx")
			cmd := exec.Command(testmodels.Python(), "-m", "export.torch.dump_io", "--arch", c.arch,
				"--height", "128", "--width", "256", "--train-crop", c.crop, "--out", path)
			cmd.Dir = testmodels.Root()
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("export: %v\n%s", err, out)
			}
			shape := []int64{1, 3, 128, 256}
			io := readIO(t, path+".io.bin", 3*128*256, 19*128*256)
			m, err := onnxio.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSession(m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			outs, err := s.Run(io[0], shape)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(outs[0].Data, io[1]); d > 1e-4 {
				t.Fatalf("max |ONNX Runtime - PyTorch| = %g", d)
			}
		})
	}
}
