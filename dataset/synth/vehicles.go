package synth

import (
	"math"

	"github.com/segtrt/segtrt/dataset/internal/rng"
)

// Vehicles are boxes along the road: the face towards the camera (rear,
// or front for oncoming traffic), the side the camera sees and the wheels.
// Each kind has its own proportions, profile and markings.

type vehicle struct {
	kind         uint8
	x, z         float64 // centre across, nearest point along the road
	w, l, h      float64
	clear        float64 // ground clearance of the body
	facing       bool    // front towards the camera (oncoming)
	body, accent rgb
	glass        rgb
	cabL, cabH   float64 // trucks: cab length and height
	seed         uint64
}

var (
	carColours   = []rgb{{0.08, 0.08, 0.09}, {0.85, 0.85, 0.86}, {0.62, 0.63, 0.65}, {0.4, 0.4, 0.42}, {0.1, 0.15, 0.35}, {0.6, 0.08, 0.08}, {0.15, 0.3, 0.6}, {0.65, 0.6, 0.5}, {0.15, 0.3, 0.2}}
	truckColours = []rgb{{0.88, 0.88, 0.88}, {0.72, 0.73, 0.75}, {0.85, 0.7, 0.1}, {0.15, 0.3, 0.6}, {0.7, 0.15, 0.1}}
	busColours   = [][2]rgb{{{0.9, 0.75, 0.1}, {0.9, 0.9, 0.9}}, {{0.75, 0.12, 0.1}, {0.85, 0.85, 0.85}}, {{0.12, 0.3, 0.65}, {0.92, 0.92, 0.92}}, {{0.2, 0.5, 0.3}, {0.9, 0.88, 0.8}}}
	trainColours = [][2]rgb{{{0.7, 0.1, 0.1}, {0.92, 0.92, 0.9}}, {{0.1, 0.25, 0.55}, {0.9, 0.9, 0.92}}, {{0.9, 0.78, 0.15}, {0.55, 0.56, 0.58}}, {{0.2, 0.55, 0.35}, {0.92, 0.92, 0.92}}}
)

func newVehicle(r *rng.Rand, kind uint8, facing bool) *vehicle {
	v := &vehicle{kind: kind, facing: facing, seed: r.Uint64(),
		glass: rgb{r.Range(0.08, 0.18), r.Range(0.1, 0.2), r.Range(0.12, 0.25)}}
	switch kind {
	case idCar:
		v.w, v.l, v.h, v.clear = r.Range(1.7, 1.95), r.Range(3.8, 4.9), r.Range(1.4, 1.65), 0.28
		v.body = carColours[r.IntN(len(carColours))].scale(r.Range(0.9, 1.1))
	case idTruck:
		v.w, v.h, v.clear = r.Range(2.35, 2.55), r.Range(3.2, 3.9), 0.9
		v.cabL, v.cabH = 2.3, r.Range(2.7, 3.1)
		v.l = r.Range(6, 9) + v.cabL
		v.body = truckColours[r.IntN(len(truckColours))]
		v.accent = truckColours[r.IntN(len(truckColours))].scale(0.9)
	case idBus:
		v.w, v.l, v.h, v.clear = 2.55, r.Range(11, 13), r.Range(3.0, 3.3), 0.32
		c := busColours[r.IntN(len(busColours))]
		v.body, v.accent = c[0], c[1]
	case idTrain:
		v.w, v.l, v.h, v.clear = r.Range(2.4, 2.65), r.Range(28, 42), r.Range(3.3, 3.6), 0.5
		c := trainColours[r.IntN(len(trainColours))]
		v.body, v.accent = c[0], c[1]
	}
	return v
}

func (sc *scene) drawVehicle(v *vehicle) {
	cam, cv := sc.cam, sc.cv
	// contact shadow on the road
	foot := []pt{cam.project(v.x-v.w*0.55, 0, v.z-0.3), cam.project(v.x+v.w*0.55, 0, v.z-0.3),
		cam.project(v.x+v.w*0.55, 0, v.z+v.l), cam.project(v.x-v.w*0.55, 0, v.z+v.l)}
	cv.fillPoly(foot, keepID, 0, func(_, _ int, under rgb) rgb { return under.scale(0.45) })

	if v.kind == idTruck {
		box := *v
		box.l, box.h, box.clear = v.l-v.cabL, v.h, v.clear
		cab := *v
		cab.l, cab.h, cab.clear = v.cabL, v.cabH, 0.55
		if v.facing { // cab nearest, box behind and above it
			box.z = v.z + v.cabL
			sc.drawBox(&box, truckBoxSide, truckBoxFace)
			sc.drawBox(&cab, truckCabSide, truckCabFace)
		} else {
			cab.z = v.z + box.l
			sc.drawBox(&cab, truckCabSide, truckCabFace)
			sc.drawBox(&box, truckBoxSide, truckBoxFace)
		}
		return
	}
	switch v.kind {
	case idCar:
		sc.drawBox(v, carSide, carFace)
	case idBus:
		sc.drawBox(v, busSide, busFace)
	case idTrain:
		sc.drawBox(v, trainSide, trainFace)
		if v.h+0.2 > cam.hc { // pantograph over the roof
			a, b := cam.project(v.x, v.h, v.z+v.l*0.4), cam.project(v.x+0.4, v.h+1.1, v.z+v.l*0.45)
			c := cam.project(v.x-0.4, v.h+1.1, v.z+v.l*0.5)
			cv.fillLine(a, b, 1, idTrain, v.z, flat(rgb{0.2, 0.2, 0.2}))
			cv.fillLine(b, c, 1, idTrain, v.z, flat(rgb{0.2, 0.2, 0.2}))
		}
	}
}

// faceFn colours a point of the face towards the camera: u across (0 left,
// 1 right), v up (0 at the body's bottom, 1 at its top). sideFn colours the
// visible side: u along the vehicle from its near end, v up.
type (
	faceFn func(v *vehicle, u, vv float64) rgb
	sideFn func(v *vehicle, u, vv float64) rgb
)

// drawBox draws wheels, the visible side and the near face of one box.
func (sc *scene) drawBox(v *vehicle, side sideFn, face faceFn) {
	cam, cv := sc.cam, sc.cv
	const wr = 0.4
	tyre := rgb{0.05, 0.05, 0.05}
	// wheels seen under the near face
	tw := 0.15 // half a tyre's width; trucks and buses have twin tyres
	if v.kind != idCar {
		tw = 0.25
	}
	for _, sgn := range []float64{-1, 1} {
		a := cam.project(v.x+sgn*(v.w/2-0.4)-tw, math.Min(v.clear+0.1, 2*wr), v.z+0.6)
		b := cam.project(v.x+sgn*(v.w/2-0.4)+tw, 0, v.z+0.6)
		cv.fillRect(a.x, a.y, b.x, b.y, v.kind, v.z, flat(tyre))
	}
	profileZ, profileX := profiles(v)
	xs := 0.0
	switch {
	case v.x-v.w/2 > 0.15:
		xs = v.x - v.w/2
	case v.x+v.w/2 < -0.15:
		xs = v.x + v.w/2
	}
	if xs != 0 {
		cv.fillXPlane(cam, xs, v.z, v.z+v.l, v.clear, v.h, profileZ, v.kind, func(Z, Y float64, _, _ int, _ rgb) rgb {
			return side(v, (Z-v.z)/v.l, (Y-v.clear)/(v.h-v.clear))
		})
		// wheels on the side, drawn as ellipses in perspective
		for _, u := range wheelPositions(v) {
			zc := v.z + u*v.l
			c := cam.project(xs, wr, zc)
			a, b := cam.project(xs, wr, zc-wr), cam.project(xs, wr, zc+wr)
			rx := math.Abs(a.x-b.x) / 2
			ry := wr * cam.scale(zc)
			cv.fillEllipse(c.x, c.y, rx, ry, v.kind, zc, flat(tyre))
			cv.fillEllipse(c.x, c.y, rx*0.55, ry*0.55, v.kind, zc, flat(rgb{0.45, 0.45, 0.47}))
		}
	}
	cv.fillZPlane(cam, v.z, v.x-v.w/2, v.x+v.w/2, v.clear, v.h, profileX, v.kind, func(X, Y float64, _, _ int, _ rgb) rgb {
		return face(v, (X-(v.x-v.w/2))/v.w, (Y-v.clear)/(v.h-v.clear))
	})
}

func wheelPositions(v *vehicle) []float64 {
	switch v.kind {
	case idCar:
		return []float64{0.18, 0.8}
	case idTrain:
		return []float64{0.1, 0.2, 0.8, 0.9}
	}
	if v.l < 4 { // a truck cab
		return []float64{0.5}
	}
	return []float64{0.15, 0.28, 0.85}
}

// profiles give a box's height along its length and across its face.
func profiles(v *vehicle) (alongZ, acrossX func(float64) float64) {
	if v.kind != idCar {
		return constTop(v.h), constTop(v.h)
	}
	low := v.clear + 0.62*(v.h-v.clear)
	alongZ = func(Z float64) float64 {
		u := (Z - v.z) / v.l
		t := clamp01(math.Min((u-0.12)/0.16, (0.8-u)/0.14))
		return lerp(low, v.h, t)
	}
	acrossX = func(X float64) float64 {
		d := math.Abs(X-v.x) / v.w
		return lerp(v.h, low, clamp01((d-0.34)/0.16))
	}
	return
}

func glossy(c rgb, vv float64) rgb { return c.scale(0.75 + 0.35*vv) }

func carFace(v *vehicle, u, vv float64) rgb {
	c := glossy(v.body, vv)
	switch {
	case vv > 0.66 && vv < 0.95 && math.Abs(u-0.5) < 0.36:
		return v.glass.mix(rgb{0.6, 0.65, 0.7}, 0.3*(vv-0.66)/0.3)
	case vv < 0.2:
		return c.scale(0.55) // bumper
	case !v.facing && vv > 0.42 && vv < 0.58 && (u < 0.16 || u > 0.84):
		return rgb{0.75, 0.08, 0.06} // tail lights
	case v.facing && vv > 0.38 && vv < 0.52 && (u < 0.2 || u > 0.8):
		return rgb{0.9, 0.9, 0.85} // headlights
	case v.facing && vv > 0.3 && vv < 0.5 && math.Abs(u-0.5) < 0.18:
		return rgb{0.1, 0.1, 0.1} // grille
	case vv > 0.24 && vv < 0.36 && math.Abs(u-0.5) < 0.12:
		return rgb{0.92, 0.92, 0.9} // number plate
	}
	return c
}

func carSide(v *vehicle, u, vv float64) rgb {
	c := glossy(v.body, vv)
	if vv > 0.66 && vv < 0.93 && u > 0.2 && u < 0.78 && math.Abs(u-0.5) > 0.015 {
		return v.glass.mix(rgb{0.6, 0.65, 0.7}, 0.25)
	}
	if math.Abs(u-0.48) < 0.006 || vv < 0.12 {
		return c.scale(0.6) // door seam, sill
	}
	return c
}

func truckBoxFace(v *vehicle, u, vv float64) rgb {
	c := v.body.scale(0.85 + 0.15*vv)
	if math.Abs(u-0.5) < 0.008 || u < 0.03 || u > 0.97 || vv > 0.97 {
		return c.scale(0.6) // doors and frame
	}
	if vv < 0.08 {
		return rgb{0.12, 0.12, 0.12} // under-ride bar
	}
	if !v.facing && vv < 0.15 && (u < 0.12 || u > 0.88) {
		return rgb{0.75, 0.1, 0.06}
	}
	return c
}

func truckBoxSide(v *vehicle, u, vv float64) rgb {
	c := v.body.scale(0.8 + 0.15*vv)
	if vv > 0.35 && vv < 0.6 && u > 0.2 && u < 0.7 {
		return v.accent // a painted stripe or logo
	}
	return c
}

func truckCabFace(v *vehicle, u, vv float64) rgb {
	c := v.accent.scale(0.8 + 0.2*vv)
	switch {
	case vv > 0.55 && vv < 0.92 && u > 0.08 && u < 0.92:
		return v.glass
	case vv < 0.3 && math.Abs(u-0.5) < 0.3:
		return rgb{0.15, 0.15, 0.15} // grille
	case vv < 0.3 && (u < 0.15 || u > 0.85):
		return rgb{0.9, 0.9, 0.85}
	}
	return c
}

func truckCabSide(v *vehicle, u, vv float64) rgb {
	if vv > 0.55 && vv < 0.9 && u > 0.55 && u < 0.9 {
		return v.glass
	}
	return v.accent.scale(0.75 + 0.2*vv)
}

func busFace(v *vehicle, u, vv float64) rgb {
	c := v.body.scale(0.85 + 0.15*vv)
	switch {
	case vv > 0.88 && vv < 0.97 && u > 0.15 && u < 0.85:
		return rgb{0.95, 0.6, 0.1} // destination display
	case v.facing && vv > 0.32 && vv < 0.87 && u > 0.05 && u < 0.95:
		return v.glass.mix(rgb{0.6, 0.65, 0.7}, 0.2)
	case !v.facing && vv > 0.55 && vv < 0.85 && u > 0.12 && u < 0.88:
		return v.glass
	case !v.facing && vv < 0.3 && math.Mod(vv*30, 2) < 0.7 && u > 0.2 && u < 0.8:
		return rgb{0.15, 0.15, 0.15} // engine grille
	case vv < 0.07:
		return rgb{0.1, 0.1, 0.1}
	case (u < 0.07 || u > 0.93) && vv > 0.12 && vv < 0.4:
		if v.facing {
			return rgb{0.9, 0.9, 0.85}
		}
		return rgb{0.75, 0.1, 0.06}
	}
	return c
}

func busSide(v *vehicle, u, vv float64) rgb {
	c := v.body.scale(0.8 + 0.15*vv)
	if vv > 0.9 {
		return v.accent
	}
	if vv > 0.48 && vv < 0.88 {
		if frac(u*v.l/1.45) < 0.07 {
			return c.scale(0.5) // window pillars
		}
		return v.glass.mix(rgb{0.6, 0.65, 0.7}, 0.2)
	}
	if door := math.Mod(u*v.l, 5.5); door > 0.6 && door < 1.8 && vv < 0.48 {
		return v.glass.scale(0.8)
	}
	if vv < 0.08 {
		return rgb{0.1, 0.1, 0.1}
	}
	return c
}

func trainFace(v *vehicle, u, vv float64) rgb {
	c := v.body.scale(0.85 + 0.15*vv)
	switch {
	case vv > 0.45 && vv < 0.9 && u > 0.06 && u < 0.94:
		return v.glass.mix(rgb{0.6, 0.65, 0.7}, 0.25)
	case vv > 0.92 && u > 0.25 && u < 0.75:
		return rgb{0.9, 0.55, 0.1}
	case vv > 0.2 && vv < 0.3 && (u < 0.15 || u > 0.85):
		return rgb{0.9, 0.9, 0.85}
	case vv < 0.12:
		return rgb{0.15, 0.15, 0.15}
	}
	return c
}

func trainSide(v *vehicle, u, vv float64) rgb {
	m := u * v.l
	if door := math.Mod(m, 7.5); door > 3 && door < 4.3 && vv > 0.05 && vv < 0.88 {
		return v.glass.mix(v.body, 0.3)
	}
	switch {
	case vv > 0.9:
		return v.accent.scale(0.9)
	case vv > 0.45 && vv < 0.85:
		if frac(m/1.6) < 0.08 {
			return v.accent.scale(0.7)
		}
		return v.glass.mix(rgb{0.6, 0.65, 0.7}, 0.25)
	case vv < 0.1:
		return rgb{0.15, 0.15, 0.15}
	case vv > 0.3 && vv < 0.45:
		return v.accent
	}
	return v.body.scale(0.8 + 0.2*vv)
}

// drawEgo draws the bonnet of the car carrying the camera and the image
// borders Cityscapes marks as ignored.
func (sc *scene) drawEgo() {
	r, cv := sc.r, sc.cv
	w, h := float64(cv.w), float64(cv.h)
	hood := h * r.Range(0.06, 0.13)
	curve := r.Range(0.2, 0.6)
	body := carColours[r.IntN(len(carColours))].scale(0.6)
	var poly []pt
	for k := 0; k <= 16; k++ {
		x := w * float64(k) / 16
		t := (x - w/2) / (w / 2)
		poly = append(poly, pt{x, h - hood*(1-curve*t*t)})
	}
	poly = append(poly, pt{w, h}, pt{0, h})
	cv.fillPoly(poly, idEgoVehicle, 0.5, func(x, y int, _ rgb) rgb {
		// a dim reflection of the scene above the bonnet's edge
		top := h - hood
		my := int(2*top) - y
		if my < 0 || my >= cv.h {
			return body
		}
		return body.mix(cv.col[my*cv.w+x], 0.25)
	})
	// out of roi: a thin frame at the bottom and sides
	b := float64(1 + r.IntN(3))
	cv.fillRect(0, h-b, w, h, idOutOfROI, 0, func(_, _ int, under rgb) rgb { return under })
	if r.Chance(0.4) { // rectification border: black wedges at the lower corners
		d := w * r.Range(0.02, 0.06)
		cv.fillPoly([]pt{{0, h - 3*d}, {d, h}, {0, h}}, idRectBorder, 0, flat(rgb{}))
		cv.fillPoly([]pt{{w, h - 3*d}, {w - d, h}, {w, h}}, idRectBorder, 0, flat(rgb{}))
	}
}
