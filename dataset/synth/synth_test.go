package synth

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segtrt/segtrt/dataset"
)

func TestIDsMatchTable(t *testing.T) {
	want := map[uint8]string{
		idEgoVehicle: "ego vehicle", idRectBorder: "rectification border", idOutOfROI: "out of roi",
		idStatic: "static", idDynamic: "dynamic", idGround: "ground", idRoad: "road", idSidewalk: "sidewalk",
		idParking: "parking", idRailTrack: "rail track", idBuilding: "building", idWall: "wall",
		idFence: "fence", idGuardRail: "guard rail", idPole: "pole", idLight: "traffic light",
		idSign: "traffic sign", idVegetation: "vegetation", idTerrain: "terrain", idSky: "sky",
		idPerson: "person", idRider: "rider", idCar: "car", idTruck: "truck", idBus: "bus",
		idTrain: "train", idMotorcycle: "motorcycle", idBicycle: "bicycle",
	}
	for id, name := range want {
		if got := dataset.Labels[id].Name; got != name {
			t.Errorf("id %d is %q in the table; the renderer means %q", id, got, name)
		}
	}
}

// files maps every file under root (slash paths) to its bytes.
func files(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, o Options) string {
	t.Helper()
	if o.Out == "" {
		o.Out = t.TempDir()
	}
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o.Out
}

func TestSameSeedSameBytes(t *testing.T) {
	o := Options{Train: 3, Val: 2, Test: 1, Height: 96, Width: 192, Seed: 7}
	o.Workers = 1
	a := files(t, run(t, o))
	o.Workers = 3
	b := files(t, run(t, o))
	if len(a) != 6*4 {
		t.Fatalf("%d files; want 24 (4 per image)", len(a))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between 1 and 3 workers", name)
		}
	}
	o.Seed = 8
	c := files(t, run(t, o))
	same := 0
	for name, data := range a {
		if bytes.Equal(data, c[name]) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d files identical for seeds 7 and 8", same)
	}
}

func TestEveryClassInEverySplit(t *testing.T) {
	// val has a single image: it must then carry every rare class itself.
	root := run(t, Options{Train: 6, Val: 1, Height: 128, Width: 256, Seed: 3})
	for _, split := range []string{"train", "val"} {
		rep, err := dataset.CheckSplit(context.Background(), root, split, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) > 0 {
			t.Errorf("%s: %v", split, rep.Problems)
		}
		for c, n := range rep.ImagesWith {
			if n == 0 {
				t.Errorf("%s: no image holds %s", split, dataset.Classes[c].Name)
			}
		}
	}
}

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestLabelFilesAgree(t *testing.T) {
	root := run(t, Options{Val: 2, Height: 64, Width: 128, Seed: 1})
	base := filepath.Join(root, "gtFine", "val", "lindau", "lindau_000000_000019")
	ids := decode(t, base+"_gtFine_labelIds.png").(*image.Gray)
	train := decode(t, base+"_gtFine_labelTrainIds.png").(*image.Gray)
	col := decode(t, base+"_gtFine_color.png")
	rgb := decode(t, filepath.Join(root, "leftImg8bit", "val", "lindau", "lindau_000000_000019_leftImg8bit.png"))
	if rgb.Bounds() != ids.Bounds() || ids.Bounds().Dx() != 128 || ids.Bounds().Dy() != 64 {
		t.Fatalf("sizes: image %v label %v", rgb.Bounds(), ids.Bounds())
	}
	if _, ok := rgb.(*image.RGBA); !ok {
		t.Errorf("leftImg8bit decodes as %T; want 8-bit RGB", rgb)
	}
	seen := map[uint8]bool{}
	for i, id := range ids.Pix {
		seen[id] = true
		want, known := dataset.TrainID(id)
		if !known || train.Pix[i] != want {
			t.Fatalf("pixel %d: id %d, trainId %d; want %d", i, id, train.Pix[i], want)
		}
		r, g, b, _ := col.At(i%128, i/128).RGBA()
		c := dataset.Labels[id].Color
		if uint8(r>>8) != c.R || uint8(g>>8) != c.G || uint8(b>>8) != c.B {
			t.Fatalf("pixel %d: colour %d,%d,%d; want %v for id %d", i, r>>8, g>>8, b>>8, c, id)
		}
	}
	if !seen[idEgoVehicle] || !seen[idOutOfROI] {
		t.Errorf("ignored regions missing: ids seen %v", seen)
	}
}

func TestNamingScheme(t *testing.T) {
	root := run(t, Options{Train: 20, Val: 4, Test: 7, Height: 32, Width: 64})
	stem := regexp.MustCompile(`^([a-z]+)_\d{6}_\d{6}$`)
	n := 0
	for rel := range files(t, root) {
		parts := strings.Split(rel, "/") // top/split/city/file
		if len(parts) != 4 {
			t.Fatalf("%s: not top/split/city/file", rel)
		}
		name := parts[3]
		var s string
		for _, suf := range []string{dataset.ImageSuffix, dataset.LabelIDsSuffix, dataset.TrainIDsSuffix, dataset.ColorSuffix} {
			if strings.HasSuffix(name, suf) {
				s = strings.TrimSuffix(name, suf)
			}
		}
		m := stem.FindStringSubmatch(s)
		if m == nil || m[1] != parts[2] {
			t.Fatalf("%s: stem %q does not follow {city}_{seq:06}_{frame:06}", rel, s)
		}
		found := false
		for _, c := range cities[parts[1]] {
			found = found || c == parts[2]
		}
		if !found {
			t.Errorf("%s: %s is not a %s city", rel, parts[2], parts[1])
		}
		n++
	}
	if n != 31*4 {
		t.Errorf("%d files; want %d", n, 31*4)
	}
}

func TestStrayFilesAndLeftovers(t *testing.T) {
	root := t.TempDir()
	stray := filepath.Join(root, "leftImg8bit", "train", "aachen", "aachen_000099_000019_leftImg8bit.png")
	os.MkdirAll(filepath.Dir(stray), 0o755)
	os.WriteFile(stray, []byte("x"), 0o644)
	err := Run(context.Background(), Options{Out: root, Train: 1, Height: 32, Width: 64})
	if err == nil || !strings.Contains(err.Error(), stray) {
		t.Fatalf("err %v; want it to name %s", err, stray)
	}
	os.Remove(stray)
	leftover := filepath.Join(root, tmpDir, "123.png")
	os.MkdirAll(filepath.Dir(leftover), 0o755)
	os.WriteFile(leftover, []byte("half"), 0o644)
	if err := Run(context.Background(), Options{Out: root, Train: 1, Height: 32, Width: 64}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("leftover temp file kept: %v", err)
	}
	// A second identical run overwrites in place.
	if err := Run(context.Background(), Options{Out: root, Train: 1, Height: 32, Width: 64}); err != nil {
		t.Fatal(err)
	}
}

func TestCancelLeavesWholeSamples(t *testing.T) {
	root := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // cancel once the first image is in place
		for {
			if ms, _ := filepath.Glob(filepath.Join(root, "leftImg8bit", "train", "*", "*.png")); len(ms) > 0 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	err := Run(ctx, Options{Out: root, Train: 200, Height: 64, Width: 128, Workers: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v; want context.Canceled", err)
	}
	all := files(t, root)
	if len(all) >= 200*4 {
		t.Fatalf("all %d files written; the run was not cancelled", len(all))
	}
	for rel := range all {
		if strings.Contains(rel, tmpDir) {
			t.Errorf("temp file left: %s", rel)
		}
		if strings.HasSuffix(rel, dataset.ImageSuffix) {
			parts := strings.Split(rel, "/")
			stem := strings.TrimSuffix(parts[3], dataset.ImageSuffix)
			for _, suf := range []string{dataset.LabelIDsSuffix, dataset.TrainIDsSuffix, dataset.ColorSuffix} {
				if _, ok := all["gtFine/train/"+parts[2]+"/"+stem+suf]; !ok {
					t.Errorf("%s has no %s", rel, suf)
				}
			}
		}
	}
	if _, err := dataset.Open(root, "train"); err != nil {
		t.Errorf("the interrupted set does not open: %v", err)
	}
}

func TestBadOptionsAreRefused(t *testing.T) {
	for _, o := range []Options{
		{Train: 1, Height: 64, Width: 64},
		{Out: "x", Height: 64, Width: 64},
		{Out: "x", Train: -1, Height: 64, Width: 64},
		{Out: "x", Train: 1, Height: 8, Width: 64},
	} {
		if err := Run(context.Background(), o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
