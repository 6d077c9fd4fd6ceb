package calib

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/segtrt/segtrt/internal/atomicfile"
	"github.com/segtrt/segtrt/onnx/qdq"
	"github.com/segtrt/segtrt/trt"
)

// TensorRTVersion is the TensorRT a cache targets.
type TensorRTVersion struct{ Major, Minor, Patch int }

// DefaultTensorRT is the TensorRT 10 release segtrt targets.
var DefaultTensorRT = TensorRTVersion{10, 16, 0}

// Code is the number in a cache header: major*10000 + minor*100 + patch.
func (v TensorRTVersion) Code() int { return v.Major*10000 + v.Minor*100 + v.Patch }

// ParseTensorRTVersion reads "10.16" or "10.16.0".
func ParseTensorRTVersion(s string) (TensorRTVersion, error) {
	parts := strings.Split(s, ".")
	var v TensorRTVersion
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	if len(parts) < 2 || len(parts) > 3 {
		return v, fmt.Errorf("TensorRT version %q: want MAJOR.MINOR[.PATCH]", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 99 {
			return v, fmt.Errorf("TensorRT version %q: want MAJOR.MINOR[.PATCH]", s)
		}
		*nums[i] = n
	}
	return v, nil
}

// CalibratorClass is the TensorRT calibrator a method's cache is read
// through: minmax by MinMaxCalibration, the rest by EntropyCalibration2.
func CalibratorClass(m Method) string {
	if m == MinMax {
		return trt.CalibMinMax.String()
	}
	return trt.CalibEntropy2.String()
}

// Cache is a TensorRT calibration cache: a scale per tensor name.
type Cache struct {
	Version    int    // header version code, e.g. 101600
	Calibrator string // e.g. EntropyCalibration2
	Scales     map[string]float32
}

// Scale is the int8 scale of amax: float32(amax/127).
func Scale(amax float64) float32 { return float32(amax / 127) }

// WriteCache writes c in TensorRT's text format: a "TRT-<version>-<class>"
// header, then "name: xxxxxxxx" (the scale's float32 bits in hex) per
// tensor, sorted by name so equal inputs give equal bytes.
func WriteCache(w io.Writer, c *Cache) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "TRT-%d-%s\n", c.Version, c.Calibrator)
	names := make([]string, 0, len(c.Scales))
	for n := range c.Scales {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(bw, "%s: %08x\n", n, math.Float32bits(c.Scales[n]))
	}
	return bw.Flush()
}

// saveCache writes c to path atomically and returns the bytes written.
func saveCache(path string, c *Cache) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteCache(&buf, c); err != nil {
		return nil, err
	}
	return buf.Bytes(), atomicfile.WriteBytes(path, buf.Bytes())
}

// ReadCache parses a TensorRT calibration cache. Errors give the line.
func ReadCache(r io.Reader) (*Cache, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("empty file, not a TensorRT calibration cache")
	}
	head := strings.TrimSpace(sc.Text())
	rest, ok := strings.CutPrefix(head, "TRT-")
	ver, class, ok2 := strings.Cut(rest, "-")
	code, err := strconv.Atoi(ver)
	if !ok || !ok2 || err != nil || class == "" {
		return nil, fmt.Errorf("line 1: header %q is not TRT-<version>-<calibrator>", truncate(head))
	}
	c := &Cache{Version: code, Calibrator: class, Scales: map[string]float32{}}
	line := 1
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		i := strings.LastIndex(text, ": ")
		if i <= 0 {
			return nil, fmt.Errorf("line %d: %q is not \"tensor: hexscale\"", line, truncate(text))
		}
		name, hex := text[:i], strings.TrimSpace(text[i+2:])
		bits, err := strconv.ParseUint(hex, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("line %d: scale %q of %q is not 8 hex digits", line, truncate(hex), name)
		}
		s := math.Float32frombits(uint32(bits))
		// TensorRT divides by the scale: it must be finite, positive and
		// normal (at least FLT_MIN, 2^-126).
		if !qdq.ValidScale(s) {
			return nil, fmt.Errorf("line %d: scale of %q is %v; want a finite number of at least 2^-126", line, name, s)
		}
		if _, dup := c.Scales[name]; dup {
			return nil, fmt.Errorf("line %d: tensor %q appears twice", line, name)
		}
		c.Scales[name] = s
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// VersionWarning is a warning when the header names a TensorRT version
// segtrt does not know, else "": TensorRT 8 to 11, as major*1000+minor*100+
// patch (TensorRT 8 and 9's own) or major*10000+minor*100+patch.
func (c *Cache) VersionWarning() string {
	switch v := c.Version; {
	case v >= 8000 && v < 10000, v >= 80000 && v < 120000:
		return ""
	}
	return fmt.Sprintf("the cache header names TensorRT version code %d, which is not TensorRT 8 to 11: was it written by this tool chain?", c.Version)
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
