package calib

import (
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/segtrt/segtrt/internal/opterr"
	"github.com/segtrt/segtrt/internal/progress"
	"github.com/segtrt/segtrt/internal/shard"
)

// Options are a calibration's inputs. Zero values take the defaults below.
type Options struct {
	Model  string // FP32 ONNX model
	Data   string // Cityscapes-layout data set
	Split  string // split the calibration images come from
	Images int    // how many, drawn by Seed
	Seed   uint64
	Method Method
	// Percentile is the percentile method's p, in percent.
	Percentile float64
	// AutoImages is how many images of Split auto holds out to score the
	// methods on; 0 means heldOutImages(Images).
	AutoImages int
	// Out is the Q/DQ model to write; Cache (TensorRT's calibration cache,
	// with a header for TensorRT) and Report (calib.json) are optional.
	Out, Cache, Report string
	TensorRT           TensorRTVersion
	SaveHistograms     bool
	// Exclude keeps the nodes whose name matches one of these in float.
	Exclude []*regexp.Regexp
	// MaxMIoUDrop > 0 turns on the sensitivity search on the first
	// SensitivityImages images of SensitivitySplit.
	MaxMIoUDrop       float64
	SensitivitySplit  string
	SensitivityImages int
	InputShapes       map[string][]int64
	// MaxMemory bounds the memory histogramming holds, by costModel's
	// estimate: activation buffers, ONNX Runtime's working memory and the
	// images in flight; 0 means DefaultMaxMemory().
	MaxMemory      int64
	Mean, Std      [3]float32
	BGR            bool
	ORTLib         string
	Stdout, Stderr io.Writer
	Progress       progress.Reporter // one step per calibration image
	// Shard, with SaveHistogramsTo, collects the histograms of shard
	// Index of Count of the seeded image subset into a part file and
	// writes nothing else; Parts (calibrate merge) reads such parts
	// instead of collecting, and writes what one run would.
	Shard            *shard.Shard
	SaveHistogramsTo string
	Parts            []string
}

// Defaults.
const (
	DefaultSplit             = "train"
	DefaultMethod            = Auto
	DefaultImages            = 500
	DefaultPercentile        = 99.99
	DefaultSensitivitySplit  = ValidationSplit
	DefaultSensitivityImages = 50
)

func (o Options) withDefaults() Options {
	if o.Split == "" {
		o.Split = DefaultSplit
	}
	if o.Images == 0 {
		o.Images = DefaultImages
	}
	if o.Method == "" {
		o.Method = DefaultMethod
	}
	if o.Percentile == 0 {
		o.Percentile = DefaultPercentile
	}
	if o.TensorRT == (TensorRTVersion{}) {
		o.TensorRT = DefaultTensorRT
	}
	if o.SensitivitySplit == "" {
		o.SensitivitySplit = DefaultSensitivitySplit
	}
	if o.SensitivityImages <= 0 {
		o.SensitivityImages = DefaultSensitivityImages
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = DefaultMaxMemory()
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}

// checkMode checks the paths each mode needs: a calibration, a shard of
// one, or a merge of shards.
func (o Options) checkMode(merge bool) error {
	switch {
	case merge:
		switch {
		case o.Model == "" || o.Out == "":
			return errors.New("calibrate merge needs the parts, a model and an output")
		case o.Data == "" && o.Method == Auto:
			return opterr.Errorf("the parts were collected for --method auto, which scores the methods on held-out images: give {Data}")
		case o.Data == "" && o.MaxMIoUDrop > 0:
			return opterr.Errorf("{MaxMIoUDrop} scores on images: give {Data}")
		case o.Shard != nil || o.SaveHistogramsTo != "":
			return errors.New("a merge takes parts, it does not make one")
		}
	case o.Shard != nil:
		switch {
		case o.Model == "" || o.Data == "" || o.SaveHistogramsTo == "":
			return opterr.Errorf("a shard needs a model, a data set and {SaveHistogramsTo}")
		case o.Out != "" || o.Cache != "" || o.Report != "":
			return opterr.Errorf("a shard writes only {SaveHistogramsTo}; calibrate merge writes the model, cache and report")
		case o.MaxMIoUDrop > 0:
			return opterr.Errorf("{MaxMIoUDrop} runs at the merge, not in a shard")
		}
	default:
		switch {
		case o.Model == "" || o.Data == "" || o.Out == "":
			return fmt.Errorf("calibrate needs a model, a data set and an output")
		case o.SaveHistogramsTo != "":
			return opterr.Errorf("{SaveHistogramsTo} needs {Shard} (0/1 for a single part)")
		}
	}
	return nil
}
