package synth

import (
	"math"
	"sort"
)

// drawFrontage draws the vertical planes along both sides, farthest from
// the road first, so a wall hides the yard and building behind it.
func (sc *scene) drawFrontage() {
	type plane struct {
		absX float64
		draw func()
	}
	var planes []plane
	for side := 0; side < 2; side++ {
		for i := range sc.street.segs[side] {
			seg := &sc.street.segs[side][i]
			if seg.kind != frontBuilding {
				planes = append(planes, plane{math.Abs(seg.back), func() { sc.drawBack(seg) }})
			}
			if seg.kind != frontPark {
				planes = append(planes, plane{math.Abs(seg.edge), func() { sc.drawFront(seg) }})
			}
		}
	}
	sort.SliceStable(planes, func(i, j int) bool { return planes[i].absX > planes[j].absX })
	for _, p := range planes {
		p.draw()
	}
}

func constTop(h float64) func(float64) float64 { return func(float64) float64 { return h } }

// drawBack draws what stands behind a yard: a building or a tree line.
func (sc *scene) drawBack(seg *segment) {
	z0, z1 := seg.z0, seg.z1
	if seg.backVeg {
		seed := seg.look.seed
		top := func(Z float64) float64 { return seg.backH * (0.55 + 0.6*fbm(Z*0.12, 0, 3, seed)) }
		sc.cv.fillXPlane(sc.cam, seg.back, z0, z1, 0, seg.backH*1.2, top, idVegetation,
			func(Z, Y float64, _, _ int, _ rgb) rgb { return leafy(Z, Y, seed) })
		return
	}
	sc.cv.fillXPlane(sc.cam, seg.back, z0, z1, 0, seg.backH, constTop(seg.backH), idBuilding,
		func(Z, Y float64, _, _ int, _ rgb) rgb { return seg.look.shade(Z, Y) })
}

func (sc *scene) drawFront(seg *segment) {
	cam := sc.cam
	switch seg.kind {
	case frontBuilding:
		sc.cv.fillXPlane(cam, seg.edge, seg.z0, seg.z1, 0, seg.height, constTop(seg.height), idBuilding,
			func(Z, Y float64, _, _ int, _ rgb) rgb { return seg.look.shade(Z, Y) })
	case frontWall:
		sc.cv.fillXPlane(cam, seg.edge, seg.z0, seg.z1, 0, seg.height, constTop(seg.height), idWall,
			func(Z, Y float64, _, _ int, _ rgb) rgb { return wallShade(seg, Z, Y) })
	case frontFence:
		sc.cv.fillXPlane(cam, seg.edge, seg.z0, seg.z1, 0, seg.height, constTop(seg.height), idFence,
			func(Z, Y float64, _, _ int, under rgb) rgb { return fenceShade(seg, Z, Y, Z/cam.f, under) })
	case frontHedge:
		seed := seg.look.seed + 5
		top := func(Z float64) float64 { return seg.height + 0.25*(noise(Z*0.7, 0, seed)-0.5) }
		sc.cv.fillXPlane(cam, seg.edge, seg.z0, seg.z1, 0, seg.height+0.2, top, idVegetation,
			func(Z, Y float64, _, _ int, _ rgb) rgb { return leafy(Z, Y, seed).scale(0.85) })
	}
}

// leafy is foliage: dark greens with bright leaf clusters and gaps.
func leafy(a, b float64, seed uint64) rgb {
	n := fbm(a*2.5, b*2.5, 3, seed)
	d := noise(a*8, b*8, seed+1)
	c := rgb{0.2, 0.33, 0.12}.mix(rgb{0.42, 0.5, 0.18}, n)
	c = c.scale(0.55 + 0.75*n)
	if d < 0.3 {
		c = c.scale(0.55)
	}
	return c
}

func wallShade(seg *segment, Z, Y float64) rgb {
	c := seg.colour.scale(0.85 + 0.25*fbm(Z*0.8, Y*0.8, 2, seg.look.seed))
	if Y > seg.height-0.1 {
		return c.scale(1.2) // coping
	}
	switch seg.style {
	case 0: // concrete panels
		if frac(Z/2.5) < 0.025 {
			return c.scale(0.6)
		}
		return c
	default: // stone or brick courses
		bh := 0.32
		if seg.style == 2 {
			bh = 0.16
			c = c.mix(rgb{0.55, 0.32, 0.26}, 0.6)
		}
		row := math.Floor(Y / bh)
		u := Z/(2*bh) + 0.5*math.Mod(row, 2)
		if frac(u) < 0.06 || frac(Y/bh) < 0.1 {
			return c.scale(0.65)
		}
		return c.scale(0.85 + 0.3*cellRand(u, row, seg.look.seed+1))
	}
}

// fenceShade draws bars, mesh or slats over what is behind; the whole
// fence area is labelled fence, as in Cityscapes' polygons. px is the size
// of a pixel in metres at this depth: patterns finer than that are blended.
func fenceShade(seg *segment, Z, Y, px float64, under rgb) rgb {
	metal := seg.colour.scale(0.9 + 0.2*noise(Z*2, Y*2, seg.look.seed))
	if frac(Z/2.4) < 0.04 || Y < 0.08 || Y > seg.height-0.07 {
		return metal.scale(0.85) // posts and rails
	}
	var period, duty float64
	var on bool
	switch seg.style {
	case 0: // vertical bars
		period, duty = 0.14, 0.3
		on = frac(Z/period) < duty
	case 1: // chain-link mesh
		period, duty = 0.07, 0.35
		on = frac((Z+Y)/period) < 0.18 || frac((Z-Y)/period) < 0.18
	default: // wooden slats
		period, duty = 0.12, 0.82
		on = frac(Z/period) < duty
	}
	cover := 0.0
	switch {
	case px > period*0.6:
		cover = duty
	case on:
		cover = 1
	}
	return under.scale(0.8).mix(metal, cover)
}
