// Package passes rewrites ONNX graphs for TensorRT (constant folding is
// package fold's): identity and dead-node removal (cleanup.go), fusion of
// the SPG excitation and of average pooling into segtrt's plugin nodes
// (pooling only where AvgPoolInfer's error bound is no worse than a direct
// sum's: global pooling and large stride-1 windows), with --train-crop
// turning global pooling into inference-time pooling (fuse.go), and the
// reverse rewrite of plugin nodes into standard ops so that ONNX Runtime
// can run a fused graph (unfuse.go).
//
// Every pass edits the graph's protobuf in place and leaves re-indexing to
// the caller (graph.New), as the graph package describes.
package passes

import (
	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// Plugin facts shared with the TensorRT plugins (plugins/).
const (
	Domain        = "segtrt"
	PluginVersion = "1"
	Namespace     = "segtrt"
	SPGExciteOp   = "SPGExcite"
	AvgPoolOp     = "AvgPoolInfer"
)

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_INTS.Enum(), Ints: v}
}

func stringAttr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: onnxpb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

// pluginAttrs are the attributes TensorRT's ONNX parser reads to find a
// plugin by name.
func pluginAttrs() []*onnxpb.AttributeProto {
	return []*onnxpb.AttributeProto{stringAttr("plugin_version", PluginVersion), stringAttr("plugin_namespace", Namespace)}
}

// ensureOpset adds an opset import for domain if the model lacks one.
func ensureOpset(m *onnxpb.ModelProto, domain string, version int64) {
	for _, op := range m.OpsetImport {
		if op.GetDomain() == domain {
			return
		}
	}
	m.OpsetImport = append(m.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: proto.String(domain), Version: proto.Int64(version)})
}
