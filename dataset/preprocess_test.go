package dataset

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// identity normalisation: mean 0, std 1/255 gives back the 0..255 values.
var raw = Preprocess{Mean: [3]float32{}, Std: [3]float32{1.0 / 255, 1.0 / 255, 1.0 / 255}}

func grayRow(vals ...uint8) *image.Gray {
	return &image.Gray{Pix: vals, Stride: len(vals), Rect: image.Rect(0, 0, len(vals), 1)}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestBilinearHandComputed(t *testing.T) {
	// Half-pixel centres: source x = (d + 0.5) * in/out - 0.5, clamped at 0.
	cases := []struct {
		in   []uint8
		outW int
		want []float64
	}{
		// 4 -> 2: x = 0.5 and 2.5, the means of neighbours.
		{[]uint8{0, 100, 200, 40}, 2, []float64{50, 120}},
		// 2 -> 4: x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (past the last pixel).
		{[]uint8{0, 100}, 4, []float64{0, 25, 75, 100}},
		// 3 -> 2: scale 1.5, x = 0.25 and 1.75.
		{[]uint8{0, 80, 160}, 2, []float64{20, 140}},
		// same size: unchanged.
		{[]uint8{3, 1, 4}, 3, []float64{3, 1, 4}},
	}
	for _, c := range cases {
		p := raw
		p.Height, p.Width = 1, c.outW
		got := p.Apply(nil, grayRow(c.in...))
		for ch := 0; ch < 3; ch++ {
			for i, w := range c.want {
				if v := float64(got[ch*c.outW+i]); !near(v, w, 1e-4) {
					t.Errorf("%v -> %d: channel %d value %d = %v; want %v", c.in, c.outW, ch, i, v, w)
				}
			}
		}
	}
}

func TestBilinear2D(t *testing.T) {
	// 2x2 -> 3x3 (scale 2/3): source coordinates 0 (clamped), 0.5, 1.
	img := &image.Gray{Pix: []uint8{0, 90, 30, 150}, Stride: 2, Rect: image.Rect(0, 0, 2, 2)}
	p := raw
	p.Height, p.Width = 3, 3
	got := p.Apply(nil, img)
	want := []float64{0, 45, 90, 15, 67.5, 120, 30, 90, 150}
	for i, w := range want {
		if !near(float64(got[i]), w, 1e-4) {
			t.Errorf("value %d = %v; want %v", i, got[i], w)
		}
	}
}

// torchInput is a 3x5 RGB image; torchOut holds what PyTorch 1.13 gives
// for it, computed with Debian's /usr/bin/python3:
//
//	x = torch.tensor(<the planes below>, dtype=torch.float32)
//	y = F.interpolate((x/255).unsqueeze(0), size=(h, w), mode="bilinear", align_corners=False)[0]
//	y = (y - mean) / std   # ImageNet mean/std, per channel
//	print(y[c].flatten())
var torchInput = [3][15]uint8{
	{10, 200, 30, 40, 50, 60, 70, 80, 255, 0, 15, 25, 135, 145, 155},
	{0, 50, 100, 150, 200, 250, 200, 150, 100, 50, 5, 15, 25, 35, 45},
	{90, 80, 70, 60, 50, 40, 30, 20, 10, 0, 128, 128, 128, 128, 128},
}

var torchOut = map[[2]int][3][]float64{
	{4, 7}: {
		{-1.946656, -0.08739733, 0.4752729, -1.604161, -1.481842, -1.359522, -1.261666, -1.411508, -0.6531258, -0.3656748, -1.069013, 0.3147286, -0.2739351, -1.796815, -1.379399, -1.281543, -0.975744, -0.3947255, 0.9890159, 0.4003519, -1.122528, -1.861033, -1.763177, -1.151578, 0.1939379, 0.3162576, 0.4385772, 0.5364329},
		{-2.035714, -1.535514, -0.910264, -0.285014, 0.3402362, 0.9654862, 1.465686, 0.6997549, 0.5747049, 0.4183923, 0.2620799, 0.1057674, -0.05054527, -0.1755951, 0.7325806, 0.4574706, 0.113583, -0.2303045, -0.5741922, -0.9180798, -1.19319, -1.948179, -1.848139, -1.723089, -1.598039, -1.472989, -1.347939, -1.247899},
		{-0.2358169, -0.3354123, -0.4599065, -0.5844008, -0.7088951, -0.8333893, -0.9329847, -0.7804793, -0.8800747, -1.004569, -1.129063, -1.253557, -1.378052, -1.477647, -0.5321132, -0.5943603, -0.6721691, -0.7499781, -0.827787, -0.9055959, -0.9678431, 0.4264926, 0.4264926, 0.4264926, 0.4264926, 0.4264926, 0.4264926, 0.4264926},
	},
	{2, 3}: {
		{-0.9049007, -1.390102, -1.154636, -1.611297, -0.04152778, 0.1939379},
		{-0.7956349, -0.06617645, 0.6632819, -0.9050537, -1.050945, -1.196837},
		{-0.5117791, -0.8022657, -1.092752, 0.02852599, -0.04409565, -0.1167173},
	},
}

func torchImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := 0; i < 15; i++ {
		for c := 0; c < 3; c++ {
			img.Pix[4*i+c] = torchInput[c][i]
		}
		img.Pix[4*i+3] = 255
	}
	return img
}

func TestBilinearMatchesPyTorch(t *testing.T) {
	for size, want := range torchOut {
		p := Preprocess{Height: size[0], Width: size[1]} // zero Std: ImageNet
		got := p.Apply(nil, torchImage())
		n := size[0] * size[1]
		for c := 0; c < 3; c++ {
			for i := 0; i < n; i++ {
				if !near(float64(got[c*n+i]), want[c][i], 2e-6) {
					t.Errorf("%v channel %d value %d = %.7g; PyTorch %.7g", size, c, i, got[c*n+i], want[c][i])
				}
			}
		}
		// BGR swaps the planes and keeps each channel's own mean and std.
		p.BGR = true
		bgr := p.Apply(nil, torchImage())
		for c := 0; c < 3; c++ {
			for i := 0; i < n; i++ {
				if bgr[c*n+i] != got[(2-c)*n+i] {
					t.Fatalf("BGR plane %d differs from RGB plane %d", c, 2-c)
				}
			}
		}
	}
}

func TestPreprocessKeepsSizeAndReusesBuffer(t *testing.T) {
	img := torchImage()
	buf := make([]float32, 100)
	got := Preprocess{}.Apply(buf, img)
	if len(got) != 45 || &got[0] != &buf[0] {
		t.Fatalf("len %d, reused %v", len(got), &got[0] == &buf[0])
	}
	// R of pixel 0 is 10: (10/255 - 0.485)/0.229
	if want := (10.0/255 - 0.485) / 0.229; !near(float64(got[0]), want, 1e-6) {
		t.Errorf("got %v want %v", got[0], want)
	}
	if err := (Preprocess{Height: 3}).Validate(); err == nil {
		t.Error("height without width should be refused")
	}
	if err := (Preprocess{Std: [3]float32{1, 0, 1}}).Validate(); err == nil {
		t.Error("a zero std should be refused")
	}
}

func TestPreprocessOtherImageTypes(t *testing.T) {
	// A paletted image goes through the generic conversion.
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), []color.Color{color.RGBA{10, 20, 30, 255}, color.RGBA{50, 60, 70, 255}})
	pal.Pix = []uint8{0, 1}
	got := raw.Apply(nil, pal)
	want := []float32{10, 50, 20, 60, 30, 70}
	for i := range want {
		if !near(float64(got[i]), float64(want[i]), 1e-3) {
			t.Fatalf("paletted: %v; want %v", got, want)
		}
	}
}
