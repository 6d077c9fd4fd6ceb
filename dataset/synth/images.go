package synth

import (
	"image"

	"github.com/segtrt/segtrt/dataset"
)

// RGBImage returns the frame's colour image.
func (f *Frame) RGBImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i := 0; i < f.Width*f.Height; i++ {
		copy(img.Pix[4*i:4*i+3], f.RGB[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// LabelIDs returns the *_gtFine_labelIds.png image.
func (f *Frame) LabelIDs() *image.Gray {
	return &image.Gray{Pix: f.IDs, Stride: f.Width, Rect: image.Rect(0, 0, f.Width, f.Height)}
}

// LabelTrainIDs returns the *_gtFine_labelTrainIds.png image.
func (f *Frame) LabelTrainIDs() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, f.Width, f.Height))
	for i, id := range f.IDs {
		img.Pix[i], _ = dataset.TrainID(id)
	}
	return img
}

// Color returns the *_gtFine_color.png image: each label id's colour.
func (f *Frame) Color() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i, id := range f.IDs {
		c := dataset.Labels[min(int(id), dataset.MaxLabelID)].Color
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = c.R, c.G, c.B, 255
	}
	return img
}
