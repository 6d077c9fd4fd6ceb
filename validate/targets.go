package validate

import (
	"fmt"
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
// error names the key and line at fault.
func ParseTargets(data []byte, classNames []string) (*Targets, error) {
	var t Targets
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s", oneLine(err.Error()))
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
		if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
			return nil, fmt.Errorf("line %d: %s: want a number, got %q", n.Line, key, n.Value)
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

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
