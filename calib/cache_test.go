package calib

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestCacheRoundTrip(t *testing.T) {
	c := &Cache{Version: DefaultTensorRT.Code(), Calibrator: CalibratorClass(Entropy), Scales: map[string]float32{
		"input": Scale(2.64), "/stem/Conv_output_0": Scale(12.7), "logits": 0x1p-126,
	}}
	var buf bytes.Buffer
	if err := WriteCache(&buf, c); err != nil {
		t.Fatal(err)
	}
	// Bits by hand (Python struct.pack("<f", x)): 12.7/127 = 0.1 -> 3dcccccd,
	// 2.64/127 -> 3caa4a57.
	want := "TRT-101600-EntropyCalibration2\n/stem/Conv_output_0: 3dcccccd\ninput: 3caa4a57\nlogits: 00800000\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := ReadCache(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != 101600 || back.Calibrator != "EntropyCalibration2" || len(back.Scales) != 3 || back.Scales["input"] != Scale(2.64) {
		t.Fatalf("%+v", back)
	}
	if math.Float32bits(Scale(2.64)) != 0x3caa4a57 {
		t.Fatalf("scale bits %08x", math.Float32bits(Scale(2.64)))
	}
}

func TestCacheHeaderRules(t *testing.T) {
	if CalibratorClass(MinMax) != "MinMaxCalibration" || CalibratorClass(Percentile) != "EntropyCalibration2" || CalibratorClass(MSE) != "EntropyCalibration2" {
		t.Fatal("calibrator classes")
	}
	v, err := ParseTensorRTVersion("8.6.1")
	if err != nil || v.Code() != 80601 {
		t.Fatalf("%v %v", v, err)
	}
	if _, err := ParseTensorRTVersion("ten"); err == nil {
		t.Fatal("accepted ten")
	}
}

func TestBadCaches(t *testing.T) {
	for text, want := range map[string]string{
		"":                                    "empty file",
		"hello\n":                             "line 1",
		"TRT-101600-EntropyCalibration2\nx\n": "line 2",
		"TRT-101600-EntropyCalibration2\nx: zz\n":                  "not 8 hex digits",
		"TRT-101600-EntropyCalibration2\nx: 7fc00000\n":            "is NaN",
		"TRT-101600-EntropyCalibration2\nx: 00000000\n":            `scale of "x" is 0; want a finite number of at least 2^-126`,
		"TRT-101600-EntropyCalibration2\nx: 00000001\n":            `scale of "x" is 1e-45`,
		"TRT-101600-EntropyCalibration2\nx: 7f800000\n":            "is +Inf",
		"TRT-101600-EntropyCalibration2\nx: bf800000\n":            "is -1",
		"TRT-101600-EntropyCalibration2\nx: 3c010a14\nx: 3c010a14": "twice",
	} {
		_, err := ReadCache(strings.NewReader(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}

func TestCacheVersionWarning(t *testing.T) {
	for code, known := range map[int]bool{8601: true, 80601: true, 101600: true, 110100: true, 42: false, 7103: false, 130000: false} {
		if w := (&Cache{Version: code}).VersionWarning(); (w == "") != known {
			t.Errorf("%d: %q", code, w)
		}
	}
}
