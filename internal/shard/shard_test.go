package shard

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for in, want := range map[string]Shard{"0/1": {0, 1}, "2/3": {2, 3}, "0/4": {0, 4}} {
		if got, err := Parse(in, getenv); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "3/3", "-1/2", "1", "a/b", "1/0"} {
		if _, err := Parse(in, getenv); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	if _, err := Parse("auto", getenv); err == nil || !strings.Contains(err.Error(), "JOB_COMPLETION_INDEX is not set") {
		t.Errorf("auto without env: %v", err)
	}
	env[IndexEnv] = "2"
	if _, err := Parse("auto", getenv); err == nil || !strings.Contains(err.Error(), "JOB_COMPLETION_COUNT is not set") {
		t.Errorf("auto without count: %v", err)
	}
	env[CountEnv] = "4"
	if got, err := Parse("auto", getenv); err != nil || got != (Shard{2, 4}) {
		t.Errorf("auto: %v %v", got, err)
	}
	env[IndexEnv] = "4"
	if _, err := Parse("auto", getenv); err == nil || !strings.Contains(err.Error(), "want 0 <= index < count") {
		t.Errorf("auto out of range: %v", err)
	}
}
