// Package rng is a small deterministic random number generator whose
// sequence is fixed by this code alone, so seeded subsets and synthetic
// scenes stay the same across Go releases (math/rand/v2 promises a stable
// source, not stable derived methods).
package rng

import (
	"math"
	"math/bits"
	"slices"
)

// Rand is a SplitMix64 stream. The zero value is a valid stream.
type Rand struct{ state uint64 }

// New returns a stream seeded from the given words, mixed so that nearby
// seeds give unrelated streams.
func New(words ...uint64) *Rand {
	r := &Rand{state: 0x6a09e667f3bcc909}
	for _, w := range words {
		r.state ^= w
		r.state = r.Uint64()
	}
	return r
}

// Hash mixes a string into a seed word (FNV-1a, then one SplitMix step).
func Hash(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return mix(h)
}

func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix(r.state)
}

// IntN returns a uniform integer in [0, n); n must be > 0.
func (r *Rand) IntN(n int) int {
	// Lemire's multiply-shift with rejection: unbiased.
	bound := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), bound)
	if lo < bound {
		thresh := -bound % bound
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), bound)
		}
	}
	return int(hi)
}

// Float returns a uniform float64 in [0, 1).
func (r *Rand) Float() float64 { return float64(r.Uint64()>>11) * (1.0 / (1 << 53)) }

// Range returns a uniform float64 in [lo, hi).
func (r *Rand) Range(lo, hi float64) float64 { return lo + (hi-lo)*r.Float() }

// Chance returns true with probability p.
func (r *Rand) Chance(p float64) bool { return r.Float() < p }

// Normal returns a standard normal variate (Box-Muller).
func (r *Rand) Normal() float64 {
	u := 1 - r.Float() // (0, 1]
	v := r.Float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*v)
}

// Choose returns k distinct integers from [0, n) in increasing order
// (a partial Fisher-Yates shuffle, then sorted).
func (r *Rand) Choose(n, k int) []int {
	if k > n {
		k = n
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + r.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	out := idx[:k]
	slices.Sort(out)
	return out
}
