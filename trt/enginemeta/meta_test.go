package enginemeta

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sample() *Metadata {
	return &Metadata{
		Schema: Schema, Segtrt: "test", TensorRT: "10.16.0", TensorRTHeaders: "10.16.0", ONNXParser: "10160",
		CUDARuntime: "12.8", CUDADriver: "12.9",
		GPU:      GPU{Name: "NVIDIA A10", UUID: "GPU-1234", ComputeCapability: "8.6", Driver: "570.1"},
		HWCompat: "none", Precision: "fp16", Flags: []string{"fp16"},
		Profiles:        [][]ProfileInput{{{Name: "input", Min: []int64{1, 3, 256, 512}, Opt: []int64{1, 3, 256, 512}, Max: []int64{1, 3, 512, 1024}}}},
		IO:              []Tensor{{Name: "input", IO: "input", DType: "float32", Shape: []int64{1, 3, -1, -1}}},
		Layers:          []Layer{{Name: "conv1", Type: "CaskConvolution", Precision: "fp16"}},
		LayerPrecisions: map[string]int{"fp16": 1},
		ONNX:            File{Path: "m.onnx", SHA256: "aa", Bytes: 3},
		PluginLibs:      []File{},
		Engine:          File{Path: "m.engine", SHA256: "bb", Bytes: 5},
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.engine.json")
	m := sample()
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	data, _ := os.ReadFile(path)
	for _, key := range []string{`"tensorrt": "10.16.0"`, `"compute_capability": "8.6"`, `"hw_compat": "none"`, `"layer_precisions"`, `"sha256": "bb"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("file lacks %s:\n%s", key, data)
		}
	}
}

func TestReadRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	cases := map[string]string{
		"garbage": "not json",
		"schema":  `{"schema": 7}`,
		"empty":   `{"schema": 1}`,
	}
	for name, body := range cases {
		if _, err := Read(write(name, body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing.json")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func TestHashAndVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.engine")
	data := []byte("engine bytes")
	os.WriteFile(path, data, 0o644)
	f, err := HashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Bytes != int64(len(data)) || f != HashBytes(path, data) {
		t.Fatalf("HashFile %+v vs HashBytes %+v", f, HashBytes(path, data))
	}
	// sha256("engine bytes")
	if f.SHA256 != "c66243794e2df3a6f1aa3845aebf84fd38b0fb66c12525c5768727237bab22d0" {
		t.Fatalf("sha %s", f.SHA256)
	}
	m := sample()
	m.Engine = f
	if err := m.VerifyEngine(path, data); err != nil {
		t.Fatal(err)
	}
	if err := m.VerifyEngine(path, []byte("other")); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("want mismatch, got %v", err)
	}
}

func TestParseLayerInfoDetailed(t *testing.T) {
	info := `{"Layers": [
	 {"Name": "conv1 + relu1", "LayerType": "CaskConvolution",
	  "Inputs": [{"Name": "input", "Format/Datatype": "Row major linear FP32"}],
	  "Outputs": [{"Name": "a", "Format/Datatype": "Channel major FP16 format where channel % 8 == 0"}]},
	 {"Name": "q", "LayerType": "Scale", "Outputs": [{"Name": "b", "Format/Datatype": "Thirty-two wide channel vectorized row major Int8 format"}]},
	 {"Name": "reformat", "LayerType": "Reformat", "Outputs": [{"Name": "c", "Format/Datatype": "Row major linear FP32"}]},
	 {"Name": "argmax", "LayerType": "TopK", "Outputs": [{"Name": "d", "Format/Datatype": "Row major linear Int32"}]},
	 {"Name": "plugin", "LayerType": "PluginV3", "Outputs": [{"Name": "e", "Format/Datatype": "Row major linear Half"}]},
	 {"Name": "nothing", "LayerType": "Shuffle"}
	], "Bindings": ["input", "out"]}`
	layers, counts, err := ParseLayerInfo(info)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"fp16", "int8", "fp32", "int32", "fp16", "unknown"}
	for i, l := range layers {
		if l.Precision != want[i] {
			t.Errorf("layer %s: %s, want %s", l.Name, l.Precision, want[i])
		}
	}
	if layers[0].Type != "CaskConvolution" || layers[0].Name != "conv1 + relu1" {
		t.Errorf("layer 0: %+v", layers[0])
	}
	if !reflect.DeepEqual(counts, map[string]int{"fp16": 2, "int8": 1, "fp32": 1, "int32": 1, "unknown": 1}) {
		t.Errorf("counts %v", counts)
	}
}

func TestParseLayerInfoNamesOnly(t *testing.T) {
	layers, counts, err := ParseLayerInfo(`{"Layers": ["a", "b"], "Bindings": ["x"]}`)
	if err != nil || len(layers) != 2 || counts["unknown"] != 2 || layers[1].Name != "b" {
		t.Fatalf("%v %v %v", layers, counts, err)
	}
	if _, _, err := ParseLayerInfo("{"); err == nil {
		t.Fatal("bad JSON accepted")
	}
}
