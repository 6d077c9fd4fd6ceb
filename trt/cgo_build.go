package trt

/*
#include <stdlib.h>
#include "shimtable.h"
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"
)

// builder builds engines (nvinfer1::IBuilder). One goroutine at a time.
type builder struct{ h *C.segtrt_builder }

// newBuilder makes a builder; Load must have succeeded.
func newBuilder() (*builder, error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	m := newMsg(msgCap)
	var h *C.segtrt_builder
	if err := check(C.segtrt_builder_create(&h, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &builder{h: h}, nil
}

// Close frees the builder; safe on nil, twice, and on half-built values.
func (b *builder) Close() error {
	if b != nil && b.h != nil {
		C.segtrt_builder_destroy(b.h)
		b.h = nil
	}
	return nil
}

// LoadPlugin makes the plugins of a library registered (TensorRT's
// registry is one per process; each library is loaded once, see
// pluginlibs.go).
func (b *builder) LoadPlugin(path string) error { return loadPlugin(builderRegistry{b}, path) }

type builderRegistry struct{ b *builder }

func (r builderRegistry) loadLibrary(path string) error {
	m := newMsg(msgCap)
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	return check(C.segtrt_builder_load_plugin(r.b.h, cp, m.ptr(), m.size()), m)
}

func (r builderRegistry) hasCreator(name, version, ns string) (bool, error) {
	cs := newCStrings([]string{name, version, ns})
	defer cs.free()
	m := newMsg(msgCap)
	var found C.int
	err := check(C.segtrt_builder_has_plugin_creator(r.b.h, cs[0], cs[1], cs[2], &found, m.ptr(), m.size()), m)
	return found != 0, err
}

// network is a parsed ONNX model (network definition plus its parser).
type network struct{ h *C.segtrt_network }

// ParseONNX parses the ONNX file at path. On a parse failure the error's
// ParseErrors list one entry per parser error, each naming its node.
func (b *builder) ParseONNX(path string, stronglyTyped bool) (*network, error) {
	m := newMsg(parseMsgCap)
	cp := C.CString(path)
	defer C.free(unsafe.Pointer(cp))
	st := C.int(0)
	if stronglyTyped {
		st = 1
	}
	var h *C.segtrt_network
	if err := check(C.segtrt_network_parse(b.h, cp, st, &h, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &network{h: h}, nil
}

// Close frees the network; safe on nil and twice.
func (n *network) Close() error {
	if n != nil && n.h != nil {
		C.segtrt_network_destroy(n.h)
		n.h = nil
	}
	return nil
}

// IO lists the network's inputs then outputs.
func (n *network) IO() ([]TensorDesc, error) {
	var count C.int
	if rc := C.segtrt_network_num_io(n.h, &count); rc != C.SEGTRT_OK {
		return nil, statusToError(int(rc), "network I/O count", nil)
	}
	out := make([]TensorDesc, 0, int(count))
	for i := 0; i < int(count); i++ {
		var d C.segtrt_tensor_desc
		m := newMsg(msgCap)
		if err := check(C.segtrt_network_io(n.h, C.int(i), &d, m.ptr(), m.size()), m); err != nil {
			return nil, err
		}
		out = append(out, desc(&d))
	}
	return out, nil
}

// builderConfig is a builder configuration (nvinfer1::IBuilderConfig) with the
// timing cache and calibrator it refers to.
type builderConfig struct{ h *C.segtrt_config }

// NewConfig makes a configuration.
func (b *builder) NewConfig() (*builderConfig, error) {
	m := newMsg(msgCap)
	var h *C.segtrt_config
	if err := check(C.segtrt_config_create(b.h, &h, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return &builderConfig{h: h}, nil
}

// Close frees the config; safe on nil and twice.
func (c *builderConfig) Close() error {
	if c != nil && c.h != nil {
		C.segtrt_config_destroy(c.h)
		c.h = nil
	}
	return nil
}

// SetFlag sets a precision flag (TensorRT 10; StatusUnsupported on 11).
func (c *builderConfig) SetFlag(f Flag) error {
	m := newMsg(msgCap)
	return check(C.segtrt_config_set_flag(c.h, C.int(f), m.ptr(), m.size()), m)
}

// SetWorkspace limits the workspace memory pool.
func (c *builderConfig) SetWorkspace(bytes uint64) error {
	m := newMsg(msgCap)
	return check(C.segtrt_config_set_workspace(c.h, C.uint64_t(bytes), m.ptr(), m.size()), m)
}

// SetHardwareCompat sets the engine's hardware compatibility level.
func (c *builderConfig) SetHardwareCompat(h HWCompat) error {
	m := newMsg(msgCap)
	return check(C.segtrt_config_set_hw_compat(c.h, C.int(h), m.ptr(), m.size()), m)
}

// SetDetailedProfiling keeps per-layer details for the engine inspector.
func (c *builderConfig) SetDetailedProfiling() error {
	m := newMsg(msgCap)
	return check(C.segtrt_config_set_detailed_profiling(c.h, m.ptr(), m.size()), m)
}

// AddProfile adds one optimisation profile.
func (c *builderConfig) AddProfile(b *builder, inputs []ProfileInput) error {
	names := make([]string, len(inputs))
	ranks := make([]C.int, len(inputs))
	var mins, opts, maxs []C.int64_t
	for i, in := range inputs {
		if len(in.Min) != len(in.Opt) || len(in.Opt) != len(in.Max) {
			return fmt.Errorf("profile input %s: min, opt and max have different ranks", in.Name)
		}
		names[i], ranks[i] = in.Name, C.int(len(in.Opt))
		for k := range in.Opt {
			mins = append(mins, C.int64_t(in.Min[k]))
			opts = append(opts, C.int64_t(in.Opt[k]))
			maxs = append(maxs, C.int64_t(in.Max[k]))
		}
	}
	if len(inputs) == 0 {
		return nil
	}
	// Strings and dims in C memory: C gets only C pointers inside arrays.
	cn := newCStrings(names)
	defer cn.free()
	arr := (**C.char)(C.malloc(C.size_t(len(cn)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	defer C.free(unsafe.Pointer(arr))
	copy(unsafe.Slice(arr, len(cn)), cn)
	var minp, optp, maxp *C.int64_t
	if len(opts) > 0 {
		minp, optp, maxp = &mins[0], &opts[0], &maxs[0]
	}
	m := newMsg(msgCap)
	return check(C.segtrt_config_add_profile(b.h, c.h, C.int(len(inputs)), arr, &ranks[0], minp, optp, maxp,
		m.ptr(), m.size()), m)
}

// SetTimingCache uses a timing cache read from data (empty: a new one).
func (c *builderConfig) SetTimingCache(data []byte) error {
	m := newMsg(msgCap)
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return check(C.segtrt_config_set_timing_cache(c.h, p, C.size_t(len(data)), m.ptr(), m.size()), m)
}

// TimingCache serialises the config's timing cache.
func (c *builderConfig) TimingCache() ([]byte, error) {
	m := newMsg(msgCap)
	var b *C.segtrt_blob
	if err := check(C.segtrt_config_get_timing_cache(c.h, &b, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return blobBytes(b), nil
}

// SetCalibrationCache installs a calibrator that reads only this cache
// (TensorRT 10; StatusUnsupported with TensorRT 11 headers). The data is
// copied.
func (c *builderConfig) SetCalibrationCache(algo CalibAlgo, data []byte) error {
	m := newMsg(msgCap)
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return check(C.segtrt_config_set_calibration_cache(c.h, C.int(algo), p, C.size_t(len(data)), m.ptr(), m.size()), m)
}

// Build builds a serialised engine.
func (b *builder) Build(n *network, c *builderConfig) ([]byte, error) {
	m := newMsg(msgCap)
	var blob *C.segtrt_blob
	if err := check(C.segtrt_builder_build(b.h, n.h, c.h, &blob, m.ptr(), m.size()), m); err != nil {
		return nil, err
	}
	return blobBytes(blob), nil
}

// BuildEngine runs one whole build: builder, plugins, parse, config, build,
// then deserialises the engine to read its I/O, profiles and the
// inspector's per-layer JSON. Load must have succeeded.
func BuildEngine(ctx context.Context, spec BuildSpec) (res *BuildResult, err error) {
	if err := loaded(); err != nil {
		return nil, err
	}
	if err := setDevice(spec.Device); err != nil {
		return nil, err
	}
	// The build's warnings go into its result and on to the caller's sink,
	// which is put back afterwards.
	var warnings []string
	prev := wrapLogSink(func(prev func(logMessage)) func(logMessage) {
		return func(m logMessage) {
			if m.Severity <= sevWarning {
				warnings = append(warnings, m.Text)
			}
			if prev != nil {
				prev(m)
			}
		}
	})
	defer setLogSink(prev)
	b, err := newBuilder()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	for _, p := range spec.PluginLibs {
		if err := b.LoadPlugin(p); err != nil {
			return nil, err
		}
	}
	n, err := b.ParseONNX(spec.ONNX, spec.StronglyTyped)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.ONNX, err)
	}
	defer n.Close()
	c, err := b.NewConfig()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	for _, f := range spec.Flags {
		if err := c.SetFlag(f); err != nil {
			return nil, err
		}
	}
	if spec.WorkspaceBytes > 0 {
		if err := c.SetWorkspace(spec.WorkspaceBytes); err != nil {
			return nil, err
		}
	}
	if err := c.SetHardwareCompat(spec.HWCompat); err != nil {
		return nil, err
	}
	if err := c.SetDetailedProfiling(); err != nil {
		return nil, err
	}
	if err := c.AddProfile(b, spec.Profile); err != nil {
		return nil, err
	}
	if spec.UseTimingCache {
		if err := c.SetTimingCache(spec.TimingCache); err != nil {
			return nil, err
		}
	}
	if spec.CalibCache != nil {
		if err := c.SetCalibrationCache(spec.CalibAlgo, spec.CalibCache); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res = &BuildResult{}
	if res.Engine, err = b.Build(n, c); err != nil {
		return nil, err
	}
	if spec.UseTimingCache {
		if res.TimingCache, err = c.TimingCache(); err != nil {
			return nil, err
		}
	}
	rt, err := newRuntime()
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	for _, p := range spec.PluginLibs {
		if err := rt.LoadPlugin(p); err != nil {
			return nil, err
		}
	}
	e, err := rt.Deserialize(res.Engine)
	if err != nil {
		return nil, fmt.Errorf("reading back the engine just built: %w", err)
	}
	defer e.Close()
	if res.IO, err = e.IO(); err != nil {
		return nil, err
	}
	if res.LayerInfo, err = e.LayerInfo(); err != nil {
		return nil, err
	}
	if res.Profiles, err = e.Profiles(); err != nil {
		return nil, err
	}
	res.HWCompat = e.HardwareCompat()
	res.Layers = e.NumLayers()
	res.Warnings = warnings
	return res, nil
}
