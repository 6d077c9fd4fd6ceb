package calib

import (
	"reflect"
	"testing"

	"github.com/segtrt/segtrt/onnx/onnxpb"
)

// The cost model's numbers, worked by hand on input (1x3x8x8) -> a = Relu
// -> b = Relu(a) -> c = Add(a, b) -> y = Mul(c, ten): every tensor 768
// bytes, the weights 4 (counted twice), a decoded image 192 * 13/3 = 832.
func TestCostModelByHand(t *testing.T) {
	path := tinyModel(t, t.TempDir(), "chain", 3, []*onnxpb.NodeProto{
		node("Relu", []string{"input"}, "a"), node("Relu", []string{"a"}, "b"),
		node("Add", []string{"a", "b"}, "c"), node("Mul", []string{"c", "ten"}, "y"),
	}, map[string][]float32{"ten": {10}}, map[string][]int64{"ten": {1}})
	_, g, res, _, err := loadForQDQ(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCostModel(g, res)
	if c.weights != 4 || c.sample != 832 {
		t.Fatalf("weights %d, sample %d; want 4 and 832", c.weights, c.sample)
	}
	set := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		outs []string
		upTo int
		want int64
	}{
		{nil, 3, 8 + 3*768},                // a, b and c live at c
		{[]string{"a", "b"}, 3, 8 + 2*768}, // c, then c and y
		{[]string{"c"}, 2, 8 + 2*768},      // a and b
		{[]string{"a", "b", "c", "y"}, 3, 8},
		{nil, 0, 8 + 768},
	} {
		if got := c.session(set(tc.outs...), tc.upTo); got != tc.want {
			t.Errorf("session(%v, %d) = %d, want %d", tc.outs, tc.upTo, got, tc.want)
		}
	}
	names := activationTensors(g, res)
	all := onePass(c, names)
	if all.bytes != 4*768 || all.work != 8 {
		t.Fatalf("one pass: %d bytes, work %d; want %d and 8", all.bytes, all.work, 4*768)
	}
	// One pass needs 3072 + 832 + 8 + 832 = 4744 bytes with one image at a
	// time; a byte less splits before y, whose session alone then holds a,
	// b and c (2312) beside its 768 and two images: 4744, too big.
	groups, tooBig := planGroups(c, names, 4743)
	want := []group{{names: []string{"input", "a", "b", "c"}, bytes: 3 * 768, work: 8}, {names: []string{"y"}, bytes: 768, work: 8 + 3*768}}
	if !reflect.DeepEqual(groups, want) || !reflect.DeepEqual(tooBig, []string{"y"}) {
		t.Errorf("planGroups(4743) = %+v, too big %v; want %+v and [y]", groups, tooBig, want)
	}
	// Two lanes and three sets: 3 * (3072 + 832) + 2 * (8 + 832) = 13392.
	for _, tc := range []struct {
		limit       int64
		lanes, sets int
	}{{13392, 2, 3}, {13391, 2, 2}, {2*3904 + 2*840 - 1, 1, 2}, {3904 + 840, 1, 1}, {1, 1, 1}} {
		if lanes, sets := inFlight(c, all, 2, tc.limit); lanes != tc.lanes || sets != tc.sets {
			t.Errorf("inFlight(%d) = %d lanes, %d sets; want %d, %d", tc.limit, lanes, sets, tc.lanes, tc.sets)
		}
	}
}
