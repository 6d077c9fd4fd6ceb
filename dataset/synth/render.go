package synth

import (
	"math"
	"sort"

	"github.com/segtrt/segtrt/dataset/internal/rng"
)

// Params say which image to render. The image depends on these alone.
type Params struct {
	Seed          uint64
	Split         string
	Index, Count  int // this image's index in its split, and the split's size
	Width, Height int
}

// Frame is a rendered image: 8-bit RGB and a label id per pixel.
type Frame struct {
	Width, Height int
	RGB           []uint8 // 3 bytes per pixel, row-major
	IDs           []uint8 // Cityscapes label ids, row-major
}

// rare are the classes that are not in every image. Each split's images
// take turns featuring them (image k features rare[j] when j and k agree
// modulo min(Count, len(rare))), so every split of any size holds all 19
// classes; other images may still show them by chance.
var rare = []uint8{idTrain, idBus, idTruck, idMotorcycle, idBicycle}

// always are the classes every image shows.
var always = []uint8{idRoad, idSidewalk, idBuilding, idWall, idFence, idPole, idLight, idSign,
	idVegetation, idTerrain, idSky, idPerson, idCar}

const maxAttempts = 12

// Render draws one street scene. A scene that lost a required class to
// occlusion is drawn again from the next attempt's random stream, so the
// result is still a function of Params alone.
func Render(p Params) *Frame {
	featured := map[uint8]bool{}
	m := min(max(p.Count, 1), len(rare))
	for j, id := range rare {
		if j%m == p.Index%m {
			featured[id] = true
		}
	}
	var f *Frame
	for attempt := 0; attempt < maxAttempts; attempt++ {
		r := rng.New(p.Seed, rng.Hash(p.Split), uint64(p.Index), uint64(attempt))
		sc := newScene(r, p.Width, p.Height, featured)
		sc.draw()
		f = sc.frame()
		if sc.complete(featured) {
			break
		}
	}
	return f
}

// scene is one image being composed.
type scene struct {
	r        *rng.Rand
	seed     uint64 // texture noise seed
	cam      camera
	cv       *canvas
	street   *street
	light    lighting
	featured map[uint8]bool
	items    []item
}

// item is something standing in the street, drawn far to near.
type item struct {
	z    float64
	draw func()
}

type lighting struct {
	exposure    float64
	tint        rgb
	shadow      float64 // brightness in shade
	skyTop      rgb
	skyHorizon  rgb
	clouds      float64 // cloud cover 0..1
	fogDist     float64
	noise       float64
	gamma       float64
	sunnySide   float64 // -1 or 1: which side of objects is lit
	vignette    float64
	blurPasses  int
	overcast    bool
	cloudColour rgb
}

func newScene(r *rng.Rand, w, h int, featured map[uint8]bool) *scene {
	sc := &scene{r: r, seed: r.Uint64(), cv: newCanvas(w, h), featured: featured}
	fw := float64(w)
	sc.cam = camera{
		f:  fw * r.Range(0.95, 1.2),
		cx: fw * r.Range(0.42, 0.58),
		yh: float64(h) * r.Range(0.38, 0.48),
		hc: r.Range(1.2, 1.5),
		w:  w, h: h,
	}
	l := lighting{
		overcast:   r.Chance(0.4),
		tint:       rgb{1 + 0.05*r.Normal(), 1 + 0.03*r.Normal(), 1 + 0.05*r.Normal()},
		fogDist:    r.Range(120, 600),
		noise:      r.Range(0.004, 0.025),
		gamma:      r.Range(0.85, 1.15),
		sunnySide:  []float64{-1, 1}[r.IntN(2)],
		vignette:   r.Range(0, 0.25),
		blurPasses: 1 + r.IntN(2),
	}
	if l.overcast {
		g := r.Range(0.7, 0.92)
		l.skyTop = rgb{g, g, g + 0.03}
		l.skyHorizon = rgb{g + 0.05, g + 0.05, g + 0.06}
		l.clouds = r.Range(0.5, 1)
		l.shadow = r.Range(0.8, 0.92)
		l.exposure = r.Range(0.75, 1.0)
		l.cloudColour = rgb{g - 0.1, g - 0.1, g - 0.08}
	} else {
		l.skyTop = rgb{r.Range(0.2, 0.35), r.Range(0.4, 0.55), r.Range(0.75, 0.95)}
		l.skyHorizon = rgb{r.Range(0.65, 0.8), r.Range(0.75, 0.85), r.Range(0.85, 0.95)}
		l.clouds = r.Range(0, 0.6)
		l.shadow = r.Range(0.45, 0.7)
		l.exposure = r.Range(0.9, 1.2)
		l.cloudColour = rgb{0.95, 0.95, 0.97}
	}
	sc.light = l
	sc.street = newStreet(r, featured[idTrain] || r.Chance(0.1))
	far := 160.0
	if sc.street.zEnd > 0 {
		far = sc.street.zEnd
	}
	var seen [2]float64 // where each side's frontage enters the picture
	seen[0] = sc.cam.f * -sc.street.edgeL / sc.cam.cx
	seen[1] = sc.cam.f * sc.street.edgeR / (float64(w) - sc.cam.cx)
	sc.street.frontage(r, far, seen)
	return sc
}

// draw renders the whole scene back to front.
func (sc *scene) draw() {
	sc.drawSky()
	sc.drawSkyline()
	sc.drawGround()
	sc.drawFrontage()
	sc.placeObjects()
	sort.SliceStable(sc.items, func(i, j int) bool { return sc.items[i].z > sc.items[j].z })
	for _, it := range sc.items {
		it.draw()
	}
	sc.drawEgo()
	sc.finish()
}

func (sc *scene) add(z float64, draw func()) { sc.items = append(sc.items, item{z, draw}) }

func (sc *scene) drawSky() {
	cv, l := sc.cv, sc.light
	for y := 0; y < cv.h; y++ {
		t := clamp01(float64(y) / math.Max(sc.cam.yh, 1))
		base := l.skyTop.mix(l.skyHorizon, math.Pow(t, 0.7))
		for x := 0; x < cv.w; x++ {
			c := base
			if l.clouds > 0 && float64(y) < sc.cam.yh+2 { // lower rows get covered
				n := fbm(float64(x)/float64(cv.w)*5, float64(y)/float64(cv.h)*9, 4, sc.seed+1)
				cover := clamp01((n - (1 - l.clouds*0.8)) * 4)
				c = c.mix(l.cloudColour.scale(0.9+0.15*n), cover)
			}
			i := y*cv.w + x
			cv.col[i], cv.id[i], cv.depth[i] = c, idSky, 0
		}
	}
}

// drawSkyline draws far buildings and trees where the street opens.
func (sc *scene) drawSkyline() {
	const zFar = 500.0
	seed := sc.seed + 2
	s := sc.street
	span := zFar * float64(sc.cam.w) / sc.cam.f
	x0, x1 := -span, span
	top := func(X float64) float64 {
		block := math.Floor(X / 25)
		if cellRand(block, 0, seed) < 0.35 {
			return 8 + 14*fbm(X*0.08, 0, 3, seed+1)
		}
		return 10 + 35*cellRand(block, 1, seed)
	}
	isVeg := func(X float64) bool { return cellRand(math.Floor(X/25), 0, seed) < 0.35 }
	haze := sc.light.skyHorizon
	look := newFacade(sc.r)
	sc.cv.fillZPlane(sc.cam, zFar, x0, x1, -1, 60, top, idBuilding, func(X, Y float64, x, y int, _ rgb) rgb {
		if isVeg(X) {
			return rgb{0.25, 0.35, 0.2}.scale(0.7+0.5*fbm(X*0.5, Y*0.5, 2, seed)).mix(haze, 0.35)
		}
		return look.shade(X, Y).mix(haze, 0.35)
	})
	// relabel the vegetation part of the skyline
	for i := range sc.cv.id {
		if sc.cv.id[i] == idBuilding && sc.cv.depth[i] == zFar {
			x := i % sc.cv.w
			X := (float64(x) + 0.5 - sc.cam.cx) * zFar / sc.cam.f
			if isVeg(X) {
				sc.cv.id[i] = idVegetation
			}
		}
	}
	if s.zEnd > 0 {
		h := sc.r.Range(10, 28)
		sc.cv.fillZPlane(sc.cam, s.zEnd, s.edgeL-40, s.edgeR+40, -1, h, func(float64) float64 { return h },
			idBuilding, func(X, Y float64, x, y int, _ rgb) rgb { return s.endLook.shade(X, Y) })
	}
}

func (sc *scene) drawGround() {
	cv, cam := sc.cv, sc.cam
	for y := 0; y < cv.h; y++ {
		for x := 0; x < cv.w; x++ {
			X, Z, ok := cam.ground(x, y)
			if !ok || (sc.street.zEnd > 0 && Z > sc.street.zEnd) {
				continue
			}
			id, c := sc.groundAt(X, Z)
			i := y*cv.w + x
			cv.col[i], cv.id[i], cv.depth[i] = c, id, Z
		}
	}
}

// complete reports whether the drawn labels hold every required class.
func (sc *scene) complete(featured map[uint8]bool) bool {
	var counts [256]int
	for _, id := range sc.cv.id {
		counts[id]++
	}
	minPx := max(4, sc.cv.w*sc.cv.h/30000)
	for _, id := range always {
		if counts[id] < minPx {
			return false
		}
	}
	// A featured class is the split's guarantee for it: make it big enough
	// to learn from, not a few stray pixels.
	minFeatured := max(8, sc.cv.w*sc.cv.h/4000)
	for id := range featured {
		if counts[id] < minFeatured {
			return false
		}
	}
	if featured[idMotorcycle] || featured[idBicycle] {
		return counts[idRider] >= minFeatured
	}
	return true
}

// finish applies atmosphere and camera: haze with distance, exposure and
// white balance, vignetting, lens blur, sensor noise and gamma.
func (sc *scene) finish() {
	cv, l := sc.cv, sc.light
	w, h := float64(cv.w), float64(cv.h)
	for i := range cv.col {
		c := cv.col[i]
		if z := cv.depth[i]; z > 0 {
			c = c.mix(l.skyHorizon, 1-math.Exp(-z/l.fogDist))
		}
		x, y := float64(i%cv.w)/w-0.5, float64(i/cv.w)/h-0.5
		v := l.exposure * (1 - l.vignette*(x*x+y*y)*2)
		cv.col[i] = rgb{c[0] * v * l.tint[0], c[1] * v * l.tint[1], c[2] * v * l.tint[2]}
	}
	for p := 0; p < l.blurPasses; p++ {
		blur(cv)
	}
	curve := gammaCurve(l.gamma)
	for i := range cv.col {
		for k := 0; k < 3; k++ {
			v := cv.col[i][k] + l.noise*sensorNoise(sc.r)
			cv.col[i][k] = curve.at(clamp01(v))
		}
	}
}

// sensorNoise is zero-mean, unit-variance noise: a sum of four uniforms,
// close enough to Gaussian for grain and far cheaper than Box-Muller.
func sensorNoise(r *rng.Rand) float64 {
	return (r.Float() + r.Float() + r.Float() + r.Float() - 2) * math.Sqrt(3)
}

// tone is a gamma curve sampled for linear interpolation (math.Pow per
// channel and pixel was most of the rendering time).
type tone [1025]float64

func gammaCurve(g float64) *tone {
	var t tone
	for i := range t {
		t[i] = math.Pow(float64(i)/1024, g)
	}
	return &t
}

func (t *tone) at(v float64) float64 {
	x := v * 1024
	i := int(x)
	if i >= 1024 {
		return t[1024]
	}
	return t[i] + (t[i+1]-t[i])*(x-float64(i))
}

// blur is one pass of a separable [1 2 1]/4 filter (edges repeat).
func blur(cv *canvas) {
	tmp := make([]rgb, len(cv.col))
	for y := 0; y < cv.h; y++ {
		row := cv.col[y*cv.w : (y+1)*cv.w]
		for x := range row {
			a, b := row[max(x-1, 0)], row[min(x+1, cv.w-1)]
			for k := 0; k < 3; k++ {
				tmp[y*cv.w+x][k] = (a[k] + 2*row[x][k] + b[k]) / 4
			}
		}
	}
	for y := 0; y < cv.h; y++ {
		for x := 0; x < cv.w; x++ {
			a, b := tmp[max(y-1, 0)*cv.w+x], tmp[min(y+1, cv.h-1)*cv.w+x]
			c := tmp[y*cv.w+x]
			for k := 0; k < 3; k++ {
				cv.col[y*cv.w+x][k] = (a[k] + 2*c[k] + b[k]) / 4
			}
		}
	}
}

// frame quantises the canvas to 8-bit RGB.
func (sc *scene) frame() *Frame {
	cv := sc.cv
	f := &Frame{Width: cv.w, Height: cv.h, RGB: make([]uint8, 3*cv.w*cv.h), IDs: append([]uint8(nil), cv.id...)}
	for i, c := range cv.col {
		for k := 0; k < 3; k++ {
			f.RGB[3*i+k] = uint8(math.Round(clamp01(c[k]) * 255))
		}
	}
	return f
}
