package synth

import "math"

// People and two-wheelers, drawn as flat figures at their depth: at street
// distances the depth of a body is negligible.

var (
	clothes = []rgb{{0.1, 0.1, 0.12}, {0.2, 0.22, 0.35}, {0.15, 0.2, 0.4}, {0.45, 0.1, 0.1}, {0.5, 0.5, 0.5},
		{0.85, 0.85, 0.82}, {0.3, 0.25, 0.2}, {0.55, 0.45, 0.3}, {0.2, 0.35, 0.25}, {0.7, 0.55, 0.2}, {0.6, 0.3, 0.45}}
	skins = []rgb{{0.85, 0.68, 0.55}, {0.75, 0.55, 0.42}, {0.55, 0.38, 0.28}, {0.38, 0.26, 0.2}}
	hairs = []rgb{{0.1, 0.08, 0.06}, {0.3, 0.2, 0.12}, {0.6, 0.5, 0.3}, {0.5, 0.5, 0.5}}
)

// figure is how one person looks.
type figure struct {
	height, build   float64
	top, legs, skin rgb
	hair, shoes     rgb
	stride, swing   float64
	bag             bool
	bagCol          rgb
	helmet          bool
	helmetCol       rgb
}

func (sc *scene) newFigure() figure {
	r := sc.r
	return figure{
		height: r.Range(1.5, 1.92), build: r.Range(0.9, 1.15),
		top: clothes[r.IntN(len(clothes))].scale(r.Range(0.8, 1.2)), legs: clothes[r.IntN(4)].scale(r.Range(0.8, 1.2)),
		skin: skins[r.IntN(len(skins))], hair: hairs[r.IntN(len(hairs))], shoes: rgb{0.1, 0.1, 0.1},
		stride: r.Range(-0.22, 0.22), swing: r.Range(-0.12, 0.12),
		bag: r.Chance(0.3), bagCol: clothes[r.IntN(len(clothes))],
		helmetCol: []rgb{{0.1, 0.1, 0.1}, {0.9, 0.9, 0.9}, {0.8, 0.1, 0.1}, {0.1, 0.2, 0.6}}[r.IntN(4)],
	}
}

// person queues a standing or walking person at (x, z).
func (sc *scene) person(x, z float64, id uint8) {
	f := sc.newFigure()
	sc.add(z, func() { sc.drawStanding(f, x, z, id) })
}

func (sc *scene) drawStanding(f figure, x, z float64, id uint8) {
	cam, cv := sc.cam, sc.cv
	H, b := f.height, f.build
	P := func(dx, y float64) pt { return cam.project(x+dx*H, y*H, z) }
	s := cam.scale(z) * H
	fold := func(c rgb, seed uint64) shader {
		return func(px, py int, _ rgb) rgb {
			return c.scale(0.8 + 0.35*noise(float64(px)/s*12, float64(py)/s*12, seed))
		}
	}
	st := f.stride
	cv.fillPoly([]pt{P(-0.1*b, 0.5), P(-0.005, 0.5), P(-0.01+st, 0), P(-0.09+st, 0)}, id, z, fold(f.legs, 1))
	cv.fillPoly([]pt{P(0.005, 0.5), P(0.1*b, 0.5), P(0.09-st, 0), P(0.01-st, 0)}, id, z, fold(f.legs, 2))
	for _, foot := range []float64{-0.05 + st, 0.05 - st} {
		a, c := P(foot-0.05, 0.03), P(foot+0.05, 0)
		cv.fillRect(a.x, a.y, c.x, c.y, id, z, flat(f.shoes))
	}
	cv.fillPoly([]pt{P(-0.13*b, 0.81), P(0.13*b, 0.81), P(0.1*b, 0.46), P(-0.1*b, 0.46)}, id, z, fold(f.top, 3))
	w := 0.055 * s
	cv.fillLine(P(-0.125*b, 0.79), P(-0.15*b+f.swing, 0.44), w, id, z, fold(f.top.scale(0.9), 4))
	cv.fillLine(P(0.125*b, 0.79), P(0.15*b-f.swing, 0.44), w, id, z, fold(f.top.scale(0.9), 5))
	if f.bag {
		a, c := P(0.12*b, 0.62), P(0.22*b, 0.45)
		cv.fillRect(a.x, a.y, c.x, c.y, id, z, flat(f.bagCol))
	}
	sc.drawHead(f, P(0, 0.9), s, id, z)
}

func (sc *scene) drawHead(f figure, c pt, s float64, id uint8, z float64) {
	cv := sc.cv
	cv.fillLine(pt{c.x, c.y + 0.04*s}, pt{c.x, c.y + 0.1*s}, 0.05*s, id, z, flat(f.skin.scale(0.9)))
	cv.fillEllipse(c.x, c.y, 0.055*s, 0.07*s, id, z, flat(f.skin))
	if f.helmet {
		cv.fillEllipse(c.x, c.y-0.01*s, 0.07*s, 0.075*s, id, z, flat(f.helmetCol))
		return
	}
	cv.fillEllipse(c.x, c.y-0.03*s, 0.058*s, 0.045*s, id, z, flat(f.hair))
}

// twoWheeler queues a bicycle or motorcycle in side view (k < 1 turns it
// away from the image plane), with a rider when ridden.
func (sc *scene) twoWheeler(kind uint8, x, z float64, ridden bool) {
	r := sc.r
	dir := []float64{-1, 1}[r.IntN(2)]
	k := r.Range(0.45, 1)
	frame := []rgb{{0.1, 0.1, 0.1}, {0.7, 0.1, 0.1}, {0.1, 0.25, 0.6}, {0.7, 0.7, 0.72}, {0.15, 0.4, 0.2}}[r.IntN(5)]
	f := sc.newFigure()
	f.helmet = kind == idMotorcycle || r.Chance(0.3)
	sc.add(z, func() {
		cam, cv := sc.cam, sc.cv
		s := cam.scale(z)
		P := func(u, y float64) pt { return cam.project(x+dir*u*k, y, z) }
		var seat, peg, bar pt
		if kind == idBicycle {
			const wr = 0.34
			hubs := []pt{P(-0.52, wr), P(0.52, wr)}
			for _, h := range hubs {
				sc.spokedWheel(h, wr*k*s, wr*s, z)
			}
			bb, sp, ht, hb := P(-0.05, 0.3), P(-0.22, 0.92), P(0.38, 0.9), P(0.42, 1.02)
			lw := math.Max(0.04*s, 1)
			for _, l := range [][2]pt{{hubs[0], bb}, {bb, sp}, {sp, hubs[0]}, {bb, ht}, {sp, ht}, {ht, hubs[1]}, {ht, hb}} {
				cv.fillLine(l[0], l[1], lw, idBicycle, z, flat(frame))
			}
			cv.fillLine(P(-0.3, 0.95), P(-0.14, 0.95), math.Max(0.05*s, 1), idBicycle, z, flat(rgb{0.08, 0.08, 0.08}))
			seat, peg, bar = P(-0.22, 0.97), P(-0.05, 0.3), hb
		} else {
			const wr = 0.31
			for _, u := range []float64{-0.7, 0.7} {
				h := P(u, wr)
				cv.fillEllipse(h.x, h.y, wr*k*s, wr*s, idMotorcycle, z, flat(rgb{0.06, 0.06, 0.06}))
				cv.fillEllipse(h.x, h.y, 0.6*wr*k*s, 0.6*wr*s, idMotorcycle, z, flat(rgb{0.55, 0.55, 0.58}))
			}
			body := []pt{P(-0.6, 0.5), P(-0.35, 0.82), P(0.3, 0.92), P(0.55, 0.72), P(0.45, 0.4), P(-0.15, 0.3)}
			cv.fillPoly(body, idMotorcycle, z, func(px, py int, _ rgb) rgb {
				return frame.scale(0.75 + 0.4*noise(float64(px)/s*6, float64(py)/s*6, 7))
			})
			eng := []pt{P(-0.15, 0.3), P(0.3, 0.35), P(0.25, 0.62), P(-0.2, 0.6)}
			cv.fillPoly(eng, idMotorcycle, z, flat(rgb{0.3, 0.3, 0.32}))
			cv.fillLine(P(0.7, 0.31), P(0.5, 1.0), math.Max(0.06*s, 1), idMotorcycle, z, flat(rgb{0.6, 0.6, 0.62}))
			hl := P(0.62, 0.85)
			cv.fillEllipse(hl.x, hl.y, 0.07*k*s+0.5, 0.07*s, idMotorcycle, z, flat(rgb{0.95, 0.95, 0.85}))
			cv.fillPoly([]pt{P(-0.5, 0.82), P(0.05, 0.9), P(0.05, 0.97), P(-0.45, 0.9)}, idMotorcycle, z, flat(rgb{0.05, 0.05, 0.05}))
			seat, peg, bar = P(-0.2, 0.95), P(0.0, 0.42), P(0.5, 1.05)
		}
		if ridden {
			sc.drawRider(f, seat, peg, bar, s, z)
		}
	})
}

// spokedWheel labels the whole wheel as bicycle but shows the background
// through the spokes, as Cityscapes' coarse bicycle polygons do.
func (sc *scene) spokedWheel(c pt, rx, ry, z float64) {
	sc.cv.fillEllipse(c.x, c.y, rx, ry, idBicycle, z, func(px, py int, under rgb) rgb {
		dx, dy := (float64(px)+0.5-c.x)/rx, (float64(py)+0.5-c.y)/ry
		d := math.Sqrt(dx*dx + dy*dy)
		switch {
		case d > 0.8:
			return rgb{0.06, 0.06, 0.06}
		case d < 0.15:
			return rgb{0.5, 0.5, 0.5}
		}
		return under.scale(0.65).mix(rgb{0.5, 0.5, 0.52}, 0.15)
	})
}

// drawRider draws a seated person from seat to pedals and handlebar.
func (sc *scene) drawRider(f figure, seat, peg, bar pt, s, z float64) {
	cv := sc.cv
	H := f.height * s // person height in pixels
	dir := 1.0
	if bar.x < seat.x {
		dir = -1
	}
	shoulder := pt{seat.x + dir*0.12*H, seat.y - 0.32*H}
	knee := pt{seat.x + dir*0.2*H, seat.y - 0.02*H}
	legW, armW := 0.075*H, 0.05*H
	cv.fillLine(seat, knee, legW, idRider, z, flat(f.legs))
	cv.fillLine(knee, peg, legW*0.9, idRider, z, flat(f.legs.scale(0.9)))
	cv.fillPoly([]pt{{seat.x - dir*0.06*H, seat.y}, {seat.x + dir*0.06*H, seat.y},
		{shoulder.x + dir*0.07*H, shoulder.y}, {shoulder.x - dir*0.07*H, shoulder.y}}, idRider, z, flat(f.top))
	cv.fillLine(shoulder, bar, armW, idRider, z, flat(f.top.scale(0.85)))
	sc.drawHead(f, pt{shoulder.x + dir*0.02*H, shoulder.y - 0.1*H}, H, idRider, z)
}
