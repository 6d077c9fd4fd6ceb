package dataset

import (
	"fmt"
	"image"
	"image/draw"

	"github.com/segtrt/segtrt/internal/bilinear"
)

// ImageNet normalisation (RGB, 0..1 scale), the default of the reference
// training code.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// Preprocess turns a decoded image into a model input tensor: bilinear
// resize to Height x Width, x/255, (x-Mean)/Std per channel, NCHW float32.
type Preprocess struct {
	Height, Width int        // model input size; 0 keeps the image's own size
	Mean, Std     [3]float32 // RGB order, 0..1 scale; an all-zero Std means ImageNet mean and std
	BGR           bool       // write channels in B, G, R order (Mean/Std stay given in RGB)
}

// Validate reports a Preprocess that cannot be applied.
func (p Preprocess) Validate() error {
	if p.Height < 0 || p.Width < 0 || (p.Height == 0) != (p.Width == 0) {
		return fmt.Errorf("preprocess: bad input size %dx%d", p.Height, p.Width)
	}
	if p.Std != [3]float32{} {
		for _, s := range p.Std {
			if !(s > 0) {
				return fmt.Errorf("preprocess: std %v must be positive", p.Std)
			}
		}
	}
	return nil
}

// OutputSize is the tensor's H and W for an image of the given size.
func (p Preprocess) OutputSize(imgH, imgW int) (h, w int) {
	if p.Height == 0 {
		return imgH, imgW
	}
	return p.Height, p.Width
}

// Apply writes the 1x3xHxW tensor of img into dst, grown if it is too
// small, and returns it (dst[:3*H*W]).
//
// The resize matches PyTorch's F.interpolate(mode="bilinear",
// align_corners=False) without antialiasing: half-pixel centres, source
// coordinates clamped at 0, the last pixel repeated at the far edge, all in
// float32, so a Python training script sees the same numbers (to rounding).
func (p Preprocess) Apply(dst []float32, img image.Image) []float32 {
	return p.apply(dst, rgbView(img))
}

func (p Preprocess) apply(dst []float32, src rgbSource) []float32 {
	outH, outW := p.OutputSize(src.h, src.w)
	n := 3 * outH * outW
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	if src.w == 0 || src.h == 0 { // nothing to sample (decoded PNGs are never empty)
		clear(dst)
		return dst
	}
	// Per output plane: which source channel, and the affine map that
	// turns its 0..255 value into (v/255 - mean)/std.
	var off [3]int
	var mul, add [3]float32
	for c := range 3 {
		sc := c
		if p.BGR {
			sc = 2 - c
		}
		if src.channels > 1 {
			off[c] = sc
		}
		mul[c], add[c] = p.channelAffine(sc)
	}
	plane := outH * outW
	if outH == src.h && outW == src.w {
		// PyTorch's identity case: every weight is 0 or 1, no rounding.
		for y := 0; y < outH; y++ {
			row := src.pix[y*src.stride:]
			for c := range 3 {
				out := dst[c*plane+y*outW : c*plane+(y+1)*outW]
				m, a, o := mul[c], add[c], off[c]
				for x := range out {
					out[x] = float32(row[x*src.channels+o])*m + a
				}
			}
		}
		return dst
	}
	xs := bilinear.New(src.w, outW)
	ys := bilinear.New(src.h, outH)
	for y := 0; y < outH; y++ {
		r0 := src.pix[int(ys.I0[y])*src.stride:]
		r1 := src.pix[int(ys.I1[y])*src.stride:]
		h0, h1 := 1-ys.W1[y], ys.W1[y]
		for c := range 3 {
			out := dst[c*plane+y*outW : c*plane+(y+1)*outW]
			m, a, o := mul[c], add[c], off[c]
			for x := range out {
				x0 := int(xs.I0[x])*src.channels + o
				x1 := int(xs.I1[x])*src.channels + o
				w0, w1 := 1-xs.W1[x], xs.W1[x]
				v := h0*(w0*float32(r0[x0])+w1*float32(r0[x1])) +
					h1*(w0*float32(r1[x0])+w1*float32(r1[x1]))
				out[x] = v*m + a
			}
		}
	}
	return dst
}

func (p Preprocess) channelAffine(rgbChannel int) (mul, add float32) {
	mean, std := p.Mean, p.Std
	if std == [3]float32{} {
		mean, std = ImageNetMean, ImageNetStd
	}
	return 1 / (255 * std[rgbChannel]), -mean[rgbChannel] / std[rgbChannel]
}

// rgbSource is 8-bit pixels with 1 (gray), 3 or 4 (RGBA, alpha ignored)
// interleaved channels.
type rgbSource struct {
	pix              []uint8
	stride, channels int
	w, h             int
}

// rgbView gives direct access to the pixels of the types image/png
// returns for 8-bit images; anything else is converted once.
func rgbView(img image.Image) rgbSource {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.RGBA:
		return rgbSource{m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4, b.Dx(), b.Dy()}
	case *image.NRGBA:
		return rgbSource{m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4, b.Dx(), b.Dy()}
	case *image.Gray:
		return rgbSource{m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 1, b.Dx(), b.Dy()}
	}
	// 16-bit, paletted, YCbCr...: rare for Cityscapes, so one conversion
	// to straight (non-premultiplied) 8-bit RGBA is fine.
	conv := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(conv, conv.Rect, img, b.Min, draw.Src)
	return rgbSource{conv.Pix, conv.Stride, 4, b.Dx(), b.Dy()}
}
