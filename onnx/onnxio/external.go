package onnxio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/fserr"
	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// forEachTensor visits every tensor a model can hold data in: initializers
// and tensor-valued attributes, in subgraphs and functions too.
func forEachTensor(mp *onnxpb.ModelProto, visit func(*onnxpb.TensorProto) error) error {
	var graph func(g *onnxpb.GraphProto) error
	var nodes func(ns []*onnxpb.NodeProto) error
	attr := func(a *onnxpb.AttributeProto) error {
		if a.T != nil {
			if err := visit(a.T); err != nil {
				return err
			}
		}
		for _, t := range a.Tensors {
			if err := visit(t); err != nil {
				return err
			}
		}
		if a.G != nil {
			if err := graph(a.G); err != nil {
				return err
			}
		}
		for _, g := range a.Graphs {
			if err := graph(g); err != nil {
				return err
			}
		}
		return nil
	}
	nodes = func(ns []*onnxpb.NodeProto) error {
		for _, n := range ns {
			for _, a := range n.Attribute {
				if err := attr(a); err != nil {
					return err
				}
			}
		}
		return nil
	}
	graph = func(g *onnxpb.GraphProto) error {
		for _, t := range g.Initializer {
			if err := visit(t); err != nil {
				return err
			}
		}
		for _, st := range g.SparseInitializer {
			for _, t := range []*onnxpb.TensorProto{st.Values, st.Indices} {
				if t != nil {
					if err := visit(t); err != nil {
						return err
					}
				}
			}
		}
		return nodes(g.Node)
	}
	if mp.Graph != nil {
		if err := graph(mp.Graph); err != nil {
			return err
		}
	}
	for _, f := range mp.Functions {
		if err := nodes(f.Node); err != nil {
			return err
		}
	}
	return nil
}

func isExternal(t *onnxpb.TensorProto) bool {
	return t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL
}

// ExternalFiles are the files m's external data was read from (each once),
// for checks that no output overwrites them.
func (m *Model) ExternalFiles() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range m.External {
		p := filepath.Join(filepath.Dir(m.Path), r.Location)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// AllowExternalLinks lets external data resolve, through symbolic links,
// to files outside the model's folder (data stores that keep weights in a
// cache elsewhere do this); the CLI's --allow-external-links sets it. They
// must be regular files either way.
var AllowExternalLinks bool

// openExternal opens external data file loc of a model in dir: a regular
// file whose real path (links resolved) stays inside dir's, as onnx's
// checker requires, unless AllowExternalLinks.
func openExternal(dir, loc string) (*os.File, error) {
	path := filepath.Join(dir, loc)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", fserr.Reason(err))
	}
	if !AllowExternalLinks {
		realDir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, fmt.Errorf("external data: %w", err)
		}
		if rel, err := filepath.Rel(realDir, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("external data %s resolves to %s, outside the model's folder (give --allow-external-links to allow links out of it)", loc, real)
		}
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", fserr.Reason(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("external data %s is not a regular file (%s)", loc, st.Mode().Type())
	}
	return os.Open(real)
}

// tensorBytes is the byte size t's type and dims give, when both are
// known and the product does not overflow.
func tensorBytes(t *onnxpb.TensorProto) (int64, bool) {
	n := int64(graph.ElemSize(graph.DataType(t.GetDataType())))
	if n == 0 {
		return 0, false
	}
	for _, d := range t.GetDims() {
		if d < 0 || d > 0 && n > math.MaxInt64/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// resolveExternal reads every external tensor into RawData.
func (m *Model) resolveExternal(dir string) error {
	files := map[string]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	return forEachTensor(m.Proto, func(t *onnxpb.TensorProto) error {
		if !isExternal(t) {
			return nil
		}
		ref, err := parseExternal(t)
		if err != nil {
			return err
		}
		f, ok := files[ref.Location]
		if !ok {
			if f, err = openExternal(dir, ref.Location); err != nil {
				return fmt.Errorf("tensor %q: %w", t.GetName(), err)
			}
			files[ref.Location] = f
		}
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if ref.Length < 0 {
			ref.Length = st.Size() - ref.Offset
		}
		// The tensor's own size bounds what is read: a length the file
		// or the shape cannot back is refused before allocating.
		if want, ok := tensorBytes(t); ok && ref.Length != want {
			return fmt.Errorf("tensor %q: external data %s claims %d bytes, but a %s tensor of shape %v is %d",
				t.GetName(), ref.Location, ref.Length, onnxpb.TensorProto_DataType(t.GetDataType()), t.GetDims(), want)
		}
		if ref.Offset < 0 || ref.Length < 0 || ref.Offset > st.Size() || ref.Length > st.Size()-ref.Offset {
			return fmt.Errorf("tensor %q: external data %s at offset %d length %d: file too short (%d bytes)",
				t.GetName(), ref.Location, ref.Offset, ref.Length, st.Size())
		}
		buf := make([]byte, ref.Length)
		if _, err := f.ReadAt(buf, ref.Offset); err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("file too short")
			}
			return fmt.Errorf("tensor %q: external data %s at offset %d length %d: %v",
				t.GetName(), ref.Location, ref.Offset, ref.Length, err)
		}
		t.RawData = buf
		t.ExternalData = nil
		t.DataLocation = nil
		m.External = append(m.External, ref)
		return nil
	})
}

func parseExternal(t *onnxpb.TensorProto) (ExternalRef, error) {
	ref := ExternalRef{Tensor: t.GetName(), Length: -1}
	for _, kv := range t.ExternalData {
		var err error
		switch kv.GetKey() {
		case "location":
			ref.Location = kv.GetValue()
		case "offset":
			ref.Offset, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		case "length":
			ref.Length, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		}
		if err != nil || ref.Offset < 0 {
			return ref, fmt.Errorf("tensor %q: bad external_data %s=%q", t.GetName(), kv.GetKey(), kv.GetValue())
		}
	}
	loc := filepath.ToSlash(ref.Location)
	if loc == "" || filepath.IsAbs(ref.Location) || strings.HasPrefix(loc, "/") ||
		loc == ".." || strings.HasPrefix(loc, "../") || strings.Contains(loc, "/../") {
		// Like onnx itself: external data must sit beside the model.
		return ref, fmt.Errorf("tensor %q: external data location %q must be a path inside the model's directory", t.GetName(), ref.Location)
	}
	return ref, nil
}

// SaveOptions controls how Save lays out tensor data.
type SaveOptions struct {
	// ExternalData, when set, stores tensors of at least ExternalThreshold
	// bytes in this file (relative to the model's directory).
	ExternalData      string
	ExternalThreshold int
}

// Save writes the model atomically. A model loaded with external data is
// saved with external data in a file named after path (path + ".data")
// unless opts says otherwise; the model in memory is not changed.
func (m *Model) Save(path string, opts SaveOptions) error {
	if opts.ExternalData == "" && len(m.External) > 0 {
		opts.ExternalData = filepath.Base(path) + ".data"
	}
	if opts.ExternalData == "" {
		data, err := proto.MarshalOptions{}.Marshal(m.Proto)
		if err != nil {
			return fmt.Errorf("%s: encode: %w", path, err)
		}
		if len(data) > maxProtoBytes {
			return fmt.Errorf("%s: model is %d bytes, over protobuf's 2 GiB limit; save with external data", path, len(data))
		}
		return atomicfile.WriteBytes(path, data)
	}
	return m.saveExternal(path, opts)
}

func (m *Model) saveExternal(path string, opts SaveOptions) error {
	if opts.ExternalThreshold <= 0 {
		opts.ExternalThreshold = 1024
	}
	out := proto.Clone(m.Proto).(*onnxpb.ModelProto)
	wasExternal := map[string]bool{}
	for _, r := range m.External {
		wasExternal[r.Tensor] = true
	}
	var blob []byte
	err := forEachTensor(out, func(t *onnxpb.TensorProto) error {
		if t.RawData == nil || (len(t.RawData) < opts.ExternalThreshold && !wasExternal[t.GetName()]) {
			return nil
		}
		off := len(blob)
		blob = append(blob, t.RawData...)
		t.RawData = nil
		t.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
		t.ExternalData = []*onnxpb.StringStringEntryProto{
			{Key: proto.String("location"), Value: proto.String(opts.ExternalData)},
			{Key: proto.String("offset"), Value: proto.String(strconv.Itoa(off))},
			{Key: proto.String("length"), Value: proto.String(strconv.Itoa(len(blob) - off))},
		}
		return nil
	})
	if err != nil {
		return err
	}
	data, err := proto.Marshal(out)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", path, err)
	}
	// Data first: a model file never points at data that is not there.
	if err := atomicfile.WriteBytes(filepath.Join(filepath.Dir(path), opts.ExternalData), blob); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, data)
}
