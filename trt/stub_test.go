//go:build !tensorrt

package trt

import (
	"context"
	"errors"
	"testing"
)

func TestDefaultBuildSaysNoTensorRT(t *testing.T) {
	if Compiled || HeaderVersion() != "" {
		t.Fatal("default build claims TensorRT")
	}
	if _, err := Load(LoadOptions{}); !errors.Is(err, ErrNoTensorRT) {
		t.Fatal(err)
	}
	if _, err := BuildEngine(context.Background(), BuildSpec{}); !errors.Is(err, ErrNoTensorRT) {
		t.Fatal(err)
	}
	if _, _, err := OpenEngineRunner("m.engine", RunnerOptions{}); !errors.Is(err, ErrNoTensorRT) {
		t.Fatal(err)
	}
	if _, err := NewBuilder(); !errors.Is(err, ErrNoTensorRT) {
		t.Fatal(err)
	}
	if _, err := NewDeviceBuffer(4); !errors.Is(err, ErrNoTensorRT) {
		t.Fatal(err)
	}
	// Cleanup works on nothing.
	var b *Builder
	var r *EngineRunner
	if b.Close() != nil || r.Close() != nil || (&EngineRunner{}).Close() != nil {
		t.Fatal("Close failed")
	}
}
