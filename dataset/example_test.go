package dataset_test

import (
	"context"
	"fmt"
	"image"
	"log"

	"github.com/segtrt/segtrt/dataset"
)

func ExamplePreprocess_Apply() {
	// A 4x1 gray image resized to 2x1, with mean 0 and std 1 so the tensor
	// holds x/255: bilinear with half-pixel centres averages neighbours.
	img := &image.Gray{Pix: []uint8{0, 100, 200, 40}, Stride: 4, Rect: image.Rect(0, 0, 4, 1)}
	p := dataset.Preprocess{Height: 1, Width: 2, Std: [3]float32{1, 1, 1}}
	t := p.Apply(nil, img)
	fmt.Printf("R plane: %.4f %.4f (50/255, 120/255)\n", t[0], t[1])
	// Output: R plane: 0.1961 0.4706 (50/255, 120/255)
}

func ExampleSet_Samples() {
	set, err := dataset.Open("../testdata/cityscapes-mini", "val")
	if err != nil {
		log.Fatal(err)
	}
	opts := dataset.StreamOptions{Preprocess: dataset.Preprocess{Height: 64, Width: 128}}
	for s, err := range set.Samples(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.Name, s.Shape, len(s.Tensor), s.Label.Width, s.Label.Height)
	}
	// Output:
	// frankfurt_000000_000019 [1 3 64 128] 24576 256 128
	// lindau_000000_000019 [1 3 64 128] 24576 256 128
	// munster_000000_000019 [1 3 64 128] 24576 256 128
}

func ExampleTrainID() {
	for _, id := range []uint8{7, 19, 1} {
		t, _ := dataset.TrainID(id)
		fmt.Println(id, dataset.Labels[id].Name, "->", t)
	}
	// Output:
	// 7 road -> 0
	// 19 traffic light -> 6
	// 1 ego vehicle -> 255
}
