package ort

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	onnxruntime "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"

	"github.com/segtrt/segtrt/onnx/graph"
	"github.com/segtrt/segtrt/onnx/onnxio"
	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// Options tune a session.
type Options struct {
	// Threads is ONNX Runtime's intra-op thread count; 0 means one per core.
	Threads int
	// NoOptimize turns graph optimisation off (for debugging numerics).
	NoOptimize bool
	// Spin lets idle intra-op threads busy-wait for the next op. Off by
	// default: segtrt decodes and scores images on the same cores while
	// inference runs, and spinning threads starve that work.
	Spin bool
	// KeepLayout leaves tensors in ONNX's NCHW layout: no NCHWc blocking of
	// convolutions. A blocked network computes every NCHW graph output as a
	// reordered copy of a blocked tensor, so a session that outputs all its
	// activations holds them twice; with KeepLayout they are written
	// straight into the caller's buffers (and such a run is faster too,
	// though a plain inference is slower by about a fifth).
	KeepLayout bool
	// NoArena allocates ONNX Runtime's working tensors from the C heap,
	// which gets them back after each run, instead of an arena that keeps
	// every block it ever grew to (often twice the tensors' peak). Costs
	// page faults on each run: worth it where memory is the constraint.
	NoArena bool
}

// Session runs one model. Run is safe for use by one goroutine at a time:
// outputs live in buffers the session reuses.
type Session struct {
	sess  *onnxruntime.DynamicAdvancedSession
	Input string
	// declared is the input's shape as the model declares it; 0 marks a
	// dynamic dimension.
	declared []int64
	Outputs  []string

	mu      sync.Mutex
	shapes  map[string][][]int64                      // output shapes by input shape
	outputs map[string][]*onnxruntime.Tensor[float32] // by input shape
}

// Output is one output of a run. Data belongs to the session and is
// overwritten by the next Run.
type Output struct {
	Name  string
	Shape []int64
	Data  []float32
}

// NewSession makes a session for m, which must have one float32 input and
// float32 outputs (a segmentation network's image in, logits out).
func NewSession(m *onnxio.Model, opts Options) (*Session, error) {
	if _, err := Init(""); err != nil {
		return nil, err
	}
	name := m.Path
	if name == "" {
		name = "model"
	}
	g, err := graph.New(m.Proto.Graph)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("%s: the model has %d inputs; segtrt runs image models with exactly one", name, len(g.Inputs))
	}
	if dt := g.Inputs[0].GetType().GetTensorType().GetElemType(); dt != int32(onnxpb.TensorProto_FLOAT) {
		return nil, fmt.Errorf("%s: input %q is %s, want FLOAT", name, g.Inputs[0].GetName(), onnxpb.TensorProto_DataType(dt))
	}
	s := &Session{Input: g.Inputs[0].GetName(), outputs: map[string][]*onnxruntime.Tensor[float32]{}, shapes: map[string][][]int64{}}
	for _, d := range g.Inputs[0].GetType().GetTensorType().GetShape().GetDim() {
		s.declared = append(s.declared, d.GetDimValue())
	}
	if err := CheckElements(fmt.Sprintf("input %q", s.Input), s.declared); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, o := range g.Proto.Output {
		if dt := o.GetType().GetTensorType().GetElemType(); dt != int32(onnxpb.TensorProto_FLOAT) {
			return nil, fmt.Errorf("%s: output %q is %s, want FLOAT", name, o.GetName(), onnxpb.TensorProto_DataType(dt))
		}
		s.Outputs = append(s.Outputs, o.GetName())
	}
	data, err := proto.Marshal(m.Proto)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	so, err := onnxruntime.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("ONNX Runtime session options: %w", err)
	}
	defer so.Destroy()
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return nil, err
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	if !opts.Spin {
		if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
			return nil, err
		}
	}
	if opts.NoArena {
		if err := so.SetCpuMemArena(false); err != nil {
			return nil, err
		}
	}
	var level onnxruntime.GraphOptimizationLevel = onnxruntime.GraphOptimizationLevelEnableAll
	switch {
	case opts.NoOptimize:
		level = onnxruntime.GraphOptimizationLevelDisableAll
	case opts.KeepLayout:
		level = onnxruntime.GraphOptimizationLevelEnableExtended // all but layout
	}
	if err := so.SetGraphOptimizationLevel(level); err != nil {
		return nil, err
	}
	s.sess, err = onnxruntime.NewDynamicAdvancedSessionWithONNXData(data, []string{s.Input}, s.Outputs, so)
	if err != nil {
		return nil, fmt.Errorf("%s: ONNX Runtime cannot load the model: %s", name, oneLine(err))
	}
	return s, nil
}

// outputShapes returns the output shapes for an input shape, as ONNX
// Runtime computes them: the first time a shape is seen (and no run has
// taught it), the model runs once on zeros.
func (s *Session) outputShapes(shape []int64) ([][]int64, error) {
	if sh, ok := s.shapes[dims(shape)]; ok {
		return sh, nil
	}
	n := int64(1)
	for _, d := range shape {
		n *= max(d, 0)
	}
	if _, err := s.learn(make([]float32, n), shape); err != nil {
		return nil, err
	}
	return s.shapes[dims(shape)], nil
}

// OutputShapes returns the output shapes at an input shape, as ONNX
// Runtime computes them (running the model once on zeros when no run or
// ExpectShapes has told it): for callers that size their own buffers for
// a model whose shapes segtrt's own inference does not know.
func (s *Session) OutputShapes(inputShape []int64) ([][]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil, fmt.Errorf("session is closed")
	}
	sh, err := s.outputShapes(inputShape)
	if err != nil {
		return nil, err
	}
	out := make([][]int64, len(sh))
	for i, o := range sh {
		out[i] = slices.Clone(o)
	}
	return out, nil
}

// ExpectShapes tells the session the output shapes at an input shape, as
// a caller that sized its own buffers knows them, so that the session does
// not run the model once to learn them. Wrong shapes make runs fail.
func (s *Session) ExpectShapes(inputShape []int64, outputs [][]int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(outputs) != len(s.Outputs) {
		return fmt.Errorf("%d output shapes for %d outputs", len(outputs), len(s.Outputs))
	}
	if err := s.checkInput(inputShape); err != nil {
		return err
	}
	sh := make([][]int64, len(outputs))
	for i, o := range outputs {
		sh[i] = slices.Clone(o)
	}
	s.shapes[dims(inputShape)] = sh
	return nil
}

// learn runs input with outputs ONNX Runtime allocates: their shapes are
// the outputs' shapes at this input shape, and the tensors become the
// session's own buffers for it.
func (s *Session) learn(input []float32, shape []int64) ([]*onnxruntime.Tensor[float32], error) {
	key := dims(shape)
	if err := s.checkInput(shape); err != nil {
		return nil, err
	}
	in, err := onnxruntime.NewTensor(onnxruntime.NewShape(shape...), input)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", key, err)
	}
	defer in.Destroy()
	outs := make([]onnxruntime.Value, len(s.Outputs))
	if err := s.sess.Run([]onnxruntime.Value{in}, outs); err != nil {
		return nil, fmt.Errorf("ONNX Runtime at input %s: %s", key, oneLine(err))
	}
	bufs := make([]*onnxruntime.Tensor[float32], len(outs))
	sh := make([][]int64, len(outs))
	for i, v := range outs {
		t, ok := v.(*onnxruntime.Tensor[float32])
		if !ok {
			for _, v := range outs {
				v.Destroy()
			}
			return nil, fmt.Errorf("output %q is not a float32 tensor", s.Outputs[i])
		}
		bufs[i], sh[i] = t, slices.Clone([]int64(t.GetShape()))
	}
	if old, ok := s.outputs[key]; ok {
		for _, t := range old {
			t.Destroy()
		}
	}
	s.shapes[key], s.outputs[key] = sh, bufs
	return bufs, nil
}

// outputBuffers returns reusable output tensors for an input shape.
func (s *Session) outputBuffers(shape []int64) ([]*onnxruntime.Tensor[float32], error) {
	key := dims(shape)
	if bufs, ok := s.outputs[key]; ok {
		return bufs, nil
	}
	sh, err := s.outputShapes(shape)
	if err != nil {
		return nil, err
	}
	for i, o := range sh {
		if err := CheckElements("output "+s.Outputs[i], o); err != nil {
			return nil, err
		}
	}
	bufs := make([]*onnxruntime.Tensor[float32], len(s.Outputs))
	for i := range s.Outputs {
		bufs[i], err = onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(sh[i]...))
		if err != nil {
			return nil, err
		}
	}
	s.outputs[key] = bufs
	return bufs, nil
}

// Run infers on one input tensor (NCHW float32, not copied) and returns
// the outputs, which live in the session's buffers.
func (s *Session) Run(input []float32, shape []int64) ([]Output, error) {
	return s.run(input, shape, make([][]float32, len(s.Outputs)))
}

// run infers on input, writing output i into dst[i], or into the session's
// own buffer where dst[i] is nil.
func (s *Session) run(input []float32, shape []int64, dst [][]float32) ([]Output, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil, fmt.Errorf("session is closed")
	}
	if _, known := s.shapes[dims(shape)]; !known && !slices.ContainsFunc(dst, func(d []float32) bool { return d != nil }) {
		// The first run at this shape into the session's own buffers
		// teaches the output shapes on the way.
		bufs, err := s.learn(input, shape)
		if err != nil {
			return nil, err
		}
		res := make([]Output, len(bufs))
		for i, b := range bufs {
			res[i] = Output{Name: s.Outputs[i], Shape: slices.Clone([]int64(b.GetShape())), Data: b.GetData()}
		}
		return res, nil
	}
	sh, err := s.outputShapes(shape)
	if err != nil {
		return nil, err
	}
	if len(dst) != len(sh) {
		return nil, fmt.Errorf("%d output buffers for %d outputs", len(dst), len(sh))
	}
	in, err := onnxruntime.NewTensor(onnxruntime.NewShape(shape...), input)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", dims(shape), err)
	}
	defer in.Destroy()
	var own []*onnxruntime.Tensor[float32]
	outs := make([]onnxruntime.Value, len(sh))
	res := make([]Output, len(sh))
	for i := range sh {
		res[i] = Output{Name: s.Outputs[i], Shape: slices.Clone(sh[i]), Data: dst[i]}
		if dst[i] == nil {
			if own == nil {
				if own, err = s.outputBuffers(shape); err != nil {
					return nil, err
				}
			}
			outs[i], res[i].Data = own[i], own[i].GetData()
			continue
		}
		want := onnxruntime.NewShape(sh[i]...)
		if int64(len(dst[i])) != want.FlattenedSize() {
			return nil, fmt.Errorf("output buffer %d has %d values, output %q needs %d (%s)", i, len(dst[i]), s.Outputs[i], want.FlattenedSize(), want)
		}
		t, err := onnxruntime.NewTensor(want, dst[i])
		if err != nil {
			return nil, err
		}
		defer t.Destroy()
		outs[i] = t
	}
	if err := s.sess.Run([]onnxruntime.Value{in}, outs); err != nil {
		return nil, fmt.Errorf("ONNX Runtime: %s", oneLine(err))
	}
	return res, nil
}

// checkInput refuses an input shape the model's declared input rules out,
// before ONNX Runtime does so in several lines.
func (s *Session) checkInput(shape []int64) error {
	ok := len(s.declared) == 0 || len(shape) == len(s.declared)
	for i, d := range shape {
		if d <= 0 || ok && len(s.declared) > 0 && s.declared[i] > 0 && s.declared[i] != d {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("input %q is %s; the model declares %s", s.Input, dims(shape), dims(s.declared))
	}
	return CheckElements(fmt.Sprintf("input %q", s.Input), shape)
}

// MaxTensorElements bounds every tensor segtrt allocates for a model:
// 2^31 floats (8 GiB), far above any segmentation network's (Cityscapes'
// 19x1024x2048 logits are 40 M). A model declaring more is refused before
// anything is allocated, in one line, not by the Go runtime's out-of-memory
// crash.
const MaxTensorElements = 1 << 31

// CheckElements refuses a shape over MaxTensorElements (or one whose
// element count overflows).
func CheckElements(what string, shape []int64) error {
	n := int64(1)
	for _, d := range shape {
		if d > 0 && n > MaxTensorElements/d {
			return fmt.Errorf("%s is %s: more than segtrt's limit of 2^31 elements per tensor", what, dims(shape))
		}
		if d > 0 {
			n *= d
		}
	}
	if n > MaxTensorElements {
		return fmt.Errorf("%s is %s: more than segtrt's limit of 2^31 elements per tensor", what, dims(shape))
	}
	return nil
}

// dims writes a shape as 1x3x512x1024 (? for a dynamic dimension).
func dims(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = "?"
		if d > 0 {
			parts[i] = strconv.FormatInt(d, 10)
		}
	}
	return strings.Join(parts, "x")
}

// oneLine joins ONNX Runtime's multi-line messages, so that an error stays
// one line on the terminal.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Close frees the session and its buffers; calling it twice is fine.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, bufs := range s.outputs {
		for _, b := range bufs {
			if err := b.Destroy(); err != nil && first == nil {
				first = err
			}
		}
	}
	s.outputs = map[string][]*onnxruntime.Tensor[float32]{}
	if s.sess != nil {
		if err := s.sess.Destroy(); err != nil && first == nil {
			first = err
		}
		s.sess = nil
	}
	return first
}

// OutputShape returns the shape of output i for an input shape, from
// segtrt's shape inference.
func (s *Session) OutputShape(i int, inputShape []int64) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.outputShapes(inputShape)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(sh) {
		return nil, fmt.Errorf("output %d of %d", i, len(sh))
	}
	return slices.Clone(sh[i]), nil
}

// RunAllInto infers on input and writes output i into dst[i], which the
// caller owns and sizes by OutputShape: with several sets of buffers, a
// caller can read one run's outputs while the next runs. Neither input nor
// dst is copied.
func (s *Session) RunAllInto(input []float32, shape []int64, dst [][]float32) error {
	for i, d := range dst {
		if d == nil {
			return fmt.Errorf("output buffer %d is nil", i)
		}
	}
	_, err := s.run(input, shape, dst)
	return err
}

// RunInto infers on input and writes output 0 into dst, which the caller
// owns (so that it can hand dst to another goroutine while the next image
// runs). Other outputs go to the session's own buffers. Neither input nor
// dst is copied.
func (s *Session) RunInto(input []float32, shape []int64, dst []float32) error {
	if dst == nil {
		return fmt.Errorf("output buffer is nil")
	}
	all := make([][]float32, len(s.Outputs))
	all[0] = dst
	_, err := s.run(input, shape, all)
	return err
}
