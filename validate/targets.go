package validate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/segtrt/segtrt/internal/fserr"
)

// Targets are a release's acceptance thresholds (targets.yaml). Nil fields
// are not checked.
type Targets struct {
	MinMIoU         *float64 // points
	MaxMIoUDrop     *float64 // points; needs a reference
	MaxClassIoUDrop *ClassDropLimits
	MinFPS          *float64
	MaxLatencyP99   *float64
}

// ClassDropLimits is max_class_iou_drop: one number for every class, or a map
// from Cityscapes class name to points.
type ClassDropLimits struct {
	All     *float64
	ByClass map[string]float64
}

// NeedsReference reports whether a target compares against a reference.
func (t *Targets) NeedsReference() bool {
	return t.MaxMIoUDrop != nil || t.MaxClassIoUDrop != nil
}

// LoadTargets reads targets.yaml; unknown keys, wrong types and unknown
// class names are errors naming the file.
func LoadTargets(path string, classNames []string) (*Targets, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, fserr.Reason(err))
	}
	t, err := ParseTargets(data, classNames)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// targetKeys are the keys targets.yaml may hold, in docs/targets-yaml.md's order.
var targetKeys = []string{"min_miou", "max_miou_drop", "max_class_iou_drop", "min_fps", "max_latency_p99_ms"}

// ParseTargets decodes targets.yaml content key by key, so that every
// error names the key and line at fault. Everything is checked here, before
// any work: one document, no duplicate keys, no nulls, finite numbers in
// their ranges (percentages and drops in 0..100, rates and latencies
// above 0).
func ParseTargets(data []byte, classNames []string) (*Targets, error) {
	var t Targets
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s", oneLine(err.Error()))
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		line := second.Line
		if err != nil {
			return nil, fmt.Errorf("%s", oneLine(err.Error()))
		}
		return nil, fmt.Errorf("line %d: a second YAML document; targets.yaml holds one", line)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null" {
		return &t, nil // empty file: no targets
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping of target keys (%s)", root.Line, strings.Join(targetKeys, ", "))
	}
	number := func(n *yaml.Node, key string) (*float64, error) {
		var v float64
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Decode(&v) != nil {
			return nil, fmt.Errorf("line %d: %s: want a number, got %s", n.Line, key, shown(n))
		}
		lo, hi, open := limitsOf(key)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi || open && v == lo {
			return nil, fmt.Errorf("line %d: %s: %s is out of range (%s)", n.Line, key, shown(n), rangeText(lo, hi, open))
		}
		return &v, nil
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			return nil, fmt.Errorf("line %d: %s given twice", k.Line, k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "min_miou":
			t.MinMIoU, err = number(v, k.Value)
		case "max_miou_drop":
			t.MaxMIoUDrop, err = number(v, k.Value)
		case "min_fps":
			t.MinFPS, err = number(v, k.Value)
		case "max_latency_p99_ms":
			t.MaxLatencyP99, err = number(v, k.Value)
		case "max_class_iou_drop":
			t.MaxClassIoUDrop, err = classDropLimits(v, classNames, number)
		default:
			return nil, fmt.Errorf("line %d: unknown key %q (known: %s)", k.Line, k.Value, strings.Join(targetKeys, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	return &t, nil
}

func classDropLimits(v *yaml.Node, classNames []string, number func(*yaml.Node, string) (*float64, error)) (*ClassDropLimits, error) {
	const key = "max_class_iou_drop"
	if v.Kind == yaml.ScalarNode {
		all, err := number(v, key)
		return &ClassDropLimits{All: all}, err
	}
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s: want a number or a map of class -> points", v.Line, key)
	}
	known := map[string]bool{}
	for _, n := range classNames {
		known[n] = true
	}
	c := &ClassDropLimits{ByClass: map[string]float64{}}
	for i := 0; i+1 < len(v.Content); i += 2 {
		name := v.Content[i].Value
		if _, dup := c.ByClass[name]; dup {
			return nil, fmt.Errorf("line %d: %s: class %q given twice", v.Content[i].Line, key, name)
		}
		if !known[name] {
			return nil, fmt.Errorf("line %d: %s: unknown class %q (classes: %s)", v.Content[i].Line, key, name, strings.Join(classNames, ", "))
		}
		p, err := number(v.Content[i+1], key+"."+name)
		if err != nil {
			return nil, err
		}
		c.ByClass[name] = *p
	}
	return c, nil
}

// limitsOf is a key's allowed range: [lo, hi], or (lo, hi] when open.
func limitsOf(key string) (lo, hi float64, open bool) {
	switch {
	case key == "min_fps" || key == "max_latency_p99_ms":
		return 0, math.MaxFloat64, true
	default: // mIoU and drops, in points
		return 0, 100, false
	}
}

func rangeText(lo, hi float64, open bool) string {
	if hi == math.MaxFloat64 {
		return "want a number above 0"
	}
	return fmt.Sprintf("want %g to %g", lo, hi)
}

// shown quotes a node's value for an error, cut short: a 10 MB value must
// not be echoed whole.
func shown(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return "a " + map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[n.Kind]
	}
	if n.Tag == "!!null" {
		return "null"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return fmt.Sprintf("%q", v)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
