// Package shard reads --shard for the commands that split their images
// over machines (validate, calibrate): "I/N", or "auto", which takes I and
// N from a Kubernetes Indexed Job's environment so that a job spec needs no
// scripting.
package shard

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is part Index of Count: the images k (in the split's order, or the
// calibration subset's) with k mod Count == Index.
type Shard struct{ Index, Count int }

// The environment --shard auto reads. Kubernetes sets JOB_COMPLETION_INDEX
// in each pod of an Indexed Job; the job spec passes its completions count
// as JOB_COMPLETION_COUNT.
const (
	IndexEnv = "JOB_COMPLETION_INDEX"
	CountEnv = "JOB_COMPLETION_COUNT"
)

// Parse reads "I/N" (0 <= I < N) or "auto" (I and N from getenv).
func Parse(s string, getenv func(string) string) (Shard, error) {
	if strings.TrimSpace(s) == "auto" {
		i, n := getenv(IndexEnv), getenv(CountEnv)
		switch {
		case i == "":
			return Shard{}, fmt.Errorf("auto: $%s is not set (a Kubernetes Indexed Job sets it in each pod)", IndexEnv)
		case n == "":
			return Shard{}, fmt.Errorf("auto: $%s is not set (give it the Job's completions)", CountEnv)
		}
		sh, err := Parse(i+"/"+n, getenv)
		if err != nil {
			return Shard{}, fmt.Errorf("auto: $%s=%q, $%s=%q: want 0 <= index < count", IndexEnv, i, CountEnv, n)
		}
		return sh, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%q: want I/N with 0 <= I < N, e.g. 0/4, or auto", s)
	}
	return Shard{i, n}, nil
}

// String is "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }
