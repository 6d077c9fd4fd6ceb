package synth

import (
	"math"
)

// Things that stand in the street: poles with lights and signs, trees,
// street furniture, people, two-wheelers and vehicles. Each is queued with
// its depth and drawn far to near.

func (sc *scene) placeObjects() {
	s, r := sc.street, sc.r
	walk := [2][2]float64{}
	for _, st := range s.strips {
		if st.kind == stripSidewalk {
			if st.x1 <= s.roadL {
				walk[0] = [2]float64{st.x0, st.x1}
			} else {
				walk[1] = [2]float64{st.x0, st.x1}
			}
		}
	}
	walkX := func(side int, t float64) float64 { return lerp(walk[side][0], walk[side][1], t) }
	near := func(side int) float64 { // nearest Z at which the sidewalk is on screen
		x := math.Abs(walkX(side, 0.5))
		edge := sc.cam.cx
		if side == 1 {
			edge = float64(sc.cam.w) - sc.cam.cx
		}
		return math.Max(4, sc.cam.f*x/edge*1.05)
	}

	// Poles with lights and signs, along the kerbs. The first on a random
	// side is put where it is clearly seen, carrying a light and a sign.
	guaranteed := r.IntN(2)
	for side := 0; side < 2; side++ {
		dir := -1.0
		if side == 1 {
			dir = 1
		}
		// near the kerb, on the sidewalk's road side
		x := walk[0][1] - r.Range(0.4, 0.8)
		if side == 1 {
			x = walk[1][0] + r.Range(0.4, 0.8)
		}
		z := near(side) + r.Range(0, 6)
		first := true
		for z < 90 {
			light, sign := r.Chance(0.35), r.Chance(0.4)
			if first && side == guaranteed {
				light, sign = true, true
			}
			sc.pole(x, z, dir, light, sign)
			first = false
			z += r.Range(10, 28)
		}
	}
	// Street trees in the sidewalks, away from the kerb.
	for side := 0; side < 2; side++ {
		if !r.Chance(0.6) && !(side == 1 && r.Chance(0.5)) {
			continue
		}
		for z := near(side) + r.Range(0, 10); z < 80; z += r.Range(9, 22) {
			sc.tree(walkX(side, r.Range(0.3, 0.7)), z)
		}
	}
	// Always at least one tree somewhere visible.
	side := r.IntN(2)
	sc.tree(walkX(side, 0.5), near(side)+r.Range(4, 16))

	// Street furniture (static) now and then.
	for n := r.IntN(4); n > 0; n-- {
		side := r.IntN(2)
		sc.furniture(walkX(side, r.Range(0.1, 0.9)), near(side)+r.Range(0, 25))
	}

	// People on the sidewalks, and sometimes crossing.
	people := 1 + r.IntN(6)
	for i := 0; i < people; i++ {
		side := r.IntN(2)
		z := near(side) + r.Range(0, 30)
		if i == 0 {
			z = near(side) + r.Range(0, 12)
		}
		sc.person(walkX(side, r.Range(0.15, 0.85)), z, idPerson)
	}
	if r.Chance(0.3) {
		z := r.Range(9, 25)
		for n := 1 + r.IntN(3); n > 0; n-- {
			sc.person(r.Range(s.roadL+0.5, s.roadR-0.5), z+r.Range(-1, 1), idPerson)
		}
	}

	sc.placeVehicles()
}

// lanes of the road: centres, and whether traffic there faces the camera.
func (sc *scene) lanes() (xs []float64, oncoming []bool) {
	s := sc.street
	for x := s.roadL + s.laneW/2; x < s.roadR-0.8; x += s.laneW {
		xs = append(xs, x)
		oncoming = append(oncoming, x < -s.laneW/2)
	}
	return
}

// slotFree keeps vehicles in a lane from overlapping.
type laneSlot struct{ x, z0, z1 float64 }

func (sc *scene) placeVehicles() {
	s, r := sc.street, sc.r
	xs, oncoming := sc.lanes()
	var taken []laneSlot
	free := func(x, z0, z1 float64) bool {
		for _, t := range taken {
			if math.Abs(t.x-x) < 2 && z0 < t.z1+2 && z1 > t.z0-2 {
				return false
			}
		}
		return true
	}
	place := func(kind uint8, x, zmin, zmax float64, facing bool) bool {
		v := newVehicle(r, kind, facing)
		for try := 0; try < 8; try++ {
			z := r.Range(zmin, zmax)
			if math.Abs(x) < 1.5 && z < 9 {
				z += 9 // not right in front of the bonnet
			}
			if free(x, z, z+v.l) {
				taken = append(taken, laneSlot{x, z, z + v.l})
				v.x, v.z = x+r.Range(-0.3, 0.3), z
				sc.add(z, func() { sc.drawVehicle(v) })
				return true
			}
		}
		return false
	}
	lane := func() (float64, bool) { i := r.IntN(len(xs)); return xs[i], oncoming[i] }

	if s.hasRail { // the tram first: it needs its own track
		for _, st := range s.strips {
			if st.kind == stripRail && (sc.featured[idTrain] || r.Chance(0.7)) {
				x := (st.x0 + st.x1) / 2
				place(idTrain, x, 8, 30, r.Chance(0.5))
			}
		}
	}
	// Two-wheelers: ridden in the road or along the kerb, or parked on a
	// sidewalk. A featured one is placed before the cars, which then keep
	// out of its way.
	twoWheeler := func(kind uint8, featured bool) {
		ridden := kind == idMotorcycle || featured || r.Chance(0.7)
		for try := 0; try < 8; try++ {
			var x float64
			if ridden {
				x, _ = lane()
				if kind == idBicycle && r.Chance(0.6) {
					x = s.roadR - 0.7
				}
			} else {
				x = lerp(s.edgeL, s.roadL, 0.3)
				if r.IntN(2) == 1 {
					x = lerp(s.edgeR, s.roadR, 0.3)
				}
			}
			z := r.Range(7, 28)
			if featured {
				z = r.Range(6, 18)
			}
			if free(x, z-3, z+2) || try == 7 {
				taken = append(taken, laneSlot{x, z - 3, z + 2})
				sc.twoWheeler(kind, x, z, ridden)
				return
			}
		}
	}
	for _, kind := range []uint8{idMotorcycle, idBicycle} {
		if sc.featured[kind] {
			twoWheeler(kind, true)
		}
	}
	for _, kind := range []uint8{idBus, idTruck} {
		n := 0
		if sc.featured[kind] {
			n = 1
		}
		if r.Chance(0.25) {
			n++
		}
		for ; n > 0; n-- {
			x, on := lane()
			place(kind, x, 8, 40, on)
		}
	}
	// Parked cars along a kerb or in a parking strip, and traffic.
	for side := 0; side < 2; side++ {
		if !r.Chance(0.5) {
			continue
		}
		x := s.roadL + 1.1
		if side == 1 {
			x = s.roadR - 1.1
		}
		for _, st := range s.strips {
			if st.kind == stripParking && (side == 0) == (st.x1 <= s.roadL) {
				x = (st.x0 + st.x1) / 2
			}
		}
		for n := 1 + r.IntN(4); n > 0; n-- {
			place(idCar, x, 6, 60, false)
		}
	}
	cars := 1 + r.IntN(5)
	for i := 0; i < cars; i++ {
		x, on := lane()
		zmax := 60.0
		if i == 0 {
			zmax = 25
		}
		if !place(idCar, x, 7, zmax, on) && i == 0 {
			place(idCar, x, 30, 70, on)
		}
	}
	for _, kind := range []uint8{idMotorcycle, idBicycle} {
		if r.Chance(0.3) {
			twoWheeler(kind, false)
		}
	}
}

// pole draws a pole at (x, z) with an optional traffic light and sign
// facing the road (dir is the side: -1 left, +1 right).
func (sc *scene) pole(x, z, dir float64, light, sign bool) {
	r := sc.r
	h := r.Range(3.5, 8)
	if light {
		h = math.Max(h, 4.5)
	}
	d := r.Range(0.12, 0.28)
	col := []rgb{{0.55, 0.56, 0.58}, {0.4, 0.42, 0.44}, {0.22, 0.3, 0.25}, {0.3, 0.3, 0.3}}[r.IntN(4)]
	lamp := r.Chance(0.4) && !light
	armLen := r.Range(1.2, 3)
	housing := []rgb{{0.08, 0.08, 0.08}, {0.15, 0.15, 0.14}, {0.55, 0.45, 0.08}}[r.IntN(3)]
	lit := r.IntN(3)
	overhead := light && r.Chance(0.4)
	signKind := r.IntN(len(signLooks))
	signY := r.Range(2.1, 2.9)
	signSize := r.Range(0.6, 0.9)
	lightY := r.Range(2.4, 3.4)
	sc.add(z, func() {
		cam, cv := sc.cam, sc.cv
		s := cam.scale(z)
		b, t := cam.project(x, 0, z), cam.project(x, h, z)
		w := math.Max(d*s, 1.2)
		cv.fillRect(b.x-w/2, t.y, b.x+w/2, b.y, idPole, z, cylinder(col, b.x-w/2, w, sc.light.sunnySide))
		if lamp || overhead { // arm over the road
			end := cam.project(x-dir*armLen, h-0.1, z)
			cv.fillLine(pt{b.x, t.y + 0.1*s}, end, math.Max(0.08*s, 1), idPole, z, flat(col.scale(0.9)))
			if lamp {
				cv.fillEllipse(end.x, end.y+0.05*s, 0.3*s, 0.08*s, idPole, z, flat(col.scale(0.7)))
			} else {
				sc.trafficLight(x-dir*armLen, h-1.2, z, housing, lit)
			}
		}
		if light && !overhead {
			sc.trafficLight(x-dir*(d/2+0.18), lightY, z-0.05, housing, lit)
		}
		if sign {
			sc.trafficSign(x, signY, z-0.06, signSize, signKind)
		}
	})
}

// cylinder shades a vertical cylinder lit from one side.
func cylinder(c rgb, left, width, sunnySide float64) shader {
	return func(x, _ int, _ rgb) rgb {
		u := clamp01((float64(x) + 0.5 - left) / width)
		if sunnySide < 0 {
			u = 1 - u
		}
		return c.scale(0.6 + 0.6*math.Sin(math.Pi*(0.3+0.7*u)))
	}
}

// trafficLight draws a three-lamp head whose bottom is at height y.
func (sc *scene) trafficLight(x, y, z float64, housing rgb, lit int) {
	cam, cv := sc.cam, sc.cv
	s := cam.scale(z)
	w, h := 0.34, 1.0
	tl := cam.project(x-w/2, y+h, z)
	br := cam.project(x+w/2, y, z)
	// contrast board behind the head
	bw := 0.56
	bl := cam.project(x-bw/2, y+h+0.1, z)
	bb := cam.project(x+bw/2, y-0.1, z)
	cv.fillRect(bl.x, bl.y, bb.x, bb.y, idLight, z, flat(housing.scale(0.8)))
	cv.fillRect(tl.x, tl.y, br.x, br.y, idLight, z, flat(housing))
	lampCols := []rgb{{1, 0.15, 0.1}, {1, 0.7, 0.1}, {0.2, 1, 0.45}}
	for k := 0; k < 3; k++ {
		c := cam.project(x, y+h*(0.82-0.32*float64(k)), z)
		col := lampCols[k].scale(0.22)
		if k == lit {
			col = lampCols[k]
		}
		cv.fillEllipse(c.x, c.y, 0.11*s, 0.11*s, idLight, z, flat(col))
	}
}

type signLook struct {
	shape        int // 0 circle, 1 triangle, 2 square, 3 diamond, 4 octagon
	border, fill rgb
}

var signLooks = []signLook{
	{0, rgb{0.8, 0.1, 0.1}, rgb{0.95, 0.95, 0.95}},
	{0, rgb{0.1, 0.3, 0.75}, rgb{0.1, 0.3, 0.75}},
	{1, rgb{0.8, 0.1, 0.1}, rgb{0.95, 0.95, 0.95}},
	{2, rgb{0.95, 0.95, 0.95}, rgb{0.1, 0.3, 0.75}},
	{3, rgb{0.95, 0.95, 0.95}, rgb{0.95, 0.8, 0.1}},
	{4, rgb{0.95, 0.95, 0.95}, rgb{0.8, 0.1, 0.1}},
	{2, rgb{0.2, 0.2, 0.2}, rgb{0.95, 0.85, 0.2}},
}

// trafficSign draws a sign whose centre is at height y.
func (sc *scene) trafficSign(x, y, z, size float64, kind int) {
	cam, cv := sc.cam, sc.cv
	look := signLooks[kind]
	c := cam.project(x, y, z)
	rad := math.Max(size*cam.scale(z)/2, 1.5)
	shape := func(r float64) []pt {
		switch look.shape {
		case 2:
			return []pt{{c.x - r, c.y - r}, {c.x + r, c.y - r}, {c.x + r, c.y + r}, {c.x - r, c.y + r}}
		case 3:
			return []pt{{c.x, c.y - r}, {c.x + r, c.y}, {c.x, c.y + r}, {c.x - r, c.y}}
		case 4:
			var ps []pt
			for k := 0; k < 8; k++ {
				a := math.Pi/8 + float64(k)*math.Pi/4
				ps = append(ps, pt{c.x + r*math.Cos(a), c.y + r*math.Sin(a)})
			}
			return ps
		}
		return nil
	}
	if look.shape == 1 { // warning triangles stand on their base
		shape = func(r float64) []pt {
			return []pt{{c.x, c.y - r}, {c.x + r, c.y + 0.75*r}, {c.x - r, c.y + 0.75*r}}
		}
	}
	if look.shape == 0 {
		cv.fillEllipse(c.x, c.y, rad, rad, idSign, z, flat(look.border))
		cv.fillEllipse(c.x, c.y, rad*0.75, rad*0.75, idSign, z, flat(look.fill))
	} else {
		cv.fillPoly(shape(rad), idSign, z, flat(look.border))
		cv.fillPoly(shape(rad*0.72), idSign, z, flat(look.fill))
	}
	if rad > 4 { // a dark symbol
		cv.fillRect(c.x-rad*0.25, c.y-rad*0.12, c.x+rad*0.25, c.y+rad*0.12, idSign, z, flat(rgb{0.1, 0.1, 0.1}))
	}
}

// tree draws a street tree: trunk and a ragged crown, both vegetation.
func (sc *scene) tree(x, z float64) {
	r := sc.r
	trunkH := r.Range(2, 4)
	crownR := r.Range(1.5, 3.5)
	crownH := crownR * r.Range(0.8, 1.3)
	trunkW := r.Range(0.2, 0.4)
	seed := r.Uint64()
	bark := rgb{r.Range(0.3, 0.45), r.Range(0.27, 0.35), r.Range(0.22, 0.28)}
	sc.add(z, func() {
		cam, cv := sc.cam, sc.cv
		s := cam.scale(z)
		b := cam.project(x, 0, z)
		top := cam.project(x, trunkH+crownH*0.5, z)
		w := math.Max(trunkW*s, 1.2)
		cv.fillRect(b.x-w/2, top.y, b.x+w/2, b.y, idVegetation, z, cylinder(bark, b.x-w/2, w, sc.light.sunnySide))
		c := cam.project(x, trunkH+crownH, z)
		rx, ry := crownR*s, crownH*s
		cv.fillWhere(c.x-rx*1.3, c.y-ry*1.3, c.x+rx*1.3, c.y+ry*1.3, func(px, py int) bool {
			dx := (float64(px) + 0.5 - c.x) / rx
			dy := (float64(py) + 0.5 - c.y) / ry
			n := fbm(dx*2.5, dy*2.5, 3, seed)
			return dx*dx+dy*dy < 0.75+0.6*n
		}, idVegetation, z, func(px, py int, _ rgb) rgb {
			dx := (float64(px) + 0.5 - c.x) / rx
			dy := (float64(py) + 0.5 - c.y) / ry
			lightSide := 1 + 0.25*dx*sc.light.sunnySide - 0.25*dy
			return leafy(dx*crownR, dy*crownH, seed).scale(lightSide)
		})
	})
}

// furniture draws a bin, a bollard or a bench (label "static").
func (sc *scene) furniture(x, z float64) {
	r := sc.r
	kind := r.IntN(3)
	col := []rgb{{0.2, 0.3, 0.22}, {0.4, 0.4, 0.42}, {0.45, 0.32, 0.2}}[kind].scale(r.Range(0.8, 1.2))
	sc.add(z, func() {
		cam := sc.cam
		var w, h float64
		switch kind {
		case 0:
			w, h = 0.5, 1.0
		case 1:
			w, h = 0.15, 0.9
		default:
			w, h = 1.6, 0.8
		}
		a, b := cam.project(x-w/2, h, z), cam.project(x+w/2, 0, z)
		sc.cv.fillRect(a.x, a.y, b.x, b.y, idStatic, z, cylinder(col, a.x, b.x-a.x, sc.light.sunnySide))
	})
}
