package enginemeta

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ParseLayerInfo reads the engine inspector's JSON (IEngineInspector::
// getEngineInformation with LayerInformationFormat::kJSON) into one Layer
// per engine layer and a count per precision. With detailed profiling
// each layer is an object whose first output's "Format/Datatype" names the
// precision it runs in; without it layers are bare names, listed as
// "unknown".
func ParseLayerInfo(info string) ([]Layer, map[string]int, error) {
	var doc struct {
		Layers []json.RawMessage `json:"Layers"`
	}
	if err := json.Unmarshal([]byte(info), &doc); err != nil {
		return nil, nil, fmt.Errorf("engine inspector JSON: %v", err)
	}
	layers := make([]Layer, 0, len(doc.Layers))
	counts := map[string]int{}
	for i, raw := range doc.Layers {
		var name string
		if json.Unmarshal(raw, &name) == nil {
			layers = append(layers, Layer{Name: name, Precision: "unknown"})
			counts["unknown"]++
			continue
		}
		var l struct {
			Name      string `json:"Name"`
			LayerType string `json:"LayerType"`
			Outputs   []map[string]any
			Inputs    []map[string]any
		}
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, nil, fmt.Errorf("engine inspector JSON: layer %d: %v", i, err)
		}
		p := "unknown"
		for _, t := range append(l.Outputs, l.Inputs...) {
			if q := tensorPrecision(t); q != "" {
				p = q
				break
			}
		}
		layers = append(layers, Layer{Name: l.Name, Type: l.LayerType, Precision: p})
		counts[p]++
	}
	return layers, counts, nil
}

// tensorPrecision reads a tensor's element type from its format string,
// e.g. "Channel major FP16 format where channel % 8 == 0" -> fp16.
func tensorPrecision(t map[string]any) string {
	for _, key := range []string{"Format/Datatype", "Datatype", "DataType"} {
		s, ok := t[key].(string)
		if !ok {
			continue
		}
		if p := precisionWord(s); p != "" {
			return p
		}
	}
	return ""
}

func precisionWord(s string) string {
	l := strings.ToLower(s)
	for _, w := range []struct{ key, name string }{
		{"uint8", "uint8"}, {"int8", "int8"}, {"bf16", "bf16"}, {"fp16", "fp16"}, {"half", "fp16"},
		{"fp8", "fp8"}, {"fp4", "fp4"}, {"int4", "int4"}, {"fp32", "fp32"}, {"float", "fp32"},
		{"int32", "int32"}, {"int64", "int64"}, {"bool", "bool"},
	} {
		if strings.Contains(l, w.key) {
			return w.name
		}
	}
	return ""
}
