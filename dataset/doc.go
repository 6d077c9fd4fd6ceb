// Package dataset reads Cityscapes-layout data for calibration and
// validation: the label table, the folder layout, PNG decoding, the
// preprocessing that turns an image into a model input, and a parallel,
// ordered sample stream. Sub-package synth renders synthetic street scenes
// in the same layout, because the real data cannot be downloaded here.
//
// # Where to start
//
//	set, err := dataset.Open(root, "val")             // scan and pair, or fail naming the file
//	set = set.Limit(100)                               // or set.Random(500, seed), set.Shard(i, n)
//	for s, err := range set.Samples(ctx, dataset.StreamOptions{
//		Preprocess: dataset.Preprocess{Height: 512, Width: 1024}, // ImageNet mean/std by default
//	}) {
//		// s.Tensor is 1x3xHxW float32, s.Label the trainIds at ground-truth size
//	}
//
// labels.go holds the table (Labels, Classes, TrainID, LabelID); layout.go
// the scan (ScanLayout, Splits); set.go Open, Limit, Random and Shard;
// decode.go the PNG readers (the 8-bit formats Cityscapes ships go through
// internal/fastpng, libdeflate and a branch-free unfilter, at 3-4x
// image/png; others through image/png); preprocess.go and resize.go the bilinear
// resize (also ResizeBilinear, for logits) and normalisation; stream.go
// the iterator (StreamOptions.Retain lets a consumer hold samples across
// goroutines until it calls Release); check.go `segtrt dataset check`.
//
// # Layout and labels
//
// Images are leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png, labels
// gtFine/{split}/{city}/{stem}_gtFine_labelIds.png, or
// _gtFine_labelTrainIds.png when only that exists; the stem is
// "{city}_{seq:06}_{frame:06}". Entries are sorted by image path, so index k
// means the same image everywhere (shards, reports, subsets). Label PNGs
// must be 8-bit grayscale; ids map to trainIds 0..18 or Ignore (255). Every
// problem is a *FileError naming the file and wrapping one of the Err*
// values; Open stops at the first, CheckSplit collects them all.
//
// # Preprocessing
//
// Preprocess resizes with bilinear filtering at half-pixel centres and no
// antialiasing, computed in float32 exactly as PyTorch's
// F.interpolate(mode="bilinear", align_corners=False), so a training
// script and this package feed a model the same numbers (the tests pin
// values PyTorch printed). Then x/255, (x-mean)/std per RGB channel,
// optional BGR order, NCHW. Labels are never resized: evaluation is at
// ground-truth resolution.
//
// # Speed
//
// Samples decodes on GOMAXPROCS goroutines, at most InFlight samples ahead
// of the consumer (buffers are reused, so memory stays at InFlight
// tensors plus one decoded image per worker) and delivers in set order.
// BenchmarkDecodePreprocess reads, decodes and preprocesses a 1024x2048
// image and its label on one core: 25-31 MPixel/s, i.e. 12-15 images/s
// per core, on this project's 2-core AMD EPYC machine (measured while other
// work shared it, hence the range), nearly the same for 1024x2048, 512x1024
// and 256x512 outputs. Inflating the PNG is over 70% of the time; the
// resize and normalisation about 3%. The rendered test image is a 3.7 MB
// PNG, noisier than a real Cityscapes frame (about 2 MB), so real data
// decodes somewhat faster still. BenchmarkSamplesAllCores runs the
// iterator with a worker per core; it scales with the cores that are
// actually free.
//
// ONNX Runtime needs far less than that: a small segmentation network on
// 2 CPU cores runs a few images/s at 256x512 (fewer at full size), so
// feeding it 5 images/s costs 5 x 75 ms = 0.38 core-seconds per second,
// under a fifth of the two cores, and the prefetching workers overlap it
// with inference. Decoding is not the bottleneck of validate or calibrate
// on a CPU; on a GPU runner with TensorRT at hundreds of images/s it
// would be, which is why engine speed is timed on a fixed input and
// end-to-end throughput is reported separately.
package dataset
