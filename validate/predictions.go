package validate

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/internal/atomicfile"
)

// outputs writes per-image files when asked: predictions for Cityscapes'
// own evaluation script, and colour overlays for people.
type outputs struct {
	set        *dataset.Set
	predDir    string
	overlayDir string
}

// PredictionName is the file Cityscapes' evaluation looks for: one
// {city}_{seq}_{frame}_pred_labelIds.png per image, flat in one folder.
func PredictionName(stem string) string { return stem + "_pred_labelIds.png" }

func (o *outputs) save(e dataset.Entry, pred []uint8, w, h int) error {
	if o == nil {
		return nil
	}
	if o.predDir != "" {
		img := image.NewGray(image.Rect(0, 0, w, h))
		for i, t := range pred {
			img.Pix[i] = dataset.LabelID(t)
		}
		if err := writePNG(filepath.Join(o.predDir, PredictionName(e.Name)), img); err != nil {
			return err
		}
	}
	if o.overlayDir != "" {
		src, err := dataset.DecodeImageFile(o.set.Path(e.ImagePath))
		if err != nil {
			return err
		}
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		b := src.Bounds()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
				c := dataset.TrainIDColor(pred[y*w+x])
				img.SetRGBA(x, y, color.RGBA{
					R: uint8((r>>8 + uint32(c.R)) / 2),
					G: uint8((g>>8 + uint32(c.G)) / 2),
					B: uint8((bl>>8 + uint32(c.B)) / 2),
					A: 255,
				})
			}
		}
		if err := writePNG(filepath.Join(o.overlayDir, e.Name+"_overlay.png"), img); err != nil {
			return err
		}
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}
