// Package onnxio reads and writes ONNX model files, including models whose
// tensors live in a separate external-data file. Loading resolves external
// data into memory and remembers where each tensor came from, so a model
// saved again keeps its layout; fields segtrt does not know survive as
// unknown protobuf fields.
package onnxio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/fserr"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// Model is a loaded ONNX model.
type Model struct {
	Proto *onnxpb.ModelProto
	// Path is the file the model was loaded from ("" for built models).
	Path string
	// External lists the tensors that were stored in external-data files,
	// in file order; Save writes them out the same way.
	External []ExternalRef
}

// ExternalRef records where one tensor's bytes were stored.
type ExternalRef struct {
	Tensor   string // tensor name
	Location string // file name relative to the model's directory
	Offset   int64
	Length   int64
}

// maxProtoBytes is protobuf's hard limit for one message; bigger models must
// use external data.
const maxProtoBytes = 2<<30 - 1

// Load reads and checks an ONNX file. Errors name the file and the problem.
func Load(path string) (*Model, error) {
	// A FIFO or a device (/dev/zero) would block or never end: models are
	// read only from regular files, and only if protobuf could decode them.
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	switch {
	case st.IsDir():
		return nil, fmt.Errorf("%s: is a folder, not an ONNX file", path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file (%s); segtrt reads models only from regular files", path, st.Mode().Type())
	case st.Size() > maxProtoBytes:
		return nil, fmt.Errorf("%s: %d bytes, over protobuf's 2 GiB limit for one message: store the weights as external data", path, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Path = path
	if err := m.resolveExternal(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse decodes an in-memory ONNX model (without external data resolution)
// and checks that it is plausibly ONNX: protobuf decoding alone accepts many
// byte strings that are not models.
func Parse(data []byte) (*Model, error) {
	if len(data) == 0 {
		return nil, errors.New("empty file, not an ONNX model")
	}
	mp := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(data, mp); err != nil {
		return nil, fmt.Errorf("not an ONNX model or truncated: %v", err)
	}
	if err := checkModel(mp); err != nil {
		return nil, err
	}
	return &Model{Proto: mp}, nil
}

func checkModel(mp *onnxpb.ModelProto) error {
	switch {
	case mp.GetIrVersion() <= 0 || mp.GetIrVersion() > 64:
		return fmt.Errorf("not an ONNX model (ir_version %d)", mp.GetIrVersion())
	case mp.Graph == nil:
		return errors.New("not an ONNX model or truncated: no graph")
	case len(mp.GetOpsetImport()) == 0 && mp.GetIrVersion() >= 3:
		return errors.New("not an ONNX model or truncated: no opset_import")
	case len(mp.Graph.GetOutput()) == 0:
		return errors.New("graph has no outputs (truncated file?)")
	}
	return nil
}

// Opset returns the version of the default ONNX domain the model imports.
func (m *Model) Opset() int64 { return OpsetOf(m.Proto) }

// OpsetOf returns the version of the default ONNX domain mp imports, 0
// when it imports none.
func OpsetOf(mp *onnxpb.ModelProto) int64 {
	for _, op := range mp.GetOpsetImport() {
		if d := op.GetDomain(); d == "" || d == "ai.onnx" {
			return op.GetVersion()
		}
	}
	return 0
}
