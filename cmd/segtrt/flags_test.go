package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/segtrt/segtrt/calib"
	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/dataset/synth"
	"github.com/segtrt/segtrt/doctor"
	"github.com/segtrt/segtrt/export"
	"github.com/segtrt/segtrt/inspect"
	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/shard"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/internal/usage"
	"github.com/segtrt/segtrt/onnx/passes"
	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginebuild"
	"github.com/segtrt/segtrt/validate"
)

// parse runs cmd on args with the work replaced by a recorder, and returns
// the error flag parsing gave (nil when the work was reached).
func parse(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

// wantUsage checks that err is a usage error mentioning want.
func wantUsage(t *testing.T, args []string, err error, want string) {
	t.Helper()
	if err == nil || !usage.Is(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("%v: %v; want a usage error containing %q", args, err, want)
	}
}

func TestCalibrateFlags(t *testing.T) {
	var got *calibrateOptions
	record := func(_ context.Context, o *calibrateOptions) error { got = o; return nil }
	args := []string{"--model", "m.onnx", "--data", "d", "--out", "q.onnx", "--method", "mse", "--images", "120",
		"--seed", "7", "--exclude", "^/head", "--trt-version", "10.8", "--input-shape", "input:1x3x64x128",
		"--mean", "0.5,0.5,0.5", "--bgr", "--max-miou-drop", "0.3", "--auto-images", "9"}
	if err := parse(t, newCalibrateCmd(record), args...); err != nil {
		t.Fatal(err)
	}
	o := got.calib
	if got.mode != "calibrate" || o.Method != calib.MSE || o.Images != 120 || o.Seed != 7 || o.Split != "train" ||
		o.TensorRT != (calib.TensorRTVersion{Major: 10, Minor: 8}) || len(o.Exclude) != 1 || o.Exclude[0].String() != "^/head" ||
		!reflect.DeepEqual(o.InputShapes["input"], []int64{1, 3, 64, 128}) || o.Mean != [3]float32{0.5, 0.5, 0.5} || !o.BGR ||
		o.MaxMIoUDrop != 0.3 || o.AutoImages != 9 || o.Percentile != calib.DefaultPercentile || o.Progress != nil {
		t.Fatalf("parsed %+v", o)
	}
	// Defaults: auto, 500 images, the val split for the sensitivity search.
	if err := parse(t, newCalibrateCmd(record), "--model", "m.onnx", "--data", "d", "--out", "q.onnx"); err != nil {
		t.Fatal(err)
	}
	if o := got.calib; o.Method != calib.Auto || o.Images != 500 || o.SensitivitySplit != "val" || o.SensitivityImages != 50 {
		t.Fatalf("defaults %+v", o)
	}
	if err := parse(t, newCalibrateCmd(record), "--from-cache", "c", "--model", "m.onnx", "--out", "q.onnx"); err != nil || got.mode != "from-cache" || got.convert.FromCache != "c" {
		t.Fatalf("from-cache: %v %+v", err, got)
	}
	if err := parse(t, newCalibrateCmd(record), "--from-qdq", "q.onnx", "--cache", "c"); err != nil || got.mode != "from-qdq" || got.convert.Cache != "c" {
		t.Fatalf("from-qdq: %v %+v", err, got)
	}
	// A shard, by hand and from a Kubernetes Indexed Job's environment.
	if err := parse(t, newCalibrateCmd(record), "--model", "m.onnx", "--data", "d", "--shard", "1/3", "--save-histograms-to", "p1.json",
		"--max-memory", "1GiB"); err != nil || got.calib.Shard == nil || *got.calib.Shard != (shard.Shard{Index: 1, Count: 3}) ||
		got.calib.SaveHistogramsTo != "p1.json" || got.calib.MaxMemory != 1<<30 {
		t.Fatalf("shard: %v %+v", err, got)
	}
	t.Setenv(shard.IndexEnv, "2")
	t.Setenv(shard.CountEnv, "4")
	if err := parse(t, newCalibrateCmd(record), "--model", "m.onnx", "--data", "d", "--shard", "auto", "--save-histograms-to", "p.json"); err != nil ||
		*got.calib.Shard != (shard.Shard{Index: 2, Count: 4}) {
		t.Fatalf("shard auto: %v %+v", err, got)
	}
	if err := parse(t, newCalibrateCmd(record), "merge", "p0.json", "p1.json", "--model", "m.onnx", "--out", "q.onnx", "--data", "d"); err != nil ||
		!reflect.DeepEqual(got.calib.Parts, []string{"p0.json", "p1.json"}) || got.calib.Data != "d" || got.calib.Out != "q.onnx" {
		t.Fatalf("merge: %v %+v", err, got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "calibrate needs --model, --data and --out"},
		{[]string{"--shard", "1/2", "--model", "m"}, "calibrate --shard needs --model, --data and --save-histograms-to"},
		{[]string{"--shard", "2/2", "--model", "m", "--data", "d", "--save-histograms-to", "p"}, "--shard"},
		{[]string{"--max-memory", "lots", "--model", "m", "--data", "d", "--out", "o"}, "--max-memory"},
		{[]string{"merge", "p0.json", "--model", "m"}, "calibrate merge needs --model and --out"},
		{[]string{"merge", "--model", "m", "--out", "o"}, "requires at least 1 arg"},
		{[]string{"--method", "kl"}, "--method: unknown calibration method"},
		{[]string{"--percentile", "0"}, "--percentile 0"},
		{[]string{"--percentile", "NaN"}, "--percentile NaN"},
		{[]string{"--images", "-1"}, "--images -1"},
		{[]string{"--max-miou-drop", "-1"}, "--max-miou-drop -1"},
		{[]string{"--auto-images", "-2"}, "--auto-images -2"},
		{[]string{"--exclude", "("}, `--exclude "("`},
		{[]string{"--trt-version", "ten"}, "--trt-version"},
		{[]string{"--std", "0,1,1", "--model", "m", "--data", "d", "--out", "o"}, "--std values must be positive"},
		{[]string{"--from-qdq", "q.onnx"}, "--from-qdq needs --cache"},
		{[]string{"--from-cache", "c"}, "--from-cache needs --model and --out"},
	} {
		got = nil
		err := parse(t, newCalibrateCmd(record), c.args...)
		wantUsage(t, c.args, err, c.want)
		if got != nil {
			t.Errorf("%v: the work ran", c.args)
		}
	}
}

func TestValidateFlags(t *testing.T) {
	var got validate.Options
	record := func(_ context.Context, o validate.Options) error { got = o; return nil }
	args := []string{"--model", "m.onnx", "--data", "d", "--reference", "r.onnx", "--shard", "1/4", "--limit", "10",
		"--backend", "ort", "--warmup", "1ms", "--iterations", "3", "--duration", "2s", "--std", "0.2,0.2,0.2"}
	if err := parse(t, newValidateCmd(record, nil), args...); err != nil {
		t.Fatal(err)
	}
	if got.Shard == nil || *got.Shard != (validate.Shard{Index: 1, Count: 4}) || got.Limit != 10 || got.Split != "val" ||
		got.Timing != (validate.Timing{Warmup: time.Millisecond, MinIterations: 3, MinDuration: 2 * time.Second}) ||
		got.Std != [3]float32{0.2, 0.2, 0.2} || got.Reference != "r.onnx" || got.Backend != "ort" {
		t.Fatalf("parsed %+v", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "d"}, "--model is required"},
		{[]string{"--model", "m"}, "--data is required"},
		{[]string{"--model", "m", "--data", "d", "--reference", "r", "--reference-report", "r.json"}, "not both"},
		{[]string{"--model", "m", "--data", "d", "--shard", "4/4"}, "--shard"},
		{[]string{"--model", "m", "--data", "d", "--backend", "cuda"}, `--backend "cuda"`},
		{[]string{"--model", "m", "--data", "d", "--limit", "-1"}, "--limit -1"},
		{[]string{"--model", "m", "--data", "d", "--iterations", "-1"}, "must not be negative"},
		{[]string{"--model", "m", "--data", "d", "--input-shape", "input:1xZ"}, "--input-shape"},
	} {
		wantUsage(t, c.args, parse(t, newValidateCmd(record, nil), c.args...), c.want)
	}
	var merged validate.MergeOptions
	mergeF := func(_ context.Context, o validate.MergeOptions) error { merged = o; return nil }
	if err := parse(t, newValidateCmd(record, mergeF), "merge", "a.json", "b.json", "--report", "out"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(merged.Shards, []string{"a.json", "b.json"}) || merged.ReportDir != "out" {
		t.Fatalf("merge %+v", merged)
	}
	wantUsage(t, []string{"merge"}, parse(t, newValidateCmd(record, mergeF), "merge"), "requires at least 1 arg")
}

func TestBuildFlags(t *testing.T) {
	var got enginebuild.Options
	record := func(_ context.Context, o enginebuild.Options) error { got = o; return nil }
	args := []string{"--model", "m.onnx", "--out", "e.engine", "--precision", "INT8", "--workspace", "2GiB", "--hw-compat", "ampere+",
		"--opt", "input:1x3x256x512", "--min", "input:1x3x128x256", "--device", "1", "--plugin-lib", "p.so"}
	if err := parse(t, newBuildCmd(record), args...); err != nil {
		t.Fatal(err)
	}
	in := got.Profile["input"]
	if got.Precision != "int8" || got.Workspace != 2<<30 || got.HWCompat != trt.HWCompatAmperePlus || got.Device != 1 ||
		!reflect.DeepEqual(in.Min, []int64{1, 3, 128, 256}) || !reflect.DeepEqual(in.Max, []int64{1, 3, 256, 512}) ||
		!reflect.DeepEqual(got.PluginLibs, []string{"p.so"}) {
		t.Fatalf("parsed %+v", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "m"}, "build needs --model and --out"},
		{[]string{"--model", "m", "--out", "e", "--precision", "int4"}, `--precision "int4"`},
		{[]string{"--model", "m", "--out", "e", "--workspace", "2 parsecs"}, "--workspace"},
		{[]string{"--model", "m", "--out", "e", "--hw-compat", "turing+"}, "--hw-compat"},
		{[]string{"--model", "m", "--out", "e", "--device", "-1"}, "--device -1"},
		{[]string{"--model", "m", "--out", "e", "--min", "input:1x3x64x64"}, "without --opt input"},
		{[]string{"--model", "m", "--out", "e", "--opt", "input:1x3x64x64", "--opt", "input:1x3x64x64"}, "--opt: input \"input\" given twice"},
		{[]string{"--model", "m", "--out", "e", "--opt", "input1x3x64x64"}, "want NAME:DIMS"},
	} {
		wantUsage(t, c.args, parse(t, newBuildCmd(record), c.args...), c.want)
	}
}

func TestExportFlags(t *testing.T) {
	var got export.Options
	record := func(_ context.Context, o export.Options) error { got = o; return nil }
	if err := parse(t, newExportCmd(record), "--model", "m.onnx", "--out", "o.onnx", "--plugins", "spg,avgpool", "--train-crop", "1024x512", "--fp16"); err != nil {
		t.Fatal(err)
	}
	if got.Fusion != (passes.Fusion{SPG: true, AvgPool: true, TrainCrop: [2]int64{1024, 512}}) || !got.FP16 {
		t.Fatalf("parsed %+v", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "m"}, "export needs --model and --out"},
		{[]string{"--model", "m", "--out", "o", "--plugins", "spg,warp"}, `--plugins: unknown plugin "warp"`},
		{[]string{"--model", "m", "--out", "o", "--train-crop", "1024"}, `--train-crop "1024"`},
	} {
		wantUsage(t, c.args, parse(t, newExportCmd(record), c.args...), c.want)
	}
}

func TestInspectFlags(t *testing.T) {
	var got inspect.Options
	record := func(_ context.Context, o inspect.Options) error { got = o; return nil }
	if err := parse(t, newInspectCmd(record), "m.onnx", "--json", "--input-shape", "x:1x3x8x8"); err != nil {
		t.Fatal(err)
	}
	if got.Model != "m.onnx" || !got.JSON || !reflect.DeepEqual(got.InputShapes["x"], []int64{1, 3, 8, 8}) || got.OptionName("InputShapes") != "--input-shape" {
		t.Fatalf("parsed %+v", got)
	}
	wantUsage(t, nil, parse(t, newInspectCmd(record)), "accepts 1 arg")
	wantUsage(t, nil, parse(t, newInspectCmd(record), "m.onnx", "--input-shape", "x:1x3x8x8", "--input-shape", "x:1x3x8x8"), "given twice")
}

func TestDatasetFlags(t *testing.T) {
	var got synth.Options
	var checked dataset.CheckOptions
	synthF := func(_ context.Context, o synth.Options) error { got = o; return nil }
	checkF := func(_ context.Context, o dataset.CheckOptions) error { checked = o; return nil }
	if err := parse(t, newDatasetCmd(synthF, checkF), "synth", "--out", "d", "--train", "5", "--val", "0", "--height", "64", "--width", "128", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	if got.Out != "d" || got.Train != 5 || got.Val != 0 || got.Test != 0 || got.Height != 64 || got.Width != 128 || got.Seed != 3 {
		t.Fatalf("parsed %+v", got)
	}
	if err := parse(t, newDatasetCmd(synthF, checkF), "check", "root", "--split", "val"); err != nil || checked.Root != "root" || checked.Split != "val" {
		t.Fatalf("check: %v %+v", err, checked)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"synth"}, "--out is required"},
		{[]string{"synth", "--out", "d", "--train", "0", "--val", "0"}, "nothing to do"},
		{[]string{"synth", "--out", "d", "--train", "-1"}, "must not be negative"},
		{[]string{"synth", "--out", "d", "--height", "8"}, "--height 8"},
		{[]string{"synth", "--out", "d", "--workers", "-1"}, "--workers -1"},
		{[]string{"check"}, "accepts 1 arg"},
		{[]string{"check", "root", "--workers", "-2"}, "--workers -2"},
	} {
		wantUsage(t, c.args, parse(t, newDatasetCmd(synthF, checkF), c.args...), c.want)
	}
}

func TestDoctorFlags(t *testing.T) {
	var got doctor.Options
	record := func(_ context.Context, o doctor.Options) error { got = o; return nil }
	if err := parse(t, newDoctorCmd(record), "--json", "--plugin-lib", "p.so", "--ort-lib", "o.so"); err != nil {
		t.Fatal(err)
	}
	if !got.JSON || !reflect.DeepEqual(got.PluginLibs, []string{"p.so"}) || got.ORTLib != "o.so" || got.Version != version {
		t.Fatalf("parsed %+v", got)
	}
	wantUsage(t, nil, parse(t, newDoctorCmd(record), "extra"), "unknown command")
	if err := parse(t, newDoctorCmd(record), "--smoke", "--trt-shim", "/s"); err != nil || !got.Smoke || got.TRTShim != "/s" || got.Explain == nil {
		t.Fatalf("--smoke: %v %+v", err, got)
	}
	wantUsage(t, nil, parse(t, newDoctorCmd(record), "--smoke", "--json"), "give --json or --smoke, not both")
}

// An option error from the work comes out with this command line's flag
// names; one about how options were set exits 2, a hint exits 1.
func TestOptionErrorsNameFlags(t *testing.T) {
	inspectWith := func(err error) (int, string) {
		var out, errOut bytes.Buffer
		cmd := newRootCmd(&out, &errOut)
		for _, c := range cmd.Commands() {
			if c.Name() == "inspect" {
				cmd.RemoveCommand(c)
			}
		}
		cmd.AddCommand(newInspectCmd(func(context.Context, inspect.Options) error { return err }))
		cmd.SetArgs([]string{"inspect", "m.onnx"})
		code := report(cmd.ExecuteContext(context.Background()), &errOut)
		return code, errOut.String()
	}
	cases := []struct {
		err  error
		code int
		want string
	}{
		{fmt.Errorf("m.onnx: %w", opterr.Errorf("{CalibCache} needs {Precision} int8 or best")), 2, "segtrt: m.onnx: --calib-cache needs --precision int8 or best\n"},
		{fmt.Errorf("m.onnx: %w", opterr.Hintf("give {InputShapes} x:1x3xHxW")), 1, "segtrt: m.onnx: give --input-shape x:1x3xHxW\n"},
		{errors.New("plain"), 1, "segtrt: plain\n"},
	}
	for _, c := range cases {
		if code, stderr := inspectWith(c.err); code != c.code || stderr != c.want {
			t.Errorf("%v: exit %d %q, want %d %q", c.err, code, stderr, c.code, c.want)
		}
	}
}

// Every option the domain packages name in an error ({Field}) has a flag.
func TestEveryNamedOptionHasAFlag(t *testing.T) {
	ref := regexp.MustCompile(`opterr\.(?:Errorf|Hintf)\((?:"(?:[^"\\]|\\.)*"\s*\+?\s*)+`)
	field := regexp.MustCompile(`\{([A-Z][A-Za-z0-9]*)\}`)
	root := testmodels.Root()
	seen := 0
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			if d != nil && d.IsDir() && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "internal/opterr") {
			return nil
		}
		src, _ := os.ReadFile(path)
		for _, call := range ref.FindAll(src, -1) {
			for _, m := range field.FindAllSubmatch(call, -1) {
				seen++
				if f := string(m[1]); flagName(f) == f && !strings.Contains(string(call), `"{"+`) {
					t.Errorf("%s: option %s has no flag in flagOf", path, f)
				}
			}
		}
		return nil
	})
	if seen < 20 {
		t.Fatalf("found %d option references; the scan is broken", seen)
	}
}
