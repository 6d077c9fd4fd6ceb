package synth

import "math"

// camera is a pinhole camera looking along +Z over flat ground (Y = 0 is
// the ground, Y up, X right), like Cityscapes' windscreen camera.
type camera struct {
	f      float64 // focal length in pixels
	cx, yh float64 // vanishing point: column, and horizon row
	hc     float64 // camera height above ground, metres
	w, h   int
}

const nearZ = 0.5 // nothing closer than this is drawn

func (c camera) project(X, Y, Z float64) pt {
	Z = math.Max(Z, nearZ)
	return pt{c.cx + c.f*X/Z, c.yh + c.f*(c.hc-Y)/Z}
}

// scale is pixels per metre at depth Z.
func (c camera) scale(Z float64) float64 { return c.f / math.Max(Z, nearZ) }

// ground returns the ground point seen at pixel (x, y), if any.
func (c camera) ground(x, y int) (X, Z float64, ok bool) {
	dy := float64(y) + 0.5 - c.yh
	if dy <= 0 {
		return 0, 0, false
	}
	Z = c.f * c.hc / dy
	return (float64(x) + 0.5 - c.cx) * Z / c.f, Z, true
}

// onXPlane returns where pixel (x, y) meets the vertical plane X = xp (a
// facade along the street).
func (c camera) onXPlane(xp float64, x, y int) (Y, Z float64, ok bool) {
	dx := float64(x) + 0.5 - c.cx
	if dx == 0 || (dx > 0) != (xp > 0) {
		return 0, 0, false
	}
	Z = c.f * xp / dx
	return c.hc - (float64(y)+0.5-c.yh)*Z/c.f, Z, true
}

// onZPlane returns where pixel (x, y) meets the plane Z = zp (a face
// turned to the camera).
func (c camera) onZPlane(zp float64, x, y int) (X, Y float64) {
	return (float64(x) + 0.5 - c.cx) * zp / c.f, c.hc - (float64(y)+0.5-c.yh)*zp/c.f
}

// fillXPlane fills the part of plane X = xp with z0 <= Z <= z1 and
// y0 <= Y <= top(Z). The shader gets the plane coordinates (Z, Y).
func (cv *canvas) fillXPlane(cam camera, xp, z0, z1, y0, maxTop float64, top func(Z float64) float64,
	id uint8, sh func(Z, Y float64, x, y int, under rgb) rgb) {
	z0 = math.Max(z0, nearZ)
	if z1 <= z0 {
		return
	}
	corners := []pt{cam.project(xp, y0, z0), cam.project(xp, maxTop, z0), cam.project(xp, y0, z1), cam.project(xp, maxTop, z1)}
	bx0, by0, bx1, by1 := bbox(corners)
	xa, xb := max(0, int(math.Floor(bx0))), min(cv.w, int(math.Ceil(bx1))+1)
	ya, yb := max(0, int(math.Floor(by0))), min(cv.h, int(math.Ceil(by1))+1)
	for y := ya; y < yb; y++ {
		for x := xa; x < xb; x++ {
			Y, Z, ok := cam.onXPlane(xp, x, y)
			if !ok || Z < z0 || Z > z1 || Y < y0 || Y > top(Z) {
				continue
			}
			i := y*cv.w + x
			cv.col[i] = sh(Z, Y, x, y, cv.col[i])
			if id != keepID {
				cv.id[i], cv.depth[i] = id, Z
			}
		}
	}
}

// fillZPlane fills the part of plane Z = zp with x0 <= X <= x1 and
// y0 <= Y <= top(X). The shader gets the plane coordinates (X, Y).
func (cv *canvas) fillZPlane(cam camera, zp, x0, x1, y0, maxTop float64, top func(X float64) float64,
	id uint8, sh func(X, Y float64, x, y int, under rgb) rgb) {
	if zp < nearZ || x1 <= x0 {
		return
	}
	a, b := cam.project(x0, maxTop, zp), cam.project(x1, y0, zp)
	var X, Y float64
	cv.fillWhere(a.x-1, a.y-1, b.x+1, b.y+1, func(x, y int) bool {
		X, Y = cam.onZPlane(zp, x, y)
		return X >= x0 && X <= x1 && Y >= y0 && Y <= top(X)
	}, id, zp, func(x, y int, under rgb) rgb { return sh(X, Y, x, y, under) })
}

func bbox(ps []pt) (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = ps[0].x, ps[0].y, ps[0].x, ps[0].y
	for _, p := range ps[1:] {
		x0, y0 = math.Min(x0, p.x), math.Min(y0, p.y)
		x1, y1 = math.Max(x1, p.x), math.Max(y1, p.y)
	}
	return
}
