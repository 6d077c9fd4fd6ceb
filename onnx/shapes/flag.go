package shapes

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseInputShape parses the --input-shape flag form NAME:1x3xHxW. The name
// may itself contain colons (torch names such as "input:0"); the last colon
// separates it from the dimensions.
func ParseInputShape(s string) (string, []int64, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return "", nil, fmt.Errorf("input shape %q: want NAME:DIMS such as input:1x3x512x1024", s)
	}
	name, spec := s[:i], s[i+1:]
	var dims []int64
	for _, p := range strings.Split(spec, "x") {
		d, err := strconv.ParseInt(p, 10, 64)
		if err != nil || d <= 0 {
			return "", nil, fmt.Errorf("input shape %q: dimension %q is not a positive integer", s, p)
		}
		dims = append(dims, d)
	}
	return name, dims, nil
}
