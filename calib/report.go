package calib

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/internal/filehash"
	"github.com/segtrt/segtrt/onnx/onnxio"
)

// SchemaVersion is calib.json's format version (docs/calib-json.md).
const SchemaVersion = 1

// Report is calib.json.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	// Model is the FP32 model calibrated; QDQModel and Cache the files
	// written from it.
	Model    filehash.File  `json:"model"`
	QDQModel filehash.File  `json:"qdq_model"`
	Cache    *filehash.File `json:"cache,omitempty"`
	// Method is the method whose ranges were written (auto's choice under
	// --method auto); Percentile is the percentile method's p.
	Method     string         `json:"method"`
	Percentile float64        `json:"percentile,omitempty"`
	Images     []string       `json:"images"`
	Tensors    []TensorReport `json:"tensors"`
	Weights    []WeightReport `json:"weights"`
	Excluded   []string       `json:"excluded,omitempty"`
	// UnknownOps are the ops segtrt's shape inference has no rule for
	// (`GridSample (at node "gs")`); Unclassified the tensors that
	// quantizable ops read below them, of unknown type, left float.
	// Collection says how activations were held while histogramming.
	Collection   *Collection `json:"collection,omitempty"`
	UnknownOps   []string    `json:"unknown_ops,omitempty"`
	Unclassified []string    `json:"unclassified,omitempty"`
	// Auto is present under --method auto.
	Auto *AutoReport `json:"auto,omitempty"`
	// Sensitivity is present when --max-miou-drop was given.
	Sensitivity *Sensitivity `json:"sensitivity,omitempty"`
	Warnings    []string     `json:"warnings,omitempty"`
}

// TensorReport is one activation tensor's calibration.
type TensorReport struct {
	Name  string  `json:"name"`
	Amax  float64 `json:"amax"`
	Scale float32 `json:"scale"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	// Methods is every method's amax, to show where they disagree.
	Methods *MethodAmax `json:"methods,omitempty"`
	Counts  []uint64    `json:"counts,omitempty"`
	Edges   []float64   `json:"edges,omitempty"`
}

// WeightReport is one weight's per-channel range.
type WeightReport struct {
	Name string    `json:"name"`
	Axis int       `json:"axis"`
	Amax []float64 `json:"amax"`
}

// outputs are the files a calibration or a conversion writes; Cache and
// Report may be empty.
type outputs struct {
	Out, Cache, Report string
	Stdout             io.Writer
}

// writeOutputs writes the Q/DQ model, the cache and the report, each
// atomically.
func writeOutputs(o outputs, out *onnxio.Model, amax Scales, method Method, v TensorRTVersion, rep *Report) error {
	if err := out.Save(o.Out, onnxio.SaveOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "wrote %s (%d activations, %d weights quantized)\n", o.Out, countQ(out), len(rep.Weights))
	var err error
	if rep.QDQModel, err = filehash.Of(o.Out); err != nil {
		return err
	}
	if o.Cache != "" {
		c := &Cache{Version: v.Code(), Calibrator: CalibratorClass(method), Scales: map[string]float32{}}
		for n, a := range amax {
			c.Scales[n] = Scale(a)
		}
		data, err := saveCache(o.Cache, c)
		if err != nil {
			return err
		}
		f := filehash.OfBytes(o.Cache, data)
		rep.Cache = &f
		fmt.Fprintf(o.Stdout, "wrote %s (%d tensors, %s)\n", o.Cache, len(c.Scales), strings.SplitN(string(data), "\n", 2)[0])
	}
	if o.Report != "" {
		data, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return err
		}
		if err := atomicfile.WriteBytes(o.Report, append(data, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(o.Stdout, "wrote %s\n", o.Report)
	}
	return nil
}

func list(names []string) string {
	if len(names) > 8 {
		return strings.Join(names[:8], ", ") + fmt.Sprintf(" and %d more", len(names)-8)
	}
	return strings.Join(names, ", ")
}

// noteUnknown says once, on stderr, that some activations stay float
// because segtrt's shape inference stops at ops it has no rule for.
func noteUnknown(w io.Writer, unknown, unclassified []string) {
	if len(unknown) == 0 || w == nil {
		return
	}
	fmt.Fprintf(w, "note: segtrt's shape inference has no rule for %s: %d activations below it that quantizable ops read stay float (calib.json: unclassified)\n",
		strings.Join(unknown, ", "), len(unclassified))
}
