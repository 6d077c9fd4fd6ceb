package synth

import "testing"

// BenchmarkRender renders default-size (256x512) scenes on one core.
func BenchmarkRender(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		Render(Params{Seed: 1, Split: "train", Index: i % 50, Count: 300, Width: 512, Height: 256})
	}
}
