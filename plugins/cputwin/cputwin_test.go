package cputwin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segtrt/segtrt/onnx/passes"
)

// ulpDistanceFP16 is how many binary16 steps apart two finite halves are.
func ulpDistanceFP16(a, b uint16) int {
	order := func(h uint16) int {
		if h&0x8000 != 0 {
			return -int(h & 0x7fff)
		}
		return int(h)
	}
	d := order(a) - order(b)
	if d < 0 {
		d = -d
	}
	return d
}

// halfStep is the spacing of binary16 values around |v|.
func halfStep(v float32) float64 {
	a := math.Abs(float64(v))
	if a < 6.103515625e-05 {
		return 5.9604644775390625e-08 // subnormals: 2^-24
	}
	return math.Pow(2, math.Floor(math.Log2(a))-10)
}

func uniform(r *rand.Rand, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float32()
	}
	return v
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func TestSPGExciteMatchesONNXRuntime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	for _, shape := range [][]int64{{1, 5, 7, 9}, {2, 3, 1, 13}, {1, 1, 1, 1}, {1, 64, 17, 33}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			n := int(shape[0] * shape[1] * shape[2] * shape[3])
			x, g, tt := uniform(r, n, -4, 4), uniform(r, n, -12, 12), uniform(r, n, -4, 4)
			// Saturated gates: sigmoid is exactly 0 or 1 there, or NaN if done carelessly.
			g[0] = -200
			if n > 1 {
				g[1] = 200
			}
			want := run(t, spgExciteReference(t, shape, false), append(append(append([]float32{}, x...), g...), tt...), append([]int64{3}, shape...))
			got := SPGExcite(x, g, tt)
			worst, worst64 := 0.0, 0.0
			for i := range got {
				d := math.Abs(float64(got[i]) - float64(want[i]))
				// ORT's Sigmoid is a vectorised approximation and the twin
				// fuses the multiply-add: allow a few float32 ulps of the
				// terms (x + s*t may cancel, so not of the result).
				terms := math.Abs(float64(x[i])) + math.Abs(float64(tt[i]))
				if tol := 3e-7 * (1 + terms); d > tol || math.IsNaN(float64(got[i])) {
					t.Fatalf("element %d: x=%g g=%g t=%g: twin %g, ONNX Runtime %g", i, x[i], g[i], tt[i], got[i], want[i])
				}
				worst = math.Max(worst, d)
				exact := float64(x[i]) + float64(tt[i])/(1+math.Exp(-float64(g[i])))
				worst64 = math.Max(worst64, math.Abs(float64(got[i])-exact))
			}
			if got[0] != x[0] {
				t.Errorf("sigmoid(-200) * t must vanish: got %g, want x = %g", got[0], x[0])
			}
			t.Logf("%d elements, max abs error %.3g (vs float64 math: %.3g)", n, worst, worst64)
		})
	}
}

func TestSPGExciteFP16MatchesONNXRuntime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2))
	for _, shape := range [][]int64{{1, 5, 7, 9}, {2, 16, 9, 15}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			n := int(shape[0] * shape[1] * shape[2] * shape[3])
			x, g, tt := uniform(r, n, -8, 8), uniform(r, n, -12, 12), uniform(r, n, -8, 8)
			want := run(t, spgExciteReference(t, shape, true), append(append(append([]float32{}, x...), g...), tt...), append([]int64{3}, shape...))
			got := SPGExciteFP16(ToFP16(x), ToFP16(g), ToFP16(tt))
			wantHalf := ToFP16(want) // exact: ORT's output already went through binary16
			off, worst := 0, 0.0
			for i := range got {
				if d := ulpDistanceFP16(got[i], wantHalf[i]); d > 1 {
					t.Fatalf("element %d: twin %#04x, ONNX Runtime %#04x: %d binary16 steps apart", i, got[i], wantHalf[i], d)
				} else if d == 1 {
					off++ // a float32 result within an ulp of a rounding tie
				}
				worst = math.Max(worst, math.Abs(float64(FromFP16(got[i : i+1])[0])-float64(want[i])))
			}
			if off > n/100 {
				t.Errorf("%d of %d outputs one binary16 step off; expected only rare ties", off, n)
			}
			t.Logf("%d elements, %d one binary16 step apart, max abs error %.3g", n, off, worst)
		})
	}
}

// poolBound is AvgPoolInfer's worst-case error bound (the one export's
// fusion threshold uses, avgPoolInferMath.h) plus the reference's own
// rounding (a direct float32 sum of kh*kw terms), for the clamped kernel.
func poolBound(x []float32, h, w, kh, kw int) float64 {
	maxAbs := 0.0
	for _, v := range x {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	const u = 1.0 / (1 << 24)
	plugin := passes.AvgPoolInferErrorBound([2]int64{int64(kh), int64(kw)}, [2]int64{int64(h - kh + 1), int64(w - kw + 1)})
	return (plugin+passes.DirectSumErrorBound(int64(kh*kw)))*u*maxAbs + 1e-9
}

type poolCase struct {
	n, c, h, w, kh, kw int
	lo, hi             float32
}

func (p poolCase) String() string {
	return fmt.Sprintf("%dx%dx%dx%d/k%dx%d", p.n, p.c, p.h, p.w, p.kh, p.kw)
}

var poolCases = []poolCase{
	{1, 3, 7, 11, 3, 5, -1, 1},
	{2, 4, 13, 9, 1, 1, -1, 1},    // identity
	{1, 2, 5, 6, 5, 6, -1, 1},     // kernel = input: global pooling
	{1, 3, 6, 10, 9, 20, -1, 1},   // kernel larger than the input: clamped to 6 x 10
	{1, 2, 9, 4, 2, 7, -1, 1},     // clamped on one axis only
	{1, 1, 1, 1, 4, 4, -1, 1},     // 1 x 1 planes
	{1, 5, 17, 33, 7, 3, -1, 1},   // odd sizes
	{1, 2, 64, 96, 2, 2, 0, 4},    // post-ReLU-like values on a larger plane: v1's summed-area table lost 4.1e-4 here
	{1, 8, 32, 64, 24, 24, 0, 4},  // SPGNet-like AP: 1/32 features of 1024x2048, kernel 768/32
	{1, 1, 128, 255, 3, 3, -3, 3}, // long rows and columns: many chunks of 32 outputs per line
	{1, 2, 70, 33, 1, 1, 0, 4},    // 1x1 on values off float32's 2^-22 grid: slides round
}

func TestAvgPoolInferMatchesONNXRuntime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 3))
	for _, pc := range poolCases {
		t.Run(pc.String(), func(t *testing.T) {
			x := uniform(r, pc.n*pc.c*pc.h*pc.w, pc.lo, pc.hi)
			got, oh, ow := AvgPoolInfer(x, pc.n, pc.c, pc.h, pc.w, pc.kh, pc.kw)
			kh, kw := min(pc.kh, pc.h), min(pc.kw, pc.w)
			if oh != pc.h-kh+1 || ow != pc.w-kw+1 {
				t.Fatalf("output %dx%d, want %dx%d", oh, ow, pc.h-kh+1, pc.w-kw+1)
			}
			shape := []int64{int64(pc.n), int64(pc.c), int64(pc.h), int64(pc.w)}
			want := run(t, avgPoolReference(t, pc.n, pc.c, pc.h, pc.w, kh, kw, false, false), x, shape)
			bound := poolBound(x, pc.h, pc.w, kh, kw)
			d := maxAbsDiff(got, want)
			if d > bound {
				t.Fatalf("max abs error %.3g exceeds the bound %.3g", d, bound)
			}
			if pc.kh >= pc.h && pc.kw >= pc.w { // clamped to the whole plane: must equal global pooling
				global := run(t, avgPoolReference(t, pc.n, pc.c, pc.h, pc.w, kh, kw, false, true), x, shape)
				if g := maxAbsDiff(got, global); g > bound {
					t.Fatalf("vs GlobalAveragePool: max abs error %.3g exceeds %.3g", g, bound)
				}
			}
			t.Logf("%d outputs, max abs error %.3g (bound %.3g)", len(got), d, bound)
		})
	}
}

func TestAvgPoolInferFP16MatchesONNXRuntime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 4))
	for _, pc := range poolCases {
		t.Run(pc.String(), func(t *testing.T) {
			x := uniform(r, pc.n*pc.c*pc.h*pc.w, pc.lo*10, pc.hi*10)
			got, _, _ := AvgPoolInferFP16(ToFP16(x), pc.n, pc.c, pc.h, pc.w, pc.kh, pc.kw)
			kh, kw := min(pc.kh, pc.h), min(pc.kw, pc.w)
			shape := []int64{int64(pc.n), int64(pc.c), int64(pc.h), int64(pc.w)}
			want := ToFP16(run(t, avgPoolReference(t, pc.n, pc.c, pc.h, pc.w, kh, kw, true, false), x, shape))
			// Both sides round a float32 mean to binary16 once; the means
			// differ by at most the pooling bound, so the halves differ by
			// at most that plus one binary16 step at the value.
			bound := poolBound(RoundFP16(x), pc.h, pc.w, kh, kw)
			gotF, wantF := FromFP16(got), FromFP16(want)
			off := 0
			for i := range got {
				step := halfStep(wantF[i])
				if d := math.Abs(float64(gotF[i]) - float64(wantF[i])); d > bound+step {
					t.Fatalf("output %d: twin %g, ONNX Runtime %g: more than the pooling bound %.3g plus one binary16 step %.3g apart",
						i, gotF[i], wantF[i], bound, step)
				}
				if got[i] != want[i] {
					off++
				}
			}
			t.Logf("%d outputs, %d differ (by float32 rounding before the binary16 one), max abs error %.3g", len(got), off, maxAbsDiff(gotF, wantF))
		})
	}
}

// The twin against a float64 direct sum, with no ONNX Runtime involved.
func TestAvgPoolInferMatchesDirectSum(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 5))
	for _, pc := range poolCases {
		x := uniform(r, pc.n*pc.c*pc.h*pc.w, pc.lo, pc.hi)
		got, oh, ow := AvgPoolInfer(x, pc.n, pc.c, pc.h, pc.w, pc.kh, pc.kw)
		kh, kw := min(pc.kh, pc.h), min(pc.kw, pc.w)
		bound := poolBound(x, pc.h, pc.w, kh, kw)
		for p := 0; p < pc.n*pc.c; p++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					s := 0.0
					for y := oy; y < oy+kh; y++ {
						for xx := ox; xx < ox+kw; xx++ {
							s += float64(x[(p*pc.h+y)*pc.w+xx])
						}
					}
					want := s / float64(kh*kw)
					if d := math.Abs(float64(got[(p*oh+oy)*ow+ox]) - want); d > bound {
						t.Fatalf("%v plane %d output (%d,%d): twin %g, direct %g", pc, p, oy, ox, got[(p*oh+oy)*ow+ox], want)
					}
				}
			}
		}
	}
}

func TestAvgPoolInferClampsKernel(t *testing.T) {
	x := uniform(rand.New(rand.NewPCG(7, 6)), 2*3*5*7, -1, 1)
	want, oh, ow := AvgPoolInfer(x, 2, 3, 5, 7, 5, 7)
	for _, k := range [][2]int{{6, 7}, {5, 100}, {math.MaxInt32, math.MaxInt32}, {1 << 40, 9}} {
		got, gh, gw := AvgPoolInfer(x, 2, 3, 5, 7, k[0], k[1])
		if gh != oh || gw != ow || maxAbsDiff(got, want) != 0 {
			t.Errorf("kernel %v: %dx%d %v, want %dx%d %v", k, gh, gw, got, oh, ow, want)
		}
	}
	if oh != 1 || ow != 1 {
		t.Errorf("kernel = input must give 1x1, got %dx%d", oh, ow)
	}
}

func TestFP16ConversionMatchesONNXRuntime(t *testing.T) {
	tie := func(bits uint32) float32 { return math.Float32frombits(bits) }
	special := []float32{
		0, float32(math.Copysign(0, -1)), 1, -1, 0.1, 65504, -65504, 65519.996, 65520, -65520, 65536, 1e9,
		float32(math.Inf(1)), float32(math.Inf(-1)),
		6.1035156e-05,   // smallest normal half
		5.9604645e-08,   // smallest subnormal half, 2^-24
		2.9802322e-08,   // 2^-25: tie between 0 and 2^-24, goes to 0
		2.9802326e-08,   // just above 2^-25: rounds up to 2^-24
		8.940697e-08,    // 1.5 * 2^-24: tie, goes to even 2^-23
		tie(0x3f801000), // 1 + 2^-11: tie, goes to even 1
		tie(0x3f803000), // 1 + 3*2^-11: tie, goes up
		tie(0x3f801001), // just above a tie
		tie(0x387fe000), // subnormal/normal border tie
		1e-10, -3.3e-6, 12345.678,
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 20000; i++ {
		// Exponents over the whole binary16 range and past it.
		special = append(special, float32((r.Float64()*2-1)*math.Pow(2, float64(r.IntN(50)-30))))
	}
	want := run(t, castReference(t, len(special)), special, []int64{1, int64(len(special))})
	got := RoundFP16(special)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%g (%#08x): twin %g (%#08x), ONNX Runtime Cast %g (%#08x)", special[i], math.Float32bits(special[i]),
				got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	nan := RoundFP16([]float32{float32(math.NaN())})[0]
	if !math.IsNaN(float64(nan)) {
		t.Errorf("NaN became %g", nan)
	}
}

// Every binary16 value survives widening and narrowing.
func TestFP16RoundTripsEveryValue(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	back := ToFP16(FromFP16(all))
	for i, h := range all {
		isNaN := h&0x7c00 == 0x7c00 && h&0x03ff != 0
		if isNaN {
			if back[i]&0x7c00 != 0x7c00 || back[i]&0x03ff == 0 || back[i]&0x8000 != h&0x8000 {
				t.Fatalf("NaN %#04x came back as %#04x", h, back[i])
			}
			continue
		}
		if back[i] != h {
			t.Fatalf("%#04x came back as %#04x", h, back[i])
		}
	}
}

func TestBadArgumentsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"lengths":      func() { SPGExcite(make([]float32, 3), make([]float32, 3), make([]float32, 2)) },
		"shape":        func() { AvgPoolInfer(make([]float32, 10), 1, 1, 3, 3, 1, 1) },
		"zero kernel":  func() { AvgPoolInfer(make([]float32, 9), 1, 1, 3, 3, 0, 1) },
		"zero height":  func() { AvgPoolInferFP16(nil, 1, 1, 0, 3, 1, 1) },
		"fp16 lengths": func() { SPGExciteFP16(make([]uint16, 1), nil, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestEmptyTensors(t *testing.T) {
	if y := SPGExcite(nil, nil, nil); len(y) != 0 {
		t.Errorf("got %v", y)
	}
	if y, oh, ow := AvgPoolInfer(nil, 0, 3, 4, 5, 2, 2); len(y) != 0 || oh != 3 || ow != 4 {
		t.Errorf("got %v %dx%d", y, oh, ow)
	}
}
