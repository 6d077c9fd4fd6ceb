package calib

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/validate"
)

func int8Drop(t *testing.T, model, data, qdqModel string) float64 {
	t.Helper()
	dir := t.TempDir()
	err := validate.Run(context.Background(), validate.Options{
		Model: qdqModel, Reference: model, Data: data, Split: "val", ReportDir: dir,
		Timing: validate.Timing{MinIterations: 1, MinDuration: time.Millisecond},
		Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{},
	})
	if err != nil {
		t.Fatal(err)
	}
	var rep validate.Report
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return *rep.MIoUDrop
}

// INT8 Q/DQ accuracy on the SGCPNet fixture, per method, against FP32 on
// the synthetic val split. Entropy (TensorRT's KL search) clips the
// depthwise and SE activations of this MobileNet-style backbone hard; with
// the sensitivity search it must meet the asked drop.
func TestFixtureINT8Accuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("calibrates and validates the fixture several times")
	}
	f := testmodels.LoadFixture(t, "sgcpnet-256x512")
	model, data := f.Model, f.Data
	for _, method := range []string{"percentile", "minmax", "mse", "entropy"} {
		t.Run(method, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Model: model, Data: data, Images: 100, Method: method, Out: filepath.Join(dir, "q.onnx"), Stderr: &bytes.Buffer{}}
			if method == "entropy" {
				o.MaxMIoUDrop, o.SensitivityImages = 0.8, 30
			}
			if err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			drop := int8Drop(t, model, data, o.Out)
			t.Logf("%s: INT8 mIoU drop %.2f points", method, drop)
			if drop > 1.0 {
				t.Fatalf("%s: INT8 drops %.2f mIoU points, want <= 1.0", method, drop)
			}
		})
	}
}
