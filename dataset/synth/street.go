package synth

import (
	"math"

	"github.com/segtrt/segtrt/dataset/internal/rng"
)

// The street: a straight road along +Z, strips beside it (rail bed,
// parking, grass, sidewalk) and, beyond each sidewalk's outer edge, a row of
// frontage segments (buildings, walls, fences, hedges, parks).

type stripKind uint8

const (
	stripRail stripKind = iota
	stripParking
	stripGrass
	stripSidewalk
)

type strip struct {
	kind   stripKind
	x0, x1 float64 // X range, x0 < x1
}

type frontKind uint8

const (
	frontBuilding frontKind = iota
	frontWall
	frontFence
	frontHedge
	frontPark
)

// segment is one stretch of frontage along one side.
type segment struct {
	kind    frontKind
	z0, z1  float64
	edge    float64 // X of the front plane (sidewalk's outer edge)
	back    float64 // X of the building or tree line behind a yard (|back| > |edge|)
	height  float64 // front plane height
	backH   float64 // height of what stands behind
	backVeg bool    // tree line behind, else a building
	look    facade  // building look (front or back plane)
	style   int     // wall, fence or hedge variant
	colour  rgb
}

type street struct {
	roadL, roadR float64
	laneW        float64
	strips       []strip
	edgeL, edgeR float64 // outer sidewalk edges (X)
	segs         [2][]segment
	zEnd         float64 // a cross facade closes the street here (0: open)
	endLook      facade
	zebra        [2]float64 // Z range of a pedestrian crossing, or zeros
	asphalt      rgb
	paving       rgb
	tile         float64
	grass        rgb
	shadowSide   int     // 0 left, 1 right: the side whose buildings shade the street
	shadowDepth  float64 // how far (X) the shade reaches from that edge
	hasRail      bool
}

// facade is how a building front looks.
type facade struct {
	wall        rgb
	glass       rgb
	floorH      float64 // storey height
	winPeriod   float64
	winW, winH  float64 // fractions of period and storey
	groundFloor float64 // height of the shop floor band
	shop        rgb
	seed        uint64
	z0          float64 // window grid origin along the facade
}

var facadeWalls = []rgb{
	{0.78, 0.72, 0.62}, {0.85, 0.82, 0.74}, {0.62, 0.62, 0.62}, {0.55, 0.33, 0.26},
	{0.80, 0.64, 0.42}, {0.90, 0.90, 0.88}, {0.68, 0.74, 0.80}, {0.45, 0.43, 0.42},
	{0.72, 0.55, 0.48}, {0.86, 0.78, 0.58},
}

func newFacade(r *rng.Rand) facade {
	base := facadeWalls[r.IntN(len(facadeWalls))]
	j := 0.08
	return facade{
		wall:        rgb{base[0] + r.Range(-j, j), base[1] + r.Range(-j, j), base[2] + r.Range(-j, j)},
		glass:       rgb{r.Range(0.08, 0.2), r.Range(0.1, 0.22), r.Range(0.14, 0.3)},
		floorH:      r.Range(2.9, 3.6),
		winPeriod:   r.Range(2.2, 4.0),
		winW:        r.Range(0.35, 0.6),
		winH:        r.Range(0.4, 0.6),
		groundFloor: r.Range(0, 4.2),
		shop:        rgb{r.Range(0.1, 0.4), r.Range(0.1, 0.35), r.Range(0.1, 0.35)},
		seed:        r.Uint64(),
		z0:          r.Range(0, 5),
	}
}

// shade colours a point (u along the facade, Y up) of a building front.
func (f facade) shade(u, Y float64) rgb {
	grain := 0.88 + 0.22*fbm(u*0.6, Y*0.6, 2, f.seed)
	c := f.wall.scale(grain)
	if Y < f.groundFloor {
		// shop windows and doors on the ground floor
		p := frac((u - f.z0) / (f.winPeriod * 2))
		if p > 0.1 && p < 0.85 && Y > 0.4 && Y < f.groundFloor-0.5 {
			return f.shop.mix(rgb{0.5, 0.55, 0.6}, 0.3*noise(u*0.7, Y, f.seed+3))
		}
		return c.scale(0.8)
	}
	fy := frac((Y - f.groundFloor) / f.floorH)
	fu := frac((u - f.z0) / f.winPeriod)
	if fu > 0.5-f.winW/2 && fu < 0.5+f.winW/2 && fy > 0.3 && fy < 0.3+f.winH {
		cell := cellRand((u-f.z0)/f.winPeriod, (Y-f.groundFloor)/f.floorH, f.seed)
		g := f.glass.scale(0.7 + 0.8*cell)
		if cell > 0.93 {
			g = rgb{0.85, 0.8, 0.6} // a lit window
		}
		return g
	}
	if fy < 0.04 {
		return c.scale(0.75) // storey ledge
	}
	return c
}

func newStreet(r *rng.Rand, wantTrain bool) *street {
	s := &street{laneW: r.Range(2.9, 3.6)}
	lanesR := 1 + r.IntN(2)
	lanesL := 1 + r.IntN(2)
	off := r.Range(-0.6, 0.6) // camera's place in its lane
	s.roadR = float64(lanesR)*s.laneW - s.laneW/2 + off
	s.roadL = -float64(lanesL)*s.laneW - s.laneW/2 + off
	s.asphalt = rgb{0.3, 0.3, 0.32}.scale(r.Range(0.8, 1.25))
	s.asphalt[2] += r.Range(-0.02, 0.04)
	s.paving = []rgb{{0.62, 0.6, 0.58}, {0.68, 0.58, 0.56}, {0.7, 0.66, 0.56}, {0.55, 0.56, 0.6}}[r.IntN(4)].scale(r.Range(0.9, 1.1))
	s.tile = r.Range(0.3, 0.7)
	s.grass = []rgb{{0.42, 0.52, 0.22}, {0.5, 0.55, 0.28}, {0.55, 0.5, 0.32}, {0.38, 0.48, 0.2}}[r.IntN(4)]
	s.hasRail = wantTrain || r.Chance(0.1)
	railSide := r.IntN(2)

	// Strips outward from each road edge.
	for side := 0; side < 2; side++ {
		x := s.roadR
		dir := 1.0
		if side == 0 {
			x, dir = s.roadL, -1
		}
		add := func(k stripKind, w float64) {
			s.strips = append(s.strips, strip{k, math.Min(x, x+dir*w), math.Max(x, x+dir*w)})
			x += dir * w
		}
		if s.hasRail && side == railSide {
			add(stripRail, r.Range(3.2, 4.2))
		}
		if r.Chance(0.3) {
			add(stripParking, r.Range(2.2, 2.6))
		}
		// Terrain in every scene: a grass verge on at least one side.
		if r.Chance(0.35) || side == 1 && !s.hasStrip(stripGrass) {
			add(stripGrass, r.Range(0.8, 2.5))
		}
		add(stripSidewalk, r.Range(2, 5))
		if side == 0 {
			s.edgeL = x
		} else {
			s.edgeR = x
		}
	}
	if r.Chance(0.6) {
		s.zEnd = r.Range(70, 160)
		s.endLook = newFacade(r)
	}
	if r.Chance(0.3) {
		z := r.Range(10, 35)
		s.zebra = [2]float64{z, z + r.Range(3, 5)}
	}
	s.shadowSide = r.IntN(2)
	s.shadowDepth = r.Range(0, 12)
	return s
}

func (s *street) hasStrip(k stripKind) bool {
	for _, st := range s.strips {
		if st.kind == k {
			return true
		}
	}
	return false
}

// frontage fills each side with segments out to far. A wall on one side
// and a fence on the other start where that side's frontage comes into
// view (seen[side], the nearest visible depth), so both are in every image.
func (s *street) frontage(r *rng.Rand, far float64, seen [2]float64) {
	wallSide := r.IntN(2)
	for side := 0; side < 2; side++ {
		forced := frontFence
		if side == wallSide {
			forced = frontWall
		}
		need := true
		edge := s.edgeL
		dir := -1.0
		if side == 1 {
			edge, dir = s.edgeR, 1
		}
		z := 0.5
		for z < far {
			seg := segment{z0: z, edge: edge, colour: rgb{}}
			length := r.Range(8, 30)
			k := r.Float()
			switch {
			case need && z+length > seen[side]+4:
				// starts before the view and reaches well into it
				seg.kind, need = forced, false
				length = math.Max(length, seen[side]+r.Range(8, 20)-z)
			case k < 0.5:
				seg.kind = frontBuilding
			case k < 0.62:
				seg.kind = frontWall
			case k < 0.74:
				seg.kind = frontFence
			case k < 0.86:
				seg.kind = frontHedge
			default:
				seg.kind = frontPark
			}
			seg.z1 = z + length
			seg.look = newFacade(r)
			seg.style = r.IntN(3)
			switch seg.kind {
			case frontBuilding:
				seg.edge = edge + dir*r.Range(0, 0.4)
				seg.height = r.Range(7, 24)
			case frontWall:
				seg.height = r.Range(0.8, 2.4)
				seg.colour = []rgb{{0.6, 0.6, 0.58}, {0.7, 0.66, 0.58}, {0.45, 0.45, 0.47}, {0.66, 0.6, 0.5}}[r.IntN(4)].scale(r.Range(0.85, 1.15))
			case frontFence:
				seg.height = r.Range(1, 2)
				seg.colour = []rgb{{0.35, 0.37, 0.35}, {0.2, 0.3, 0.22}, {0.5, 0.36, 0.22}, {0.6, 0.6, 0.62}}[seg.style+r.IntN(2)]
			case frontHedge:
				seg.height = r.Range(1, 2.4)
			}
			seg.back = edge + dir*r.Range(4, 14)
			seg.backVeg = seg.kind == frontPark || r.Chance(0.35)
			seg.backH = r.Range(6, 20)
			s.segs[side] = append(s.segs[side], seg)
			z = seg.z1
		}
	}
}

// segmentAt returns the frontage segment at depth Z on a side.
func (s *street) segmentAt(side int, Z float64) *segment {
	for i := range s.segs[side] {
		if Z >= s.segs[side][i].z0 && Z < s.segs[side][i].z1 {
			return &s.segs[side][i]
		}
	}
	return nil
}

// groundAt classifies and colours the ground point (X, Z).
func (sc *scene) groundAt(X, Z float64) (uint8, rgb) {
	s := sc.street
	seed := sc.seed
	fine := fbm(X*3, Z*3, 2, seed+11)
	var id uint8
	var c rgb
	switch {
	case X >= s.roadL && X <= s.roadR:
		id = idRoad
		c = s.asphalt.scale(0.8 + 0.3*fbm(X*0.3, Z*0.3, 3, seed+12) + 0.15*fine)
		if sc.roadMarking(X, Z) {
			c = rgb{0.82, 0.82, 0.78}.scale(0.9 + 0.1*fine)
		}
	default:
		id, c = sc.besideRoad(X, Z, fine)
	}
	// Shade cast by the buildings on one side.
	edge := s.edgeL
	if s.shadowSide == 1 {
		edge = s.edgeR
	}
	if d := math.Abs(X - edge); (s.shadowSide == 0 && X > edge || s.shadowSide == 1 && X < edge) &&
		d < s.shadowDepth*(0.7+0.6*noise(Z*0.05, 0, seed+13)) {
		c = c.scale(sc.light.shadow)
	}
	return id, c
}

func (sc *scene) roadMarking(X, Z float64) bool {
	s := sc.street
	const w = 0.14
	if s.zebra[1] > 0 && Z > s.zebra[0] && Z < s.zebra[1] {
		return frac(X/1.0) < 0.5
	}
	// lane lines at the lane borders, dashed; solid near the edges
	for x := s.roadL + s.laneW; x < s.roadR-0.5; x += s.laneW {
		if math.Abs(X-x) < w/2 {
			return frac(Z/9) < 0.35 || math.Abs(x-(s.roadL+s.roadR)/2) < s.laneW*0.3
		}
	}
	return math.Abs(X-(s.roadL+0.3)) < w/2 || math.Abs(X-(s.roadR-0.3)) < w/2
}

func (sc *scene) besideRoad(X, Z, fine float64) (uint8, rgb) {
	s := sc.street
	seed := sc.seed
	for _, st := range s.strips {
		if X < st.x0 || X > st.x1 {
			continue
		}
		switch st.kind {
		case stripRail:
			mid := (st.x0 + st.x1) / 2
			for _, rx := range []float64{mid - 0.72, mid + 0.72} {
				if math.Abs(X-rx) < 0.05 {
					return idRailTrack, rgb{0.62, 0.6, 0.58}
				}
			}
			if frac(Z/0.65) < 0.25 && math.Abs(X-mid) < 1.2 {
				return idRailTrack, rgb{0.35, 0.3, 0.26}.scale(0.9 + 0.2*fine) // sleepers
			}
			return idRailTrack, rgb{0.48, 0.46, 0.43}.scale(0.75 + 0.5*fbm(X*6, Z*6, 2, seed+21))
		case stripParking:
			return idParking, rgb{0.42, 0.42, 0.44}.scale(0.85 + 0.3*fine)
		case stripGrass:
			return idTerrain, sc.terrainColour(X, Z)
		case stripSidewalk:
			return idSidewalk, sc.pavingColour(X, Z, st)
		}
	}
	// Beyond the sidewalk: a yard or park (terrain), or the pavement in
	// front of a building.
	side := 1
	if X < 0 {
		side = 0
	}
	if seg := s.segmentAt(side, Z); seg != nil && seg.kind != frontBuilding {
		if seg.kind == frontPark || seg.style != 0 {
			return idTerrain, sc.terrainColour(X, Z)
		}
	}
	return idSidewalk, sc.pavingColour(X, Z, strip{})
}

func (sc *scene) pavingColour(X, Z float64, st strip) rgb {
	s := sc.street
	seed := sc.seed
	// curb: a light band along the road
	if st.kind == stripSidewalk && (math.Abs(X-st.x0) < 0.15 && st.x0 > 0 || math.Abs(X-st.x1) < 0.15 && st.x1 < 0) {
		return s.paving.scale(1.15)
	}
	u, v := X/s.tile, Z/s.tile
	if frac(u) < 0.07 || frac(v) < 0.07 {
		return s.paving.scale(0.72)
	}
	return s.paving.scale(0.88 + 0.16*cellRand(u, v, seed+31) + 0.08*fbm(X, Z, 2, seed+32))
}

func (sc *scene) terrainColour(X, Z float64) rgb {
	s := sc.street
	seed := sc.seed
	t := fbm(X*0.5, Z*0.5, 3, seed+41)
	dry := rgb{0.58, 0.5, 0.34}
	c := s.grass.mix(dry, clamp01((t-0.45)*2.5))
	return c.scale(0.8 + 0.35*fbm(X*5, Z*5, 2, seed+42))
}
