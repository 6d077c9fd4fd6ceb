package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Folder names and file suffixes of the Cityscapes layout.
const (
	ImageDir       = "leftImg8bit"
	LabelDir       = "gtFine"
	ImageSuffix    = "_leftImg8bit.png"
	LabelIDsSuffix = "_gtFine_labelIds.png"
	TrainIDsSuffix = "_gtFine_labelTrainIds.png"
	ColorSuffix    = "_gtFine_color.png"
)

// LabelKind says what the values of a label PNG are.
type LabelKind uint8

const (
	LabelIDs      LabelKind = iota // *_gtFine_labelIds.png: label ids 0..33
	LabelTrainIDs                  // *_gtFine_labelTrainIds.png: trainIds 0..18 and 255
)

func (k LabelKind) String() string {
	if k == LabelTrainIDs {
		return "labelTrainIds"
	}
	return "labelIds"
}

// Entry is one image of a split and the label it is paired with.
type Entry struct {
	Name      string    // Cityscapes stem "{city}_{seq}_{frame}"
	City      string    // folder the image is in
	ImagePath string    // relative to the data set root, slash-separated
	LabelPath string    // relative to the data set root, slash-separated
	LabelKind LabelKind // what LabelPath holds
}

// Layout is what scanning one split found: the paired entries in sorted
// order and every layout problem (each a *FileError).
type Layout struct {
	Root, Split string
	Entries     []Entry
	Problems    []error
}

// ScanLayout lists leftImg8bit/{split}/{city}/*_leftImg8bit.png under root
// and pairs each image with gtFine/{split}/{city}/*_gtFine_labelIds.png, or
// *_gtFine_labelTrainIds.png when only that exists. Images without labels,
// labels without images and empty city folders become Problems; the error
// is non-nil only when the split cannot be scanned at all (a missing
// folder, a read failure).
func ScanLayout(root, split string) (*Layout, error) {
	if split == "" || strings.ContainsAny(split, `/\`) || split == "." || split == ".." {
		return nil, fmt.Errorf("bad split name %q", split)
	}
	l := &Layout{Root: root, Split: split}
	imgCities, err := cityFolders(root, path.Join(ImageDir, split))
	if err != nil {
		return nil, err
	}
	lblCities, err := cityFolders(root, path.Join(LabelDir, split))
	if err != nil {
		return nil, err
	}
	if len(imgCities) == 0 {
		l.Problems = append(l.Problems, fileErr(root, path.Join(ImageDir, split), ErrEmptySplit))
	}
	for _, city := range union(imgCities, lblCities) {
		if err := l.scanCity(city); err != nil {
			return nil, err
		}
	}
	sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].ImagePath < l.Entries[j].ImagePath })
	sortProblems(l.Problems)
	return l, nil
}

func (l *Layout) scanCity(city string) error {
	imgRel := path.Join(ImageDir, l.Split, city)
	lblRel := path.Join(LabelDir, l.Split, city)
	images, err := filesWithSuffix(l.Root, imgRel, ImageSuffix)
	if err != nil {
		return err
	}
	ids, err := filesWithSuffix(l.Root, lblRel, LabelIDsSuffix)
	if err != nil {
		return err
	}
	trainIDs, err := filesWithSuffix(l.Root, lblRel, TrainIDsSuffix)
	if err != nil {
		return err
	}
	if len(images) == 0 {
		// A label folder alone is reported file by file below; an image
		// folder without images is reported once.
		if _, err := os.Stat(filepath.Join(l.Root, filepath.FromSlash(imgRel))); err == nil {
			l.Problems = append(l.Problems, fileErr(l.Root, imgRel, ErrEmptyCity))
		}
	}
	for name := range images {
		e := Entry{Name: name, City: city, ImagePath: path.Join(imgRel, name+ImageSuffix)}
		switch {
		case ids[name]:
			e.LabelPath, e.LabelKind = path.Join(lblRel, name+LabelIDsSuffix), LabelIDs
		case trainIDs[name]:
			e.LabelPath, e.LabelKind = path.Join(lblRel, name+TrainIDsSuffix), LabelTrainIDs
		default:
			l.Problems = append(l.Problems, fileErr(l.Root, e.ImagePath, ErrNoLabel))
			continue
		}
		l.Entries = append(l.Entries, e)
	}
	for _, labels := range []struct {
		names  map[string]bool
		suffix string
	}{{ids, LabelIDsSuffix}, {trainIDs, TrainIDsSuffix}} {
		for name := range labels.names {
			if !images[name] {
				l.Problems = append(l.Problems, fileErr(l.Root, path.Join(lblRel, name+labels.suffix), ErrNoImage))
			}
		}
	}
	return nil
}

// cityFolders lists the folders in rel (under root), sorted. A missing
// rel is ErrMissingSplit.
func cityFolders(root, rel string) ([]string, error) {
	des, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fileErr(root, rel, ErrMissingSplit)
	}
	if err != nil {
		return nil, fileErr(root, rel, err)
	}
	var cities []string
	for _, de := range des {
		if de.IsDir() {
			cities = append(cities, de.Name())
		}
	}
	return cities, nil
}

// filesWithSuffix returns the stems of the regular files in rel whose names
// end in suffix. A missing folder has none.
func filesWithSuffix(root, rel, suffix string) (map[string]bool, error) {
	des, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fileErr(root, rel, err)
	}
	stems := map[string]bool{}
	for _, de := range des {
		n := de.Name()
		if !de.IsDir() && strings.HasSuffix(n, suffix) && len(n) > len(suffix) {
			stems[strings.TrimSuffix(n, suffix)] = true
		}
	}
	return stems, nil
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func fileErr(root, rel string, err error) *FileError {
	return &FileError{Path: joinRoot(root, rel), Err: err}
}

// sortProblems orders problems by file, so reports do not depend on map
// iteration or on which worker finished first.
func sortProblems(ps []error) {
	sort.SliceStable(ps, func(i, j int) bool { return problemPath(ps[i]) < problemPath(ps[j]) })
}

func problemPath(err error) string {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Path
	}
	return ""
}

// Splits lists the split folders under root/leftImg8bit: train, val and
// test first (those present), then any others in name order.
func Splits(root string) ([]string, error) {
	des, err := os.ReadDir(filepath.Join(root, ImageDir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fileErr(root, ImageDir, fmt.Errorf("not a Cityscapes-layout folder: %w", ErrMissingSplit))
		}
		return nil, fileErr(root, ImageDir, err)
	}
	rank := map[string]int{"train": 0, "val": 1, "test": 2}
	var splits []string
	for _, de := range des {
		if de.IsDir() {
			splits = append(splits, de.Name())
		}
	}
	sort.Slice(splits, func(i, j int) bool {
		ri, oki := rank[splits[i]]
		rj, okj := rank[splits[j]]
		switch {
		case oki && okj:
			return ri < rj
		case oki != okj:
			return oki
		}
		return splits[i] < splits[j]
	})
	return splits, nil
}
