package main

import (
	"os"
	"strings"
	"testing"
)

// The checked-in table must be what the header generates: a new entry
// point in cgo/segtrt_trt.h without `go generate ./trt` fails here.
func TestShimTableIsUpToDate(t *testing.T) {
	src, err := os.ReadFile("../../../cgo/segtrt_trt.h")
	if err != nil {
		t.Fatal(err)
	}
	fns, err := parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../../shimtable.h")
	if err != nil {
		t.Fatal(err)
	}
	if string(generate(fns)) != string(have) {
		t.Fatal("trt/shimtable.h is stale: run go generate ./trt")
	}
	// Every prototype of the header is in the table, with its msg buffer
	// recognised where it has one.
	if n := strings.Count(string(src), "\nint segtrt_") + strings.Count(string(src), "\nvoid segtrt_"); n > len(fns) {
		t.Fatalf("%d prototypes, %d parsed", n, len(fns))
	}
	withMsg := 0
	for _, f := range fns {
		if f.hasMsg() {
			withMsg++
		}
	}
	if withMsg < 40 {
		t.Fatalf("only %d entry points with a message buffer", withMsg)
	}
}
