package trt

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestStatusToError(t *testing.T) {
	if err := statusToError(0, "ignored", []string{"x"}); err != nil {
		t.Fatalf("OK gave %v", err)
	}
	err := statusToError(int(StatusTensorRT), "building the engine failed (see TensorRT's log)\x00garbage", []string{"[graph] no implementation for node X", "out of memory"})
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusTensorRT {
		t.Fatalf("got %T %v", err, err)
	}
	want := "building the engine failed (see TensorRT's log); TensorRT said: [graph] no implementation for node X; out of memory"
	if err.Error() != want {
		t.Fatalf("message\n got %q\nwant %q", err.Error(), want)
	}
	// An empty message still says something.
	if got := statusToError(int(StatusCUDA), "  \n", nil).Error(); got != "CUDA error" {
		t.Fatalf("empty message: %q", got)
	}
	if got := statusToError(42, "", nil).Error(); got != "status 42" {
		t.Fatalf("unknown status: %q", got)
	}
	// Library failures match ErrLibraryNotFound, through wrapping too.
	lib := fmt.Errorf("loading: %w", statusToError(int(StatusLibrary), "libnvinfer.so.10: cannot open shared object file", nil))
	if !errors.Is(lib, ErrLibraryNotFound) {
		t.Fatal("library status is not ErrLibraryNotFound")
	}
	if errors.Is(err, ErrLibraryNotFound) {
		t.Fatal("TensorRT status matched ErrLibraryNotFound")
	}
}

func TestStatusStrings(t *testing.T) {
	for s := StatusOK; s <= StatusIO; s++ {
		if strings.HasPrefix(s.String(), "status ") {
			t.Errorf("status %d has no name", int(s))
		}
	}
}

func TestParseErrors(t *testing.T) {
	msg := "node 3 'Conv_3' (Conv): kernel weights has count 10 but 20 was expected\n" +
		"node 7 'seg/SPGExcite' (SPGExcite): no importer registered for op: SPGExcite\n\n"
	err := fmt.Errorf("m.onnx: %w", statusToError(int(StatusParse), msg, nil))
	got := ParseErrors(err)
	want := []string{
		"node 3 'Conv_3' (Conv): kernel weights has count 10 but 20 was expected",
		"node 7 'seg/SPGExcite' (SPGExcite): no importer registered for op: SPGExcite",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if ParseErrors(statusToError(int(StatusTensorRT), msg, nil)) != nil || ParseErrors(errors.New("x")) != nil {
		t.Fatal("non-parse errors gave parse errors")
	}
}
