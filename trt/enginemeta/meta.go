// Package enginemeta is an engine's provenance file, E.engine.json, which
// segtrt build writes next to E.engine, and the compatibility check a
// runner applies to it before deserialising the engine. It is pure Go, so
// everything here is tested without TensorRT or a GPU.
package enginemeta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/device"
	"github.com/segtrt/segtrt/internal/filehash"
)

// Schema is the version of the file's layout.
const Schema = 1

// PathFor is where an engine's metadata lives: E.engine -> E.engine.json.
func PathFor(engine string) string { return engine + ".json" }

// File is one input or output of a build, identified by content.
type File = filehash.File

// GPU is the device an engine was built on.
type GPU = device.GPU

// ProfileInput is one input's shapes in an optimisation profile.
type ProfileInput struct {
	Name string  `json:"input"`
	Min  []int64 `json:"min"`
	Opt  []int64 `json:"opt"`
	Max  []int64 `json:"max"`
}

// Tensor is one engine input or output.
type Tensor struct {
	Name  string  `json:"name"`
	IO    string  `json:"io"` // input or output
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

// Layer is one engine layer and the precision it runs in.
type Layer struct {
	Name      string `json:"name"`
	Type      string `json:"type,omitempty"`
	Precision string `json:"precision"`
}

// Metadata is E.engine.json.
type Metadata struct {
	Schema          int    `json:"schema"`
	Segtrt          string `json:"segtrt_version"`
	Created         string `json:"created"`
	TensorRT        string `json:"tensorrt"`
	TensorRTHeaders string `json:"tensorrt_headers"`
	ONNXParser      string `json:"onnx_parser"`
	CUDARuntime     string `json:"cuda_runtime"`
	CUDADriver      string `json:"cuda_driver"`
	GPU             GPU    `json:"gpu"`
	// HWCompat is none, ampere+ or same-cc.
	HWCompat       string           `json:"hw_compat"`
	Precision      string           `json:"precision"`
	StronglyTyped  bool             `json:"strongly_typed"`
	Flags          []string         `json:"flags"`
	WorkspaceBytes uint64           `json:"workspace_bytes,omitempty"`
	Profiles       [][]ProfileInput `json:"profiles"`
	IO             []Tensor         `json:"io"`
	Layers         []Layer          `json:"layers"`
	// LayerPrecisions counts layers per precision.
	LayerPrecisions map[string]int `json:"layer_precisions"`
	ONNX            File           `json:"onnx"`
	CalibCache      *File          `json:"calib_cache,omitempty"`
	TimingCache     string         `json:"timing_cache,omitempty"`
	PluginLibs      []File         `json:"plugin_libs"`
	Engine          File           `json:"engine"`
	BuildWarnings   []string       `json:"build_warnings,omitempty"`
}

// HashFile reads path and describes it.
func HashFile(path string) (File, error) { return filehash.Of(path) }

// HashBytes describes in-memory content that will be written to path.
func HashBytes(path string, data []byte) File { return filehash.OfBytes(path, data) }

// Marshal encodes m as indented JSON with a final newline.
func (m *Metadata) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write writes m to path atomically.
func (m *Metadata) Write(path string) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, data)
}

// Read loads and checks E.engine.json.
func Read(path string) (*Metadata, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not segtrt engine metadata: %v", path, err)
	}
	if m.Schema != Schema {
		return nil, fmt.Errorf("%s: metadata schema %d, this segtrt reads %d", path, m.Schema, Schema)
	}
	if m.TensorRT == "" || m.GPU.ComputeCapability == "" || m.Engine.SHA256 == "" {
		return nil, fmt.Errorf("%s: metadata lacks the TensorRT version, the GPU's compute capability or the engine's SHA-256", path)
	}
	return &m, nil
}

// VerifyEngine checks that data is the engine m describes.
func (m *Metadata) VerifyEngine(path string, data []byte) error {
	got := HashBytes(path, data)
	if got.SHA256 != m.Engine.SHA256 {
		return fmt.Errorf("%s: SHA-256 %s does not match its metadata's %s (engine rebuilt or replaced without %s?)",
			path, short(got.SHA256), short(m.Engine.SHA256), PathFor(path))
	}
	return nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "..."
	}
	return s
}
