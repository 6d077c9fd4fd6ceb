package synth

import "math"

// Value noise: smooth pseudo-random fields for textures. Everything hashes
// integer lattice points with the image's seed, so a texture depends only
// on the seed and the coordinates, never on drawing order.

func hash3(x, y int64, seed uint64) uint64 {
	h := seed ^ uint64(x)*0x9e3779b97f4a7c15 ^ uint64(y)*0xc2b2ae3d27d4eb4f
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	h *= 0x94d049bb133111eb
	h ^= h >> 29
	return h
}

// lattice returns a value in [0, 1) for an integer point.
func lattice(x, y int64, seed uint64) float64 {
	return float64(hash3(x, y, seed)>>11) * (1.0 / (1 << 53))
}

// noise is smooth value noise in [0, 1) with unit lattice spacing.
func noise(x, y float64, seed uint64) float64 {
	fx, fy := math.Floor(x), math.Floor(y)
	ix, iy := int64(fx), int64(fy)
	tx, ty := x-fx, y-fy
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	a := lattice(ix, iy, seed)
	b := lattice(ix+1, iy, seed)
	c := lattice(ix, iy+1, seed)
	d := lattice(ix+1, iy+1, seed)
	return (a+(b-a)*tx)*(1-ty) + (c+(d-c)*tx)*ty
}

// fbm sums octaves of noise (each twice the frequency, half the weight)
// and returns a value in [0, 1).
func fbm(x, y float64, octaves int, seed uint64) float64 {
	sum, amp, norm := 0.0, 1.0, 0.0
	for o := 0; o < octaves; o++ {
		sum += amp * noise(x, y, seed+uint64(o)*0x51ed27)
		norm += amp
		x, y, amp = x*2.03, y*2.03, amp*0.5
	}
	return sum / norm
}

// cellRand is a random value per integer cell, for per-tile or per-window
// variation.
func cellRand(x, y float64, seed uint64) float64 {
	return lattice(int64(math.Floor(x)), int64(math.Floor(y)), seed)
}

func frac(v float64) float64 { return v - math.Floor(v) }

func clamp01(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

func lerp(a, b, t float64) float64 { return a + (b-a)*t }
