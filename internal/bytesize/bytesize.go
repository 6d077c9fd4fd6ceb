// Package bytesize reads and prints memory sizes the way segtrt's flags
// take them (--workspace, --max-memory): 2GiB, 512MiB, 1073741824.
package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Parse reads a byte size: a plain number of bytes, or a number with a
// binary suffix (K, KiB, M, MiB, G, GiB, T, TiB) or a decimal one (KB, MB,
// GB, TB). Fractions are allowed with a suffix ("1.5GiB").
func Parse(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	mult := 1.0
	num := t
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) && len(t) > len(u.suffix) {
			// Case-insensitive, but "kib" and "KiB" are the same.
			num, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) || (mult == 1 && v != math.Trunc(v)) {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, e.g. 512MiB, 2GiB, 1073741824", s)
	}
	bytes := v * mult
	if bytes >= math.MaxUint64 || bytes < 1 {
		return 0, fmt.Errorf("size %q is out of range", s)
	}
	return uint64(bytes), nil
}

// Format prints a size the way Parse reads it: 2GiB, 512MiB, 1.5MiB, 100B.
func Format(b uint64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", b>>30)
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", b>>20)
	case b >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%dB", b)
}
