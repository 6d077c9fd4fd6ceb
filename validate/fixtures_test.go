package validate

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/segtrt/segtrt/internal/testmodels"
)

// The FP32 fixtures validate with the mIoU PyTorch measured for them.
func TestFixturesMatchPyTorch(t *testing.T) {
	for _, name := range []string{"sgcpnet-256x512", "spgnet-micro-256x512"} {
		t.Run(name, func(t *testing.T) {
			f := testmodels.LoadFixture(t, name)
			dir := t.TempDir()
			o := Options{Model: f.Model, Data: f.Data, Split: f.Rec.Val.Split,
				ReportDir: dir, Timing: quickTiming(), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
			if err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			var rep Report
			readJSON(t, filepath.Join(dir, "report.json"), &rep)
			if d := math.Abs(rep.Candidate.MIoU - f.Rec.Val.MIoU); d > 0.1 {
				t.Fatalf("mIoU %.3f, PyTorch measured %.2f (|diff| %.3f > 0.1)", rep.Candidate.MIoU, f.Rec.Val.MIoU, d)
			}
			t.Logf("%s: segtrt %.3f, PyTorch %.2f mIoU on %d images", name, rep.Candidate.MIoU, f.Rec.Val.MIoU, rep.Images)
		})
	}
}
