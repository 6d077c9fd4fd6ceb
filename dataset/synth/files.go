package synth

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/segtrt/segtrt/dataset"
)

// Cities of the real Cityscapes splits; synthetic images are spread over
// them so the layout and names look like the real thing.
var cities = map[string][]string{
	"train": {"aachen", "bochum", "bremen", "cologne", "darmstadt", "dusseldorf", "erfurt", "hamburg",
		"hanover", "jena", "krefeld", "monchengladbach", "strasbourg", "stuttgart", "tubingen", "ulm",
		"weimar", "zurich"},
	"val":  {"frankfurt", "lindau", "munster"},
	"test": {"berlin", "bielefeld", "bonn", "leverkusen", "mainz", "munich"},
}

// frameNumber is the frame every stem carries; Cityscapes' annotated frame
// is the 20th of each snippet.
const frameNumber = 19

// sampleName gives image index's city and stem "{city}_{seq:06}_{frame:06}".
func sampleName(split string, index int) (city, stem string) {
	cs := cities[split]
	city = cs[index%len(cs)]
	return city, fmt.Sprintf("%s_%06d_%06d", city, index/len(cs), frameNumber)
}

// sampleFiles are the four files written for one image, relative to the
// output folder, slash-separated; the image comes last so that a present
// image always has its labels.
func sampleFiles(split string, index int) []string {
	city, stem := sampleName(split, index)
	lbl := path.Join(dataset.LabelDir, split, city, stem)
	return []string{
		lbl + dataset.LabelIDsSuffix,
		lbl + dataset.TrainIDsSuffix,
		lbl + dataset.ColorSuffix,
		path.Join(dataset.ImageDir, split, city, stem) + dataset.ImageSuffix,
	}
}

// tmpDir holds files being written, beside the layout's folders so that a
// rename moves them into place atomically; a later run removes what a
// killed one left there.
const tmpDir = ".segtrt-synth-tmp"

// writeSample encodes the frame's four PNGs to temporary files, then
// renames them into place, labels first. abort is checked before the first
// rename (and before any folder of the layout is made), so an interrupted
// sample leaves nothing behind.
func writeSample(root string, rels []string, f *Frame, enc *png.Encoder, abort func() error) error {
	imgs := []image.Image{f.LabelIDs(), f.LabelTrainIDs(), f.Color(), f.RGBImage()}
	var tmps []string
	defer func() {
		for _, t := range tmps {
			os.Remove(t) // no-op once renamed
		}
	}()
	for i, rel := range rels {
		tmp, err := os.CreateTemp(filepath.Join(root, tmpDir), "*.png")
		if err != nil {
			return err
		}
		tmps = append(tmps, tmp.Name())
		err = enc.Encode(tmp, imgs[i])
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(root, filepath.FromSlash(rel)), err)
		}
		// CreateTemp makes 0600 files; data sets are shared read-only.
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return err
		}
	}
	if err := abort(); err != nil {
		return err
	}
	for i, rel := range rels {
		dst := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(tmps[i], dst); err != nil {
			return err
		}
	}
	return nil
}

// strayFiles lists files under the output's leftImg8bit and gtFine that
// this run would not write, so a smaller re-run never leaves a mix of two data sets.
func strayFiles(root string, want map[string]bool) ([]string, error) {
	var stray []string
	for _, top := range []string{dataset.ImageDir, dataset.LabelDir} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			if !want[filepath.ToSlash(rel)] {
				stray = append(stray, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(stray)
	return stray, nil
}
