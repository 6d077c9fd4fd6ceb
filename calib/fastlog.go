package calib

import "math"

// fastLog is the natural logarithm of a positive, finite, normal x, within
// 2 ulp of max(1, |log x|) of math.Log (an absolute error, which is what
// sums of p*log(p) need) at a fraction of its cost: the entropy search
// takes over 100,000 logarithms per tensor. x = 2^e * f with f in [1, 2); f is
// split into t = 1 + k/256 (k its top 8 mantissa bits) and r = (f-t)/t,
// so log x = e*ln2 + log t (tabled) + log1p(r) with 0 <= r < 2^-8, where
// seven terms of log1p's series leave an error under 1e-19.
func fastLog(x float64) float64 {
	b := math.Float64bits(x)
	if b>>52 == 0 || b>>52 >= 0x7ff { // zero, subnormal, negative, Inf or NaN
		return math.Log(x)
	}
	e := int64(b>>52) - 1023
	k := (b >> 44) & 0xff
	f := math.Float64frombits(b&(1<<52-1) | 1023<<52) // f in [1, 2)
	r := (f - logTable[k].t) * logTable[k].inv        // f - t is exact
	// log1p(r) = r - r^2/2 + r^3/3 - ... by Horner.
	p := r * (1 - r*(1.0/2-r*(1.0/3-r*(1.0/4-r*(1.0/5-r*(1.0/6-r*(1.0/7)))))))
	// ln2 split in two so that e*ln2Hi is exact.
	const ln2Hi, ln2Lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	fe := float64(e)
	return fe*ln2Hi + (logTable[k].log + (p + fe*ln2Lo))
}

var logTable = func() (t [256]struct{ t, inv, log float64 }) {
	for k := range t {
		v := 1 + float64(k)/256
		t[k].t, t[k].inv, t[k].log = v, 1/v, math.Log(v)
	}
	return t
}()
