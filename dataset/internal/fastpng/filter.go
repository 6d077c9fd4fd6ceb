package fastpng

import "fmt"

// unfilter reverses one row's filter (PNG spec section 9): out = in + a
// prediction from the pixel to the left (a), above (b) and above-left (c).
//
// Average and Paeth make each byte depend on the one bpp bytes before it.
// Their loops step a pixel at a time and carry the left pixel's channels
// in registers: the channels' chains then run side by side, and none waits
// on a store and a reload. Paeth picks its predictor with conditional
// moves, as its branches mispredict on photographic rows.
func unfilter(filter byte, in, out, prev []byte, bpp int) error {
	n := len(out)
	in, prev = in[:n], prev[:n]
	switch filter {
	case 0:
		copy(out, in)
	case 1: // Sub
		copy(out[:bpp], in[:bpp])
		for i := bpp; i < n; i++ {
			out[i] = in[i] + out[i-bpp]
		}
	case 2: // Up
		for i := range out {
			out[i] = in[i] + prev[i]
		}
	case 3:
		average(in, out, prev, bpp)
	case 4:
		paethRow(in, out, prev, bpp)
	default:
		return fmt.Errorf("unknown filter type %d", filter)
	}
	return nil
}

func average(in, out, prev []byte, bpp int) {
	switch bpp {
	case 1:
		a := byte(0)
		for i := range out {
			a = in[i] + byte((int(a)+int(prev[i]))>>1)
			out[i] = a
		}
	case 3:
		var a0, a1, a2 byte
		for i := 0; i+2 < len(out); i += 3 {
			s, p, o := in[i:i+3:i+3], prev[i:i+3:i+3], out[i:i+3:i+3]
			a0 = s[0] + byte((int(a0)+int(p[0]))>>1)
			a1 = s[1] + byte((int(a1)+int(p[1]))>>1)
			a2 = s[2] + byte((int(a2)+int(p[2]))>>1)
			o[0], o[1], o[2] = a0, a1, a2
		}
	case 4:
		var a0, a1, a2, a3 byte
		for i := 0; i+3 < len(out); i += 4 {
			s, p, o := in[i:i+4:i+4], prev[i:i+4:i+4], out[i:i+4:i+4]
			a0 = s[0] + byte((int(a0)+int(p[0]))>>1)
			a1 = s[1] + byte((int(a1)+int(p[1]))>>1)
			a2 = s[2] + byte((int(a2)+int(p[2]))>>1)
			a3 = s[3] + byte((int(a3)+int(p[3]))>>1)
			o[0], o[1], o[2], o[3] = a0, a1, a2, a3
		}
	}
}

func paethRow(in, out, prev []byte, bpp int) {
	switch bpp {
	case 1:
		// Label maps: where the row above is flat (b == c) Paeth always
		// picks a, and the chain is a plain add.
		var a, c int
		for i := range out {
			b := int(prev[i])
			if b == c {
				a = int(in[i]+byte(a)) & 0xff
			} else {
				a = int(in[i]+byte(paeth(a, b, c))) & 0xff
			}
			out[i], c = byte(a), b
		}
	case 3:
		var a0, a1, a2, c0, c1, c2 int
		for i := 0; i+2 < len(out); i += 3 {
			s, p, o := in[i:i+3:i+3], prev[i:i+3:i+3], out[i:i+3:i+3]
			b0, b1, b2 := int(p[0]), int(p[1]), int(p[2])
			a0 = int(s[0]+byte(paeth(a0, b0, c0))) & 0xff
			a1 = int(s[1]+byte(paeth(a1, b1, c1))) & 0xff
			a2 = int(s[2]+byte(paeth(a2, b2, c2))) & 0xff
			o[0], o[1], o[2] = byte(a0), byte(a1), byte(a2)
			c0, c1, c2 = b0, b1, b2
		}
	case 4:
		var a0, a1, a2, a3, c0, c1, c2, c3 int
		for i := 0; i+3 < len(out); i += 4 {
			s, p, o := in[i:i+4:i+4], prev[i:i+4:i+4], out[i:i+4:i+4]
			b0, b1, b2, b3 := int(p[0]), int(p[1]), int(p[2]), int(p[3])
			a0 = int(s[0]+byte(paeth(a0, b0, c0))) & 0xff
			a1 = int(s[1]+byte(paeth(a1, b1, c1))) & 0xff
			a2 = int(s[2]+byte(paeth(a2, b2, c2))) & 0xff
			a3 = int(s[3]+byte(paeth(a3, b3, c3))) & 0xff
			o[0], o[1], o[2], o[3] = byte(a0), byte(a1), byte(a2), byte(a3)
			c0, c1, c2, c3 = b0, b1, b2, b3
		}
	}
}

// paeth is the Paeth predictor: whichever of a, b, c is nearest to
// a+b-c, preferring a, then b. Distances are compared squared, which keeps
// the function small enough to inline.
func paeth(a, b, c int) int {
	da, db := a-c, b-c
	pa, pb, pc := db*db, da*da, (da+db)*(da+db)
	if pb < pa {
		pa, a = pb, b
	}
	if pc < pa {
		a = c
	}
	return a
}
