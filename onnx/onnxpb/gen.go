// Package onnxpb holds Go types for the ONNX protobuf schema, generated from
// segtrt's own transcription onnx.proto. Start with ModelProto.
package onnxpb

//go:generate protoc --plugin=protoc-gen-go=../../bin/protoc-gen-go --go_out=. --go_opt=paths=source_relative onnx.proto
