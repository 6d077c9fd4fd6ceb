package trt

import "testing"

func TestParseHWCompat(t *testing.T) {
	for in, want := range map[string]HWCompat{"none": HWCompatNone, "": HWCompatNone, "ampere+": HWCompatAmperePlus, "AMPERE+": HWCompatAmperePlus, "same-cc": HWCompatSameCC} {
		got, err := ParseHWCompat(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
		if err == nil && in != "" && in != "AMPERE+" && got.String() != in {
			t.Errorf("%q: String %q", in, got.String())
		}
	}
	if _, err := ParseHWCompat("hopper+"); err == nil {
		t.Error("hopper+ accepted")
	}
}

func TestParseCalibAlgo(t *testing.T) {
	if a, err := ParseCalibAlgo("EntropyCalibration2"); err != nil || a != CalibEntropy2 || a.String() != "EntropyCalibration2" {
		t.Error(a, err)
	}
	if a, err := ParseCalibAlgo("MinMaxCalibration"); err != nil || a != CalibMinMax || a.String() != "MinMaxCalibration" {
		t.Error(a, err)
	}
	if _, err := ParseCalibAlgo("LegacyCalibration"); err == nil {
		t.Error("LegacyCalibration accepted")
	}
}

func TestVersionStrings(t *testing.T) {
	cases := map[int]string{101600: "10.16.0", 110100: "11.1.0", 100302: "10.3.2", 0: ""}
	for code, want := range cases {
		if got := VersionString(code); got != want {
			t.Errorf("%d: %q", code, got)
		}
	}
	cuda := map[int]string{12080: "12.8", 11080: "11.8", 13000: "13.0", 0: ""}
	for code, want := range cuda {
		if got := CUDAVersionString(code); got != want {
			t.Errorf("%d: %q", code, got)
		}
	}
}

func TestDataTypes(t *testing.T) {
	if Float.Size() != 4 || Half.Size() != 2 || Int8.Size() != 1 || Int64.Size() != 8 || DataType(99).Size() != 0 {
		t.Error("sizes")
	}
	if Half.String() != "float16" || DataType(99).String() != "dtype(99)" {
		t.Error("names")
	}
	if FlagFP16.String() != "fp16" || FlagINT8.String() != "int8" {
		t.Error("flags")
	}
}
