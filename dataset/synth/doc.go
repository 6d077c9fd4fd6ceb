// Package synth renders synthetic street scenes in the Cityscapes layout
// (`segtrt dataset synth`), so that the loader, calibration and validation
// can be exercised, and small networks trained, without the real data set.
//
// # Scenes
//
// Render draws one scene from Params. A pinhole camera at 1.2-1.5 m looks
// down a straight street (camera.go). Ground pixels are classified in world
// coordinates (street.go): road with lane lines and crossings, strips
// beside it (tram track bed, parking, grass verge, tiled sidewalk with a
// kerb), then yards. Beyond each sidewalk, frontage segments stand on
// vertical planes (frontage.go): buildings with storeys, windows and shop
// fronts; walls of concrete, stone or brick; fences of bars, mesh or slats
// that show what is behind them; hedges; and tree lines or buildings at
// the back of yards. A skyline and often a facade closing the street sit
// at the horizon under a sky with clouds. Objects are queued with their
// depth and painted far to near (objects.go, figures.go, vehicles.go):
// poles with lamps, traffic lights and signs, street trees, furniture,
// people, bicycles and motorcycles with riders, and cars, trucks, buses
// and trams as boxes with their own profiles and markings. The bonnet of
// the ego vehicle, an out-of-roi frame and sometimes rectification
// wedges carry their real (ignored) label ids, as do parking, rail track
// and street furniture ("static"). Lighting (sun or overcast, shade on the
// street, white balance, exposure, vignetting), haze with distance, lens
// blur, sensor noise and a tone curve vary per image.
//
// Classes are told apart by shape, texture and context, as in the real
// data: a rider is a person sitting on a two-wheeler, terrain is flat
// ground and vegetation stands up, a wall has courses but no windows.
// Learnable, not trivial: a 0.43M-parameter encoder-decoder trained with
// PyTorch for 10 minutes on one shared CPU core (300 train images at
// 256x512, batch 8, AdamW, about 575 steps) reached 61% mIoU on 100 val
// images; road, vegetation and terrain were near 90%, persons, riders and
// bicycles the hardest (14-32%).
//
// # Every class in every split
//
// Thirteen classes are in every image (checked after drawing). Trains,
// buses, trucks, motorcycles and bicycles take turns: image k of a split
// of n images features rare[j] when j ≡ k (mod min(n, 5)), so a split of
// any size holds all 19 classes; other images show them by chance too. A
// drawing that lost a required class (occlusion, placement) is redrawn
// from the next attempt's random stream.
//
// # Determinism
//
// Every random choice comes from a stream seeded by (seed, split, index,
// attempt), and textures hash world coordinates with a per-image seed, so
// an image is a function of its Params alone: the same options give
// byte-identical files whatever the number of workers. Floating-point
// results can differ across CPU architectures (the Go compiler may fuse
// multiply-adds on arm64, not on amd64), so byte identity is promised per
// architecture and Go release (image/png's encoder is part of the bytes).
//
// # Files
//
// Run writes leftImg8bit/{split}/{city}/{city}_{seq:06}_{frame:06}_leftImg8bit.png
// and, under gtFine, _gtFine_labelIds.png, _gtFine_labelTrainIds.png and
// _gtFine_color.png, with real city names per split (files.go). Each file
// is encoded to a temporary folder inside the output and renamed into
// place, labels before the image, only if the run is still going: Ctrl-C
// leaves whole samples only. Run refuses an output that holds other files
// under leftImg8bit/ or gtFine/, so a smaller re-run never mixes sets.
package synth
