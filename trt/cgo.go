package trt

/*
#cgo CXXFLAGS: -std=c++17 -O2 -Wall -Wno-deprecated-declarations
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "shimtable.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/segtrt/segtrt/trt/internal/logring"
)

// msgCap is the message buffer of an ordinary call; parsing gets more,
// one line per parser error.
const (
	msgCap      = 4096
	parseMsgCap = 64 << 10
	ringMsgCap  = 1024
)

// msgBuf is a caller-provided message buffer for one shim call. It is Go
// memory, passed only for the duration of the call.
type msgBuf []byte

func newMsg(n int) msgBuf       { return make(msgBuf, n) }
func (m msgBuf) ptr() *C.char   { return (*C.char)(unsafe.Pointer(&m[0])) }
func (m msgBuf) size() C.size_t { return C.size_t(len(m)) }

var logState struct {
	sync.Mutex
	ring *logring.Ring
	sink func(logMessage)
}

func ring() *logring.Ring {
	logState.Lock()
	defer logState.Unlock()
	if logState.ring == nil {
		logState.ring = logring.FromPointer(unsafe.Pointer(C.segtrt_logger_ring()), ringMsgCap)
	}
	return logState.ring
}

// setLogSink sends every TensorRT log message (at or above SetLogLevel's
// severity) to f as the calls that logged it return; nil drops them.
func setLogSink(f func(logMessage)) {
	logState.Lock()
	logState.sink = f
	logState.Unlock()
}

// currentSink is the sink messages go to now (nil: none).
func currentSink() func(logMessage) {
	logState.Lock()
	defer logState.Unlock()
	return logState.sink
}

// wrapLogSink replaces the sink with wrap(the current one), atomically, and
// returns the one it replaced, for putting back.
func wrapLogSink(wrap func(prev func(logMessage)) func(logMessage)) (prev func(logMessage)) {
	logState.Lock()
	defer logState.Unlock()
	prev = logState.sink
	logState.sink = wrap(prev)
	return prev
}

// setLogLevel keeps messages of severity s and more severe (default
// SevWarning).
func setLogLevel(s severity) { C.segtrt_logger_set_level(C.int(s)) }

// drainLog takes the messages TensorRT logged during the call whose
// message buffer is m (the shim tags them with its address; heap memory,
// as every pointer cgo passes escapes): every newly drained message goes to
// the sink, and the call's own error-level ones are returned for its error.
// Messages of other calls still running wait for them.
func drainLog(m msgBuf) []string {
	r := ring()
	if r == nil {
		return nil
	}
	sink := currentSink()
	var toSink func(logring.Message)
	if sink != nil {
		toSink = func(lm logring.Message) { sink(logMessage{severity(lm.Severity), lm.Text}) }
	}
	mine, dropped := r.Take(uint64(uintptr(unsafe.Pointer(&m[0]))), toSink)
	if dropped > 0 && sink != nil {
		sink(logMessage{sevWarning, fmt.Sprintf("%d TensorRT log messages were lost (ring buffer full)", dropped)})
	}
	var errs []string
	for _, lm := range mine {
		if severity(lm.Severity) <= sevError {
			errs = append(errs, lm.Text)
		}
	}
	return errs
}

// check turns a shim status into an error (statusToError) after taking
// the call's part of TensorRT's log.
func check(rc C.int, m msgBuf) error {
	log := drainLog(m)
	if rc == C.SEGTRT_OK {
		return nil
	}
	return statusToError(int(rc), C.GoString(m.ptr()), log)
}

// loadPlugin loads a plugin library once per process and tells the log
// sink what it did.
func loadPlugin(reg pluginRegistry, path string) error {
	note, err := loadPluginOnce(reg, path)
	if err != nil {
		return err
	}
	if sink := currentSink(); sink != nil {
		sink(logMessage{sevInfo, note})
	}
	return nil
}

// LoadOptions say where the shim, TensorRT and the CUDA runtime are;
// empty fields are searched for (see libs.go).
type LoadOptions struct {
	Shim        string // libsegtrt_trtN.so or its folder (--trt-shim)
	TensorRTLib string // libnvinfer.so.N or its folder
	CUDARTLib   string // libcudart.so.N or its folder
	Env         *Env   // nil: the real environment
}

var loadState struct {
	sync.Mutex
	done bool
	info Info
	err  error
}

// Load opens a TensorRT shim and, through it, TensorRT (libnvinfer,
// libnvonnxparser and, if present, libnvinfer_plugin of the shim's major
// version) and the CUDA runtime, once per process; later calls return the
// first result. Shims are tried newest major first: the first whose
// TensorRT loads is kept.
func Load(opts LoadOptions) (Info, error) {
	loadState.Lock()
	defer loadState.Unlock()
	if loadState.done {
		return loadState.info, loadState.err
	}
	info, err := load(opts)
	loadState.done, loadState.info, loadState.err = true, info, err
	return info, err
}

// ShimCandidates lists where the shims are looked for, newest major first:
// --trt-shim (file or folder), $SEGTRT_TRT_SHIM (file or folder), the
// binary's folder and its ../lib, LD_LIBRARY_PATH, the usual system
// folders. Never the bare name: a shim is found where it is documented to
// be, or not at all.
func ShimCandidates(e Env, explicit string) []string {
	if explicit != "" && !e.IsDir(explicit) {
		return []string{explicit}
	}
	var out []string
	for _, m := range Majors {
		var installed []string
		if exe, err := e.Executable(); err == nil {
			installed = append(installed, filepath.Join(filepath.Dir(exe), "..", "lib", ShimName(m)))
		}
		out = append(out, e.Candidates(ShimName(m), explicit, EnvShim, installed...)...)
	}
	return dedupe(out)
}

// shimABI is the C ABI version this binary calls (segtrt_trt.h).
const shimABI = C.SEGTRT_SHIM_ABI

// shimSymbols are the entry points a shim must export.
func shimSymbols() []string {
	out := make([]string, int(C.segtrt_shim_nsymbols()))
	for i := range out {
		out[i] = C.GoString(C.segtrt_shim_symbol(C.int(i)))
	}
	return out
}

// FoundShimMajors are the TensorRT majors whose shim file exists where
// Load looks (by name, before anything is loaded).
func FoundShimMajors(e Env, explicit string) []int {
	var out []int
	for _, p := range ShimCandidates(e, explicit) {
		if m := shimMajorFromName(p); m != 0 && filepath.IsAbs(p) && e.IsFile(p) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// openShim opens the shim at p and says which TensorRT headers built it.
func openShim(p string) (headerVersion int, err error) {
	m := newMsg(msgCap)
	cp := C.CString(p)
	defer C.free(unsafe.Pointer(cp))
	var hv C.int32_t
	if C.segtrt_shim_open(cp, &hv, m.ptr(), m.size()) != 0 {
		return 0, errors.New(C.GoString(m.ptr()))
	}
	return int(hv), nil
}

// closeShim closes the open shim, forgetting its log ring.
func closeShim() {
	logState.Lock()
	logState.ring = nil
	logState.Unlock()
	C.segtrt_shim_close()
}

func load(opts LoadOptions) (Info, error) {
	env := OSEnv
	if opts.Env != nil {
		env = *opts.Env
	}
	var info Info
	var trtErrs []error // one per shim whose TensorRT did not load
	var shimMajors []int
	for _, p := range ShimCandidates(env, opts.Shim) {
		if !env.IsFile(p) {
			continue
		}
		hv, err := openShim(p)
		if err != nil {
			info.ShimRefused = append(info.ShimRefused, Refusal{Path: p, Why: err.Error()})
			continue
		}
		major := hv / 10000
		if n := shimMajorFromName(p); n != 0 && n != major {
			closeShim()
			info.ShimRefused = append(info.ShimRefused, Refusal{Path: p,
				Why: fmt.Sprintf("%s was built with TensorRT %s headers, not %d's", p, VersionString(hv), n)})
			continue
		}
		got, err := loadThrough(opts, env, hv)
		got.ShimPath, got.ShimRefused = p, info.ShimRefused
		if err == nil || got.NvInferPath != "" {
			// TensorRT loaded (the CUDA runtime may not have): keep the shim.
			return got, err
		}
		closeShim()
		info.ShimRefused = append(info.ShimRefused, Refusal{Path: p, Why: err.Error()})
		trtErrs, shimMajors = append(trtErrs, err), append(shimMajors, major)
	}
	switch {
	case len(trtErrs) > 0:
		// Shims opened, and no TensorRT of their majors loaded. When none
		// was found at all, say so in one short line; else name each
		// failure, newest major first.
		var sonames, dirs, whys []string
		allMissing := true
		for i, e := range trtErrs {
			whys = append(whys, e.Error())
			allMissing = allMissing && errors.Is(e, ErrLibraryNotFound)
			m := shimMajors[i]
			sonames = append(sonames, TensorRTSonames(m).NvInfer)
			for _, c := range env.Candidates(TensorRTSonames(m).NvInfer, opts.TensorRTLib, EnvTensorRTLib) {
				dirs = append(dirs, filepath.Dir(c))
			}
		}
		if allMissing {
			return info, fmt.Errorf("TensorRT %w: no %s in %s, nor where the loader looks (install TensorRT, or set %s or LD_LIBRARY_PATH)",
				ErrLibraryNotFound, strings.Join(dedupe(sonames), " or "), strings.Join(dedupe(dirs), ", "), EnvTensorRTLib)
		}
		if len(trtErrs) == 1 {
			return info, trtErrs[0]
		}
		return info, fmt.Errorf("%w; %s", trtErrs[0], strings.Join(whys[1:], "; "))
	case len(info.ShimRefused) > 0:
		return info, fmt.Errorf("no TensorRT shim could be used: %s", refusalList(info.ShimRefused))
	}
	var dirs []string
	for _, c := range ShimCandidates(env, opts.Shim) {
		dirs = append(dirs, filepath.Dir(c))
	}
	return info, fmt.Errorf("TensorRT shim %w: no %s or %s in %s (make native builds them; keep them next to the binary, or give --trt-shim or set %s)",
		ErrLibraryNotFound, ShimName(11), ShimName(10), strings.Join(dedupe(dirs), ", "), EnvShim)
}

func refusalList(rs []Refusal) string {
	whys := make([]string, len(rs))
	for i, r := range rs {
		whys[i] = r.Why
	}
	return strings.Join(whys, "; ")
}

// shimMajorFromName is N of libsegtrt_trtN.so, or 0.
func shimMajorFromName(p string) int {
	var n int
	if _, err := fmt.Sscanf(filepath.Base(p), "libsegtrt_trt%d.so", &n); err != nil {
		return 0
	}
	return n
}

// loadThrough loads TensorRT of the open shim's major, then the CUDA
// runtime.
func loadThrough(opts LoadOptions, env Env, headerVersion int) (Info, error) {
	major := headerVersion / 10000
	info := Info{HeaderVersion: VersionString(headerVersion), TensorRTMajor: major}
	names := TensorRTSonames(major)
	hint := fmt.Sprintf("install TensorRT %d, or set %s or LD_LIBRARY_PATH", major, EnvTensorRTLib)
	failures := map[string]string{}
	loaded := false
	for _, p := range env.LoadOrder(names.NvInfer, opts.TensorRTLib, EnvTensorRTLib) {
		parser, plugin := names.Parser, names.Plugin
		if filepath.IsAbs(p) {
			// The parser and plugins sit beside libnvinfer in every layout
			// NVIDIA ships; else leave them to the loader's search.
			if q := filepath.Join(filepath.Dir(p), names.Parser); env.IsFile(q) {
				parser = q
			}
			if q := filepath.Join(filepath.Dir(p), names.Plugin); env.IsFile(q) {
				plugin = q
			}
		}
		m := newMsg(msgCap)
		cp, cparser, cplugin := C.CString(p), C.CString(parser), C.CString(plugin)
		rc := C.segtrt_load_tensorrt(cp, cparser, cplugin, m.ptr(), m.size())
		C.free(unsafe.Pointer(cp))
		C.free(unsafe.Pointer(cparser))
		C.free(unsafe.Pointer(cplugin))
		if err := check(rc, m); err != nil {
			failures[p] = err.Error()
			continue
		}
		info.NvInferPath, info.ParserPath, info.PluginPath = p, parser, plugin
		loaded = true
		break
	}
	if !loaded {
		return info, loadFailure("TensorRT", env.Candidates(names.NvInfer, opts.TensorRTLib, EnvTensorRTLib), names.NvInfer, failures, hint)
	}
	var tried []string
	for _, soname := range CUDARTSonames {
		tried = append(tried, env.Candidates(soname, opts.CUDARTLib, EnvCUDARTLib)...)
		tried = append(tried, soname)
	}
	path, refused, failures := chooseCUDART(CUDARTSonames,
		func(soname string) []string { return env.LoadOrder(soname, opts.CUDARTLib, EnvCUDARTLib) },
		openCUDART)
	info.CUDARTPath, info.CUDARTRefused = path, refused
	if path == "" {
		if len(refused) > 0 {
			return info, fmt.Errorf("no CUDA runtime works with this driver: %s (update the NVIDIA driver, or point %s at an older runtime)",
				refusalList(refused), EnvCUDARTLib)
		}
		return info, loadFailure("CUDA runtime", dedupe(tried), "", failures, "install the CUDA runtime, or set "+EnvCUDARTLib)
	}
	var trtv, parserv C.int32_t
	var rt, drv, std C.int
	m := newMsg(msgCap)
	if err := check(C.segtrt_versions(&trtv, &parserv, &rt, &drv, &std, m.ptr(), m.size()), m); err != nil {
		return info, err
	}
	info.TensorRT = VersionString(int(trtv))
	info.TensorRTMajor = int(trtv) / 10000
	info.Parser = fmt.Sprint(int(parserv))
	if parserv >= 10000 { // recent parsers report major*10000+minor*100+patch
		info.Parser = VersionString(int(parserv))
	}
	info.CUDARuntime = CUDAVersionString(int(rt))
	info.CUDADriver = CUDAVersionString(int(drv))
	if std == 0 {
		info.PluginPath = ""
	}
	return info, nil
}

// openCUDART loads the CUDA runtime at p into the shim, which refuses one
// the driver is too old for (ErrInsufficientDriver).
func openCUDART(p string) error {
	m := newMsg(msgCap)
	cp := C.CString(p)
	defer C.free(unsafe.Pointer(cp))
	return check(C.segtrt_load_cudart(cp, m.ptr(), m.size()), m)
}

// loadFailure says "X library not found: tried ..." when nothing could be
// opened at all, and names the file and the reason when a library exists
// but would not load (wrong version, missing dependency).
func loadFailure(what string, candidates []string, soname string, failures map[string]string, hint string) error {
	tried := candidates
	if soname != "" {
		tried = append(append([]string{}, candidates...), soname)
	}
	notes := map[string]string{}
	for _, p := range tried {
		why, attempted := failures[p]
		switch {
		case !attempted:
		case filepath.IsAbs(p):
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s library %s cannot be loaded: %s", what, p, why)
			}
		default:
			notes[p] = "not in the loader's search path"
		}
	}
	return notFound(what, tried, notes, hint)
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// errNotLoaded is returned by constructors called before Load.
var errNotLoaded = errors.New("TensorRT is not loaded: call trt.Load first")

func loaded() error {
	loadState.Lock()
	defer loadState.Unlock()
	if !loadState.done {
		return errNotLoaded
	}
	return loadState.err
}

// cStrings copies Go strings into C memory; free releases them.
type cStrings []*C.char

func newCStrings(list []string) cStrings {
	out := make(cStrings, len(list))
	for i, s := range list {
		out[i] = C.CString(s)
	}
	return out
}

func (c cStrings) free() {
	for _, p := range c {
		C.free(unsafe.Pointer(p))
	}
}

// desc converts a shim tensor description.
func desc(d *C.segtrt_tensor_desc) TensorDesc {
	t := TensorDesc{
		Name:  C.GoString(&d.name[0]),
		Input: d.is_input != 0,
		DType: DataType(d.dtype),
	}
	t.Type = t.DType.String()
	for i := 0; i < int(d.nb_dims); i++ {
		t.Shape = append(t.Shape, int64(d.dims[i]))
	}
	return t
}

// blobBytes copies a shim blob into Go memory and frees it.
func blobBytes(b *C.segtrt_blob) []byte {
	defer C.segtrt_blob_destroy(b)
	n := int(C.segtrt_blob_size(b))
	out := make([]byte, n)
	if n > 0 {
		copy(out, unsafe.Slice((*byte)(C.segtrt_blob_data(b)), n))
	}
	return out
}
