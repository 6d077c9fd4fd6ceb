package synth

import (
	"math"
	"sort"
)

// rgb is a colour with channels in 0..1.
type rgb [3]float64

func (c rgb) scale(k float64) rgb { return rgb{c[0] * k, c[1] * k, c[2] * k} }
func (c rgb) mix(d rgb, t float64) rgb {
	return rgb{lerp(c[0], d[0], t), lerp(c[1], d[1], t), lerp(c[2], d[2], t)}
}

// pt is a point in pixel coordinates (pixel (x, y) has its centre at
// x+0.5, y+0.5).
type pt struct{ x, y float64 }

// keepID, given as the id of a fill, changes colours but not labels (for
// shadows and see-through details).
const keepID = 254

// canvas holds a scene being drawn: colour, label id and depth per pixel.
// Drawing is back to front (painter's algorithm).
type canvas struct {
	w, h  int
	col   []rgb
	id    []uint8
	depth []float64 // metres along the view axis, 0 for sky
	xs    []float64 // scratch for polygon spans
}

func newCanvas(w, h int) *canvas {
	return &canvas{w: w, h: h, col: make([]rgb, w*h), id: make([]uint8, w*h), depth: make([]float64, w*h)}
}

// shader gives a pixel's colour; under is the colour already there.
type shader func(x, y int, under rgb) rgb

func flat(c rgb) shader { return func(int, int, rgb) rgb { return c } }

func (c *canvas) put(x, y int, id uint8, z float64, sh shader) {
	i := y*c.w + x
	c.col[i] = sh(x, y, c.col[i])
	if id != keepID {
		c.id[i] = id
		c.depth[i] = z
	}
}

// fillPoly fills a polygon (even-odd rule) sampling pixel centres.
func (c *canvas) fillPoly(p []pt, id uint8, z float64, sh shader) {
	if len(p) < 3 {
		return
	}
	ymin, ymax := p[0].y, p[0].y
	for _, q := range p {
		ymin, ymax = math.Min(ymin, q.y), math.Max(ymax, q.y)
	}
	y0 := max(0, int(math.Ceil(ymin-0.5)))
	y1 := min(c.h-1, int(math.Ceil(ymax-0.5))-1)
	for y := y0; y <= y1; y++ {
		yc := float64(y) + 0.5
		xs := c.xs[:0]
		for i, a := range p {
			b := p[(i+1)%len(p)]
			if (a.y <= yc) != (b.y <= yc) {
				xs = append(xs, a.x+(yc-a.y)*(b.x-a.x)/(b.y-a.y))
			}
		}
		sort.Float64s(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			c.span(y, xs[i], xs[i+1], id, z, sh)
		}
		c.xs = xs
	}
}

// span fills the pixels of row y whose centres lie in [xa, xb).
func (c *canvas) span(y int, xa, xb float64, id uint8, z float64, sh shader) {
	a := max(0, int(math.Ceil(xa-0.5)))
	b := min(c.w, int(math.Ceil(xb-0.5)))
	for x := a; x < b; x++ {
		c.put(x, y, id, z, sh)
	}
}

// fillEllipse fills an axis-aligned ellipse.
func (c *canvas) fillEllipse(cx, cy, rx, ry float64, id uint8, z float64, sh shader) {
	if rx <= 0 || ry <= 0 {
		return
	}
	y0 := max(0, int(math.Ceil(cy-ry-0.5)))
	y1 := min(c.h-1, int(math.Ceil(cy+ry-0.5))-1)
	for y := y0; y <= y1; y++ {
		t := (float64(y) + 0.5 - cy) / ry
		if t*t >= 1 {
			continue
		}
		dx := rx * math.Sqrt(1-t*t)
		c.span(y, cx-dx, cx+dx, id, z, sh)
	}
}

// fillRect fills [x0, x1) x [y0, y1) in pixel coordinates, widening a
// rectangle thinner than minW pixels so thin far objects stay connected.
func (c *canvas) fillRect(x0, y0, x1, y1 float64, id uint8, z float64, sh shader) {
	const minW = 1.0
	if x1-x0 < minW {
		m := (x0 + x1) / 2
		x0, x1 = m-minW/2, m+minW/2
	}
	if y1-y0 < minW {
		m := (y0 + y1) / 2
		y0, y1 = m-minW/2, m+minW/2
	}
	c.fillPoly([]pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, id, z, sh)
}

// fillLine fills a segment of the given width (at least one pixel).
func (c *canvas) fillLine(a, b pt, width float64, id uint8, z float64, sh shader) {
	width = math.Max(width, 1)
	dx, dy := b.x-a.x, b.y-a.y
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	nx, ny := -dy/n*width/2, dx/n*width/2
	c.fillPoly([]pt{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}, id, z, sh)
}

// fillWhere fills the pixels of a box for which inside holds.
func (c *canvas) fillWhere(x0, y0, x1, y1 float64, inside func(x, y int) bool, id uint8, z float64, sh shader) {
	a, b := max(0, int(math.Floor(x0))), min(c.w, int(math.Ceil(x1)))
	ya, yb := max(0, int(math.Floor(y0))), min(c.h, int(math.Ceil(y1)))
	for y := ya; y < yb; y++ {
		for x := a; x < b; x++ {
			if inside(x, y) {
				c.put(x, y, id, z, sh)
			}
		}
	}
}
