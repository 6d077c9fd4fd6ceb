package enginebuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/testmodels"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
	"github.com/segtrt/segtrt/onnx/shapes"
	"github.com/segtrt/segtrt/trt"
	"github.com/segtrt/segtrt/trt/enginemeta"
)

func TestParsePrecision(t *testing.T) {
	for _, p := range []string{"fp32", "FP16", "int8", "best"} {
		if _, err := ParsePrecision(p); err != nil {
			t.Error(p, err)
		}
	}
	if p, _ := ParsePrecision(""); p != "fp32" {
		t.Error("default", p)
	}
	if _, err := ParsePrecision("tf32"); err == nil {
		t.Error("tf32:", err)
	}
}

// isUsage says whether err is about how options were set (opterr.Errorf).
func isUsage(err error) bool {
	oe, ok := opterr.As(err)
	return ok && oe.Usage()
}

func profile(ins ...trt.ProfileInput) Profile {
	p := Profile{}
	for _, in := range ins {
		p[in.Name] = in
	}
	return p
}

func TestProfileCheck(t *testing.T) {
	d := func(v ...int64) []int64 { return v }
	good := profile(trt.ProfileInput{Name: "input", Min: d(1, 3, 128, 256), Opt: d(1, 3, 256, 512), Max: d(1, 3, 512, 1024)},
		trt.ProfileInput{Name: "mask", Min: d(1, 1, 8, 8), Opt: d(1, 1, 8, 8), Max: d(1, 1, 8, 8)})
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	if ins := good.Inputs(); len(ins) != 2 || ins[0].Name != "input" || ins[1].Name != "mask" {
		t.Errorf("sorted inputs %+v", ins)
	}
	for _, c := range []struct {
		p    Profile
		want string
	}{
		{profile(trt.ProfileInput{Name: "input", Min: d(1, 3, 512, 512), Opt: d(1, 3, 256, 256), Max: d(1, 3, 256, 256)}), "min <= opt <= max"},
		{profile(trt.ProfileInput{Name: "input", Min: d(1, 3, 256, 256), Opt: d(1, 3, 256, 256), Max: d(1, 3, 128, 512)}), "dimension 2 needs min <= opt <= max, got 256, 256, 128"},
		{profile(trt.ProfileInput{Name: "input", Min: d(1, 3, 64), Opt: d(1, 3, 64, 64), Max: d(1, 3, 64, 64)}), "ProfileMin, Profile and ProfileMax have different ranks"},
	} {
		if err := c.p.Check(); err == nil || !isUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.p, err, c.want)
		}
	}
}

// variant returns plain.onnx rewritten: with a Cast to float16, with a
// Q/DQ pair, with a plugin node, or with a dynamic input.
func variant(t *testing.T, kind string) string {
	t.Helper()
	m, err := onnxio.Load(testmodels.Path("plain.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g := m.Proto.Graph
	first := g.Node[0]
	in := first.Input[0]
	add := func(n *onnxpb.NodeProto, out string) {
		first.Input[0] = out
		g.Node = append([]*onnxpb.NodeProto{n}, g.Node...)
	}
	switch kind {
	case "fp16":
		add(&onnxpb.NodeProto{OpType: proto.String("Cast"), Input: []string{in}, Output: []string{"x16"},
			Attribute: []*onnxpb.AttributeProto{{Name: proto.String("to"), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(10)}}}, "x16")
	case "qdq":
		add(&onnxpb.NodeProto{OpType: proto.String("QuantizeLinear"), Input: []string{in, "s"}, Output: []string{"q"}}, "q")
	case "plugin":
		add(&onnxpb.NodeProto{OpType: proto.String("SPGExcite"), Domain: proto.String("segtrt"), Input: []string{in, in, in}, Output: []string{"y"}}, "y")
	case "dynamic", "avgpool":
		dims := g.Input[0].Type.GetTensorType().Shape.Dim
		dims[2].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "height"}
		dims[3].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "width"}
		if kind == "avgpool" {
			// A 3x5 AvgPoolInfer feeding the model's first node through a
			// Pad that restores the input size.
			add(&onnxpb.NodeProto{Name: proto.String("ap"), OpType: proto.String("AvgPoolInfer"), Domain: proto.String("segtrt"),
				Input: []string{in}, Output: []string{"pooled"}, Attribute: []*onnxpb.AttributeProto{
					{Name: proto.String("kernel_h"), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(3)},
					{Name: proto.String("kernel_w"), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(5)}}}, "pooled")
			pad := &onnxpb.NodeProto{OpType: proto.String("Pad"), Input: []string{"pooled", "pads"}, Output: []string{"padded"}}
			first.Input[0] = "padded"
			g.Node = append([]*onnxpb.NodeProto{g.Node[0], pad}, g.Node[1:]...)
			g.Initializer = append(g.Initializer, &onnxpb.TensorProto{Name: proto.String("pads"), DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)),
				Dims: []int64{8}, Int64Data: []int64{0, 0, 1, 2, 0, 0, 1, 2}})
		}
	}
	path := filepath.Join(t.TempDir(), kind+".onnx")
	data, err := proto.Marshal(m.Proto)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, data, 0o644)
	return path
}

func TestModelFacts(t *testing.T) {
	f, err := ReadModel(testmodels.Path("plain.onnx"))
	if err != nil || f.FP16 || f.QDQ || len(f.Plugins) != 0 || len(f.Inputs) != 1 || f.Inputs[0].Dynamic() {
		t.Fatalf("plain: %+v %v", f, err)
	}
	for kind, check := range map[string]func(ModelFacts) bool{
		"fp16":    func(f ModelFacts) bool { return f.FP16 && !f.QDQ },
		"qdq":     func(f ModelFacts) bool { return f.QDQ && !f.FP16 },
		"plugin":  func(f ModelFacts) bool { return reflect.DeepEqual(f.Plugins, []string{"SPGExcite"}) },
		"dynamic": func(f ModelFacts) bool { return f.Inputs[0].Dynamic() && f.Inputs[0].Dims[1] == 3 },
	} {
		f, err := ReadModel(variant(t, kind))
		if err != nil || !check(f) {
			t.Errorf("%s: %+v %v", kind, f, err)
		}
	}
}

func TestCheckProfile(t *testing.T) {
	dyn := ModelFacts{Inputs: []Input{{Name: "input", Dims: []int64{1, 3, -1, -1}}}}
	static := ModelFacts{Inputs: []Input{{Name: "input", Dims: []int64{1, 3, 20, 30}}}}
	prof := func(opt string) Profile {
		name, dims, err := shapes.ParseInputShape(opt)
		if err != nil {
			t.Fatal(err)
		}
		return profile(trt.ProfileInput{Name: name, Min: dims, Opt: dims, Max: dims})
	}
	if err := CheckProfile(dyn, prof("input:1x3x256x512")); err != nil {
		t.Error(err)
	}
	if err := CheckProfile(static, Profile{}); err != nil {
		t.Error(err)
	}
	for name, c := range map[string]struct {
		f    ModelFacts
		p    Profile
		want string
	}{
		"dynamic without profile": {dyn, Profile{}, `input "input" is dynamic (1x3x?x?): give Profile input:1x3xHxW`},
		"unknown name":            {dyn, prof("image:1x3x8x8"), `Profile names "image", but the model's inputs are input`},
		"rank":                    {dyn, prof("input:3x8x8"), "rank 4"},
		"fixed dim changed":       {dyn, prof("input:2x3x8x8"), "fixed dimension 0 = 1"},
		"static resized":          {static, prof("input:1x3x40x30"), "fixed dimension 2 = 20"},
	} {
		if err := CheckProfile(c.f, c.p); err == nil || !isUsage(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestPlanPrecision(t *testing.T) {
	fp32 := ModelFacts{}
	fp16 := ModelFacts{FP16: true}
	qdq := ModelFacts{QDQ: true}
	cases := []struct {
		precision string
		major     int
		model     ModelFacts
		calib     bool
		want      string // describe() or error text
	}{
		// TensorRT 10: weakly typed with flags.
		{"fp32", 10, fp32, false, "weakly typed"},
		{"fp16", 10, fp32, false, "weakly typed, fp16"},
		{"int8", 10, qdq, false, "weakly typed, int8"},
		{"best", 10, qdq, false, "weakly typed, fp16, int8"},
		{"int8", 10, fp32, true, "weakly typed, int8, calibration cache"},
		{"best", 10, fp32, true, "weakly typed, fp16, int8, calibration cache"},
		{"int8", 10, fp32, false, "needs scales"},
		{"int8", 10, qdq, true, "already has Q/DQ"},
		{"fp32", 10, qdq, false, "has Q/DQ nodes"},
		{"fp16", 10, qdq, false, "use Precision best"},
		{"fp16", 10, fp32, true, "CalibCache needs Precision int8 or best"},
		// An FP16 ONNX is typed already, on 10 as on 11.
		{"fp16", 10, fp16, false, "strongly typed"},
		{"best", 10, fp16, false, "built strongly typed"},
		{"fp32", 10, fp16, false, "carries FP16 types"},
		// TensorRT 11: strongly typed only.
		{"fp32", 11, fp32, false, "strongly typed"},
		{"fp16", 11, fp16, false, "strongly typed"},
		{"int8", 11, qdq, false, "strongly typed"},
		{"fp16", 11, fp32, false, "needs an FP16 ONNX (segtrt export --fp16"},
		{"int8", 11, fp32, false, "needs a Q/DQ model (segtrt calibrate"},
		{"int8", 11, fp32, true, "TensorRT 11 has no implicit INT8 calibration"},
		{"best", 11, qdq, false, "strongly typed networks only"},
		{"fp32", 11, qdq, false, "carries Q/DQ nodes"},
	}
	for _, c := range cases {
		p, err := PlanPrecision(c.precision, c.major, c.model, c.calib)
		got := ""
		if err != nil {
			got = err.Error()
			if !isUsage(err) {
				t.Errorf("%+v: not a usage error", c)
			}
		} else {
			got = p.describe()
		}
		if (err == nil && got != c.want) || !strings.Contains(got, c.want) {
			t.Errorf("%s on TensorRT %d, %+v, calib %v: got %q, want %q", c.precision, c.major, c.model, c.calib, got, c.want)
		}
	}
}

// fakeTRT is a machine with TensorRT and a GPU.
type fakeTRT struct {
	info  trt.Info
	gpu   enginemeta.GPU
	err   error
	specs []trt.BuildSpec
}

func (f *fakeTRT) Majors() []int                   { return []int{f.info.TensorRTMajor} }
func (f *fakeTRT) Load() (trt.Info, error)         { return f.info, f.err }
func (f *fakeTRT) GPU(int) (enginemeta.GPU, error) { return f.gpu, nil }
func (f *fakeTRT) Build(_ context.Context, s trt.BuildSpec) (*trt.BuildResult, error) {
	f.specs = append(f.specs, s)
	return &trt.BuildResult{
		Engine:      []byte("engine for " + filepath.Base(s.ONNX)),
		TimingCache: []byte("timing cache v2"),
		LayerInfo: `{"Layers": [{"Name": "conv", "LayerType": "CaskConvolution", "Outputs": [{"Format/Datatype": "Channel major FP16 format"}]},
		                        {"Name": "head", "LayerType": "CaskConvolution", "Outputs": [{"Format/Datatype": "Row major linear FP32"}]}]}`,
		IO:       []trt.TensorDesc{{Name: "input", Input: true, DType: trt.Float, Shape: []int64{1, 3, 20, 30}}, {Name: "logits", DType: trt.Float, Shape: []int64{1, 19, 20, 30}}},
		Profiles: [][]trt.ProfileInput{{{Name: "input", Min: []int64{1, 3, 20, 30}, Opt: []int64{1, 3, 20, 30}, Max: []int64{1, 3, 20, 30}}}},
		HWCompat: s.HWCompat,
		Warnings: []string{"some TensorRT warning"},
	}, nil
}

func a10(major int) *fakeTRT {
	v := map[int]string{10: "10.16.0", 11: "11.1.0"}[major]
	return &fakeTRT{
		info: trt.Info{HeaderVersion: v, TensorRT: v, TensorRTMajor: major, Parser: "1", CUDARuntime: "12.8", CUDADriver: "12.9"},
		gpu:  enginemeta.GPU{Name: "NVIDIA A10", UUID: "GPU-1", ComputeCapability: "8.6", Driver: "570.86"},
	}
}

func TestRunWritesEngineMetadataAndTimingCache(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "plain.engine")
	tc := filepath.Join(dir, "trt.cache")
	os.WriteFile(tc, []byte("timing cache v1"), 0o644)
	fake := a10(10)
	var stdout, stderr bytes.Buffer
	opts := Options{
		Model: testmodels.Path("plain.onnx"), Out: out, Precision: "fp16", Workspace: 512 << 20, TimingCache: tc,
		HWCompat: trt.HWCompatAmperePlus, Version: "v-test", Stdout: &stdout, Stderr: &stderr, Backend: fake,
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	spec := fake.specs[0]
	if spec.StronglyTyped || !reflect.DeepEqual(spec.Flags, []trt.Flag{trt.FlagFP16}) || spec.WorkspaceBytes != 512<<20 ||
		spec.HWCompat != trt.HWCompatAmperePlus || string(spec.TimingCache) != "timing cache v1" || !spec.UseTimingCache {
		t.Errorf("spec %+v", spec)
	}
	engine, _ := os.ReadFile(out)
	if string(engine) != "engine for plain.onnx" {
		t.Errorf("engine %q", engine)
	}
	if got, _ := os.ReadFile(tc); string(got) != "timing cache v2" {
		t.Errorf("timing cache %q", got)
	}
	meta, err := enginemeta.Read(enginemeta.PathFor(out))
	if err != nil {
		t.Fatal(err)
	}
	onnx, _ := enginemeta.HashFile(testmodels.Path("plain.onnx"))
	if meta.TensorRT != "10.16.0" || meta.GPU.UUID != "GPU-1" || meta.GPU.ComputeCapability != "8.6" || meta.HWCompat != "ampere+" ||
		meta.Precision != "fp16" || !reflect.DeepEqual(meta.Flags, []string{"fp16"}) || meta.ONNX.SHA256 != onnx.SHA256 ||
		meta.Engine.SHA256 != enginemeta.HashBytes(out, engine).SHA256 || meta.LayerPrecisions["fp16"] != 1 || meta.LayerPrecisions["fp32"] != 1 ||
		meta.Created != "2026-01-02T03:04:05Z" || meta.Segtrt != "v-test" || meta.CUDADriver != "12.9" || len(meta.IO) != 2 ||
		meta.BuildWarnings[0] != "some TensorRT warning" || meta.WorkspaceBytes != 512<<20 {
		js, _ := json.MarshalIndent(meta, "", " ")
		t.Errorf("metadata:\n%s", js)
	}
	for _, want := range []string{"wrote " + out, "TensorRT 10.16.0", "NVIDIA A10 (compute capability 8.6), hw-compat ampere+", "precision fp16: weakly typed, fp16", "2 layers: fp16 1, fp32 1"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "1 warnings") {
		t.Errorf("stderr %q", stderr.String())
	}
	// The runner-side check accepts what the build wrote.
	if _, _, _, err := trt.CheckEngineFile(out, enginemeta.Machine{GPU: fake.gpu, TensorRT: "10.16.0"}); err != nil {
		t.Errorf("runner check: %v", err)
	}

	// Again: refused without --force, nothing touched; done with it.
	err = Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "plain.engine exists; pass Force to replace it") || isUsage(err) {
		t.Fatalf("overwrite: %v", err)
	}
	opts.Force = true
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
}

func TestRunCalibrationCache(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "m.calib")
	os.WriteFile(cache, []byte("TRT-101600-MinMaxCalibration\ninput: 3c000000\n"), 0o644)
	fake := a10(10)
	opts := Options{Model: testmodels.Path("plain.onnx"), Out: filepath.Join(dir, "e.engine"), Precision: "int8", CalibCache: cache, Backend: fake}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	s := fake.specs[0]
	if s.CalibAlgo != trt.CalibMinMax || !strings.HasPrefix(string(s.CalibCache), "TRT-101600") || !reflect.DeepEqual(s.Flags, []trt.Flag{trt.FlagINT8}) {
		t.Errorf("spec %+v", s)
	}
	meta, _ := enginemeta.Read(enginemeta.PathFor(opts.Out))
	if meta.CalibCache == nil || meta.CalibCache.Path != cache {
		t.Errorf("calib cache not recorded: %+v", meta.CalibCache)
	}
	// TensorRT 11 refuses the cache before building anything.
	fake11 := a10(11)
	opts.Out, opts.Backend = filepath.Join(dir, "e11.engine"), fake11
	if err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "no implicit INT8 calibration") || len(fake11.specs) != 0 {
		t.Fatalf("TensorRT 11: %v", err)
	}
	if _, err := os.Stat(opts.Out); !os.IsNotExist(err) {
		t.Fatal("TensorRT 11 wrote an engine")
	}
	os.WriteFile(cache, []byte("TRT-101600-LegacyCalibration\n"), 0o644)
	opts.Backend, opts.Out = a10(10), filepath.Join(dir, "legacy.engine")
	if err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "LegacyCalibration") {
		t.Fatalf("legacy cache: %v", err)
	}
}

func TestRunRefusesBeforeTensorRT(t *testing.T) {
	dir := t.TempDir()
	plain := testmodels.Path("plain.onnx")
	existing := filepath.Join(dir, "old.engine")
	os.WriteFile(existing, []byte("old"), 0o644)
	cases := []struct {
		name  string
		opts  Options
		usage bool
		want  string
	}{
		{"no model", Options{Out: "e.engine"}, false, "build needs a model and an output"},
		{"precision", Options{Model: plain, Out: "e", Precision: "fp8"}, true, `Precision "fp8"`},
		{"profile order", Options{Model: plain, Out: "e", Profile: profile(trt.ProfileInput{Name: "input", Min: []int64{1, 3, 40, 30}, Opt: []int64{1, 3, 20, 30}, Max: []int64{1, 3, 20, 30}})}, true, "min <= opt <= max"},
		{"profile vs fixed model", Options{Model: plain, Out: "e", Profile: profile(trt.ProfileInput{Name: "input", Min: []int64{1, 3, 40, 30}, Opt: []int64{1, 3, 40, 30}, Max: []int64{1, 3, 40, 30}})}, true, "fixed dimension 2 = 20"},
		{"dynamic without profile", Options{Model: variant(t, "dynamic"), Out: "e"}, true, "is dynamic"},
		{"calib with fp16", Options{Model: plain, Out: "e", Precision: "fp16", CalibCache: "c"}, true, "CalibCache needs Precision int8 or best"},
		{"out is model", Options{Model: plain, Out: plain}, true, "is the same file as Model"},
		{"device", Options{Model: plain, Out: "e", Device: -1}, true, "Device -1"},
		{"overwrite", Options{Model: plain, Out: existing}, false, "old.engine exists; pass Force to replace it"},
		{"missing model", Options{Model: filepath.Join(dir, "none.onnx"), Out: "e"}, false, "none.onnx: no such file"},
		{"missing plugin lib", Options{Model: plain, Out: "e", PluginLibs: []string{filepath.Join(dir, "libx.so")}}, false, "PluginLibs " + filepath.Join(dir, "libx.so") + ": no such file"},
		{"plugin model without lib", Options{Model: variant(t, "plugin"), Out: "e", Env: &trt.Env{Getenv: func(string) string { return "" }, Executable: func() (string, error) { return "/none/segtrt", nil }, Stat: os.Stat}}, false, "uses segtrt plugins (SPGExcite): give PluginLibs"},
		{"missing calib", Options{Model: plain, Out: "e", Precision: "int8", CalibCache: filepath.Join(dir, "none.calib")}, false, "none.calib"},
		{"int8 without scales", Options{Model: plain, Out: "e", Precision: "int8"}, true, "needs scales"},
	}
	for _, c := range cases {
		fake := a10(10)
		c.opts.Backend = fake
		err := Run(context.Background(), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || isUsage(err) != c.usage {
			t.Errorf("%s: %v (usage %v), want %q (usage %v)", c.name, err, isUsage(err), c.want, c.usage)
		}
		if len(fake.specs) != 0 {
			t.Errorf("%s: built anyway", c.name)
		}
	}
	if got, _ := os.ReadFile(existing); string(got) != "old" {
		t.Error("existing engine touched")
	}
}

// AvgPoolInfer's workspace at the profile's largest input decides whether
// --workspace is enough, before TensorRT is loaded.
func TestWorkspaceTooSmallForThePluginIsRefusedBeforeBuilding(t *testing.T) {
	model := variant(t, "avgpool")
	lib := filepath.Join(t.TempDir(), trt.PluginLibName(10))
	os.WriteFile(lib, []byte("x"), 0o644)
	prof := profile(trt.ProfileInput{Name: "input", Min: []int64{1, 3, 20, 30}, Opt: []int64{1, 3, 256, 512}, Max: []int64{1, 3, 1024, 2048}})
	// By hand: 1 x 3 x 1024 rows x (2048 - 5 + 1) window sums x 4 bytes.
	const need = 3 * 1024 * 2044 * 4 // 25,116,672 bytes, 23.95 MiB
	m, err := onnxio.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := PluginWorkspaceAt(m, map[string][]int64{"input": {1, 3, 1024, 2048}})
	if !ok || got.Bytes != need || got.Node != "ap" {
		t.Fatalf("workspace %+v ok %v, want %d", got, ok, need)
	}
	for _, c := range []struct {
		workspace uint64
		want      string
	}{
		{16 << 20, `Workspace 16MiB is too small: AvgPoolInfer node "ap" needs 24.0MiB of workspace for its input 1x3x1024x2048 at the profile's largest shapes; give Workspace 24MiB or more`},
		{24 << 20, ""}, // 25,165,824 >= need
		{0, ""},        // TensorRT's default: the device's memory
	} {
		fake := a10(10)
		opts := Options{Model: model, Out: filepath.Join(t.TempDir(), "e.engine"), Profile: prof, Workspace: c.workspace,
			PluginLibs: []string{lib}, Backend: fake}
		err := Run(context.Background(), opts)
		switch {
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !isUsage(err) || len(fake.specs) != 0):
			t.Errorf("workspace %d: %v (built %d)", c.workspace, err, len(fake.specs))
		case c.want == "" && (err != nil || len(fake.specs) != 1):
			t.Errorf("workspace %d: %v", c.workspace, err)
		}
	}
}

func TestRunAmperePlusNeedsAmpere(t *testing.T) {
	fake := a10(10)
	fake.gpu = enginemeta.GPU{Name: "Tesla T4", ComputeCapability: "7.5"}
	opts := Options{Model: testmodels.Path("plain.onnx"), Out: filepath.Join(t.TempDir(), "e.engine"), HWCompat: trt.HWCompatAmperePlus, Backend: fake}
	if err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "Tesla T4 has compute capability 7.5") {
		t.Fatal(err)
	}
}

// Without TensorRT (this machine, and the default build everywhere) the
// real backend fails cleanly and nothing is written.
func TestRunWithoutTensorRTWritesNothing(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "e.engine")
	err := Run(context.Background(), Options{Model: testmodels.Path("plain.onnx"), Out: out, TimingCache: filepath.Join(dir, "tc")})
	if err == nil {
		t.Skip("TensorRT is installed here")
	}
	if !errors.Is(err, trt.ErrLibraryNotFound) {
		t.Fatalf("got %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("wrote %v", entries)
	}
}
