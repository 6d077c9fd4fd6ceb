package testmodels

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// DynamicHW writes a copy of fixture name (testdata/onnx) whose input has
// a dynamic height and width ("height", "width"), with the shapes of its
// outputs and intermediate values dropped, and returns its path. (Raw
// protobuf, so that onnxio's own tests may use it.)
func DynamicHW(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(Path(name))
	if err != nil {
		t.Fatal(err)
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(data, m); err != nil {
		t.Fatal(err)
	}
	dims := m.Graph.Input[0].Type.GetTensorType().Shape.Dim
	dims[2].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "height"}
	dims[3].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "width"}
	for _, o := range m.Graph.Output {
		o.Type.GetTensorType().Shape = nil
	}
	m.Graph.ValueInfo = nil
	out, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dynamic-"+name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
