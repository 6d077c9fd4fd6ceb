package validate

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var names3 = []string{"road", "traffic light", "sky"}

func TestParseTargets(t *testing.T) {
	tg, err := ParseTargets([]byte("min_miou: 60\nmax_miou_drop: 1.0\nmax_class_iou_drop:\n  traffic light: 5\nmin_fps: 30\nmax_latency_p99_ms: 40\n"), names3)
	if err != nil {
		t.Fatal(err)
	}
	if *tg.MinMIoU != 60 || *tg.MaxMIoUDrop != 1 || tg.MaxClassIoUDrop.ByClass["traffic light"] != 5 || *tg.MinFPS != 30 || *tg.MaxLatencyP99 != 40 || !tg.NeedsReference() {
		t.Fatalf("%+v", tg)
	}
	tg, err = ParseTargets([]byte("max_class_iou_drop: 3\n"), names3)
	if err != nil || *tg.MaxClassIoUDrop.All != 3 {
		t.Fatalf("%+v %v", tg, err)
	}
	empty, err := ParseTargets(nil, names3)
	if err != nil || empty.NeedsReference() {
		t.Fatalf("empty file: %v", err)
	}
}

func TestBadTargets(t *testing.T) {
	for text, want := range map[string]string{
		"min_mIoU: 60\n":                                  "min_mIoU",
		"min_miou: sixty\n":                               "min_miou",
		"max_class_iou_drop:\n  roads: 2\n":               `unknown class "roads"`,
		"max_class_iou_drop: [1, 2]\n":                    "max_class_iou_drop",
		"min_miou: 60\n  nested: [unclosed\n":             "yaml",
		"min_miou: .nan\n":                                `line 1: min_miou: ".nan" is out of range (want 0 to 100)`,
		"max_miou_drop: .inf\n":                           `line 1: max_miou_drop: ".inf" is out of range`,
		"min_fps: -.inf\n":                                "min_fps",
		"min_fps: 0\n":                                    `min_fps: "0" is out of range (want a number above 0)`,
		"min_miou: -5\n":                                  `min_miou: "-5" is out of range`,
		"max_latency_p99_ms: -1\n":                        "max_latency_p99_ms",
		"min_miou: null\n":                                "line 1: min_miou: want a number, got null",
		"min_miou:\n":                                     "want a number, got null",
		"min_miou: 60\nmin_miou: 70\n":                    "line 2: min_miou given twice",
		"max_class_iou_drop:\n  road: 1\n  road: 2\n":     `line 3: max_class_iou_drop: class "road" given twice`,
		"min_miou: 60\n---\nmin_miou: 99\n":               "line 2: a second YAML document",
		"min_miou: " + strings.Repeat("9", 1<<20) + "x\n": `got "9999999999999999999999999999999999999999..."`,
	} {
		_, err := ParseTargets([]byte(text), names3)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want one line mentioning %q", text, err, want)
		}
	}
	path := filepath.Join(t.TempDir(), "targets.yaml")
	os.WriteFile(path, []byte("speed: 3\n"), 0o644)
	if _, err := LoadTargets(path, names3); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("got %v", err)
	}
	if _, err := LoadTargets(path+".missing", names3); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("got %v", err)
	}
}

func pct(v float64) *float64 { return &v }

func TestCheck(t *testing.T) {
	ref := Scores{MIoU: 70, PerClass: map[string]*float64{"road": pct(95), "traffic light": pct(40), "sky": nil}}
	cand := Scores{MIoU: 68.5, PerClass: map[string]*float64{"road": pct(94.5), "traffic light": pct(33), "sky": nil}}
	tg, _ := ParseTargets([]byte("min_miou: 68\nmax_miou_drop: 1\nmax_class_iou_drop: {traffic light: 5}\nmin_fps: 10\nmax_latency_p99_ms: 50\n"), names3)
	lat := Summarize([]time.Duration{40 * time.Millisecond, 60 * time.Millisecond}, 200*time.Millisecond)
	got := Check(tg, cand, &ref, lat)
	want := map[string]bool{
		"min_miou": true, "max_miou_drop": false, "max_class_iou_drop[traffic light]": false,
		"min_fps": true, "max_latency_p99_ms": false,
	}
	if len(got) != len(want) {
		t.Fatalf("%d results: %v", len(got), got)
	}
	for _, r := range got {
		if pass, ok := want[r.Name]; !ok || pass != r.Pass {
			t.Errorf("%v", r)
		}
	}
	if s := got[1].String(); s != "max_miou_drop: want <= 1, got 1.50 (MISSED)" {
		t.Errorf("message %q", s)
	}
}

func TestSummarize(t *testing.T) {
	// 1..100 ms: nearest-rank percentiles are the values themselves.
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	l := Summarize(s, 10*time.Second)
	if l.MeanMs != 50.5 || l.P50Ms != 50 || l.P90Ms != 90 || l.P95Ms != 95 || l.P99Ms != 99 || l.FPS != 10 || l.MinMs != 1 || l.MaxMs != 100 {
		t.Fatalf("%+v", l)
	}
	// sample stddev of 1..100 is 29.011491975882016
	if math.Abs(l.CV-29.011491975882016/50.5) > 1e-12 {
		t.Fatalf("cv %v", l.CV)
	}
}
