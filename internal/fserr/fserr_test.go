package fserr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
)

func TestReason(t *testing.T) {
	_, err := os.Open("/no/such/file")
	if got := Reason(err); !errors.Is(got, fs.ErrNotExist) || got.Error() != "no such file or directory" {
		t.Fatalf("got %q", got)
	}
	err = os.Rename("/no/such/a", "/no/such/b")
	if got := Reason(err); got.Error() != "no such file or directory" {
		t.Fatalf("link error: got %q", got)
	}
	plain := fmt.Errorf("not a path error")
	if Reason(plain) != plain {
		t.Fatal("other errors must pass through")
	}
}
