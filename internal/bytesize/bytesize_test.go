package bytesize

import "testing"

func TestParse(t *testing.T) {
	good := map[string]uint64{
		"2GiB": 2 << 30, "512MiB": 512 << 20, "512M": 512 << 20, "1g": 1 << 30, "64KiB": 64 << 10,
		"1073741824": 1 << 30, "1.5GiB": 3 << 29, "2GB": 2e9, "1TiB": 1 << 40, "100B": 100, " 8 MiB ": 8 << 20,
	}
	for in, want := range good {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1GiB", "GiB", "2 gigabytes", "1.5", "NaN", "1e400GiB", "0.1B"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestFormat(t *testing.T) {
	for b, want := range map[uint64]string{2 << 30: "2GiB", 512 << 20: "512MiB", 3 << 19: "1.5MiB", 100: "100B"} {
		if got := Format(b); got != want {
			t.Errorf("Format(%d) = %q, want %q", b, got, want)
		}
		if b >= 1<<20 {
			if back, err := Parse(want); err != nil || back != b {
				t.Errorf("Parse(%q) = %d %v", want, back, err)
			}
		}
	}
}
