package dataset_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/segtrt/segtrt/dataset"
	"github.com/segtrt/segtrt/dataset/synth"
)

// fullSizeSet writes n copies of one rendered 1024x2048 scene (image and
// labelIds, as Cityscapes ships them) and opens them as a split.
func fullSizeSet(b *testing.B, n int) *dataset.Set {
	b.Helper()
	f := synth.Render(synth.Params{Seed: 1, Split: "val", Count: 1, Width: 2048, Height: 1024})
	var img, lbl bytes.Buffer
	if err := png.Encode(&img, f.RGBImage()); err != nil {
		b.Fatal(err)
	}
	if err := png.Encode(&lbl, f.LabelIDs()); err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	for i := 0; i < n; i++ {
		stem := fmt.Sprintf("frankfurt_%06d_000019", i)
		for rel, data := range map[string][]byte{
			"leftImg8bit/val/frankfurt/" + stem + "_leftImg8bit.png": img.Bytes(),
			"gtFine/val/frankfurt/" + stem + "_gtFine_labelIds.png":  lbl.Bytes(),
		} {
			p := filepath.Join(root, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("image PNG %d KiB, label PNG %d KiB", img.Len()/1024, lbl.Len()/1024)
	set, err := dataset.Open(root, "val")
	if err != nil {
		b.Fatal(err)
	}
	return set
}

// BenchmarkDecodePreprocess measures one core reading, decoding and
// preprocessing 1024x2048 Cityscapes-size samples (image and label) into a
// tensor of the given model input size, in steady state (buffers reused as
// in a long validation run). MPixel/s counts source pixels.
func BenchmarkDecodePreprocess(b *testing.B) {
	set := fullSizeSet(b, 1)
	for _, size := range [][2]int{{1024, 2048}, {512, 1024}, {256, 512}} {
		b.Run(fmt.Sprintf("to=%dx%d", size[0], size[1]), func(b *testing.B) {
			opt := dataset.StreamOptions{Workers: 1, InFlight: 1,
				Preprocess: dataset.Preprocess{Height: size[0], Width: size[1]}}
			many := repeat(set, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for _, err := range many.Samples(context.Background(), opt) {
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*1024*2048/1e6/b.Elapsed().Seconds(), "MPixel/s")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkSamplesAllCores is the same work through the iterator with one
// worker per core, to show how decoding scales.
func BenchmarkSamplesAllCores(b *testing.B) {
	set := fullSizeSet(b, 1)
	opt := dataset.StreamOptions{Preprocess: dataset.Preprocess{Height: 512, Width: 1024}}
	many := repeat(set, b.N)
	b.ResetTimer()
	for _, err := range many.Samples(context.Background(), opt) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "workers")
}

// repeat lists a one-image set's entry n times.
func repeat(set *dataset.Set, n int) *dataset.Set {
	many := &dataset.Set{Root: set.Root, Split: set.Split}
	for range n {
		many.Entries = append(many.Entries, set.Entries[0])
	}
	return many
}
