package dataset

import (
	"image/color"
	"testing"
)

func TestLabelTableEntries(t *testing.T) {
	// Checked by hand against Cityscapes' labels.py.
	cases := []struct {
		id      uint8
		name    string
		trainID uint8
		col     color.RGBA
	}{
		{0, "unlabeled", 255, color.RGBA{0, 0, 0, 255}},
		{1, "ego vehicle", 255, color.RGBA{0, 0, 0, 255}},
		{6, "ground", 255, color.RGBA{81, 0, 81, 255}},
		{7, "road", 0, color.RGBA{128, 64, 128, 255}},
		{8, "sidewalk", 1, color.RGBA{244, 35, 232, 255}},
		{9, "parking", 255, color.RGBA{250, 170, 160, 255}},
		{17, "pole", 5, color.RGBA{153, 153, 153, 255}},
		{19, "traffic light", 6, color.RGBA{250, 170, 30, 255}},
		{20, "traffic sign", 7, color.RGBA{220, 220, 0, 255}},
		{23, "sky", 10, color.RGBA{70, 130, 180, 255}},
		{25, "rider", 12, color.RGBA{255, 0, 0, 255}},
		{29, "caravan", 255, color.RGBA{0, 0, 90, 255}},
		{31, "train", 16, color.RGBA{0, 80, 100, 255}},
		{33, "bicycle", 18, color.RGBA{119, 11, 32, 255}},
	}
	for _, c := range cases {
		l := Labels[c.id]
		if l.ID != c.id || l.Name != c.name || l.TrainID != c.trainID || l.Color != c.col {
			t.Errorf("Labels[%d] = %+v; want %s trainId %d colour %v", c.id, l, c.name, c.trainID, c.col)
		}
		if got, known := TrainID(c.id); got != c.trainID || !known {
			t.Errorf("TrainID(%d) = %d, %v", c.id, got, known)
		}
	}
	if _, known := TrainID(34); known {
		t.Error("id 34 should be unknown")
	}
	if _, known := TrainID(255); known {
		t.Error("id 255 should be unknown in a labelIds image")
	}
}

func TestClassesFollowDesign(t *testing.T) {
	// Cityscapes: trainId 0..18 = label ids 7 8 11 12 13 17 19 20 21 22 23
	// 24 25 26 27 28 31 32 33.
	want := []uint8{7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33}
	for tid, id := range want {
		c := Classes[tid]
		if c.TrainID != uint8(tid) || c.ID != id {
			t.Errorf("Classes[%d] = %+v; want label id %d", tid, c, id)
		}
		if LabelID(uint8(tid)) != id {
			t.Errorf("LabelID(%d) = %d; want %d", tid, LabelID(uint8(tid)), id)
		}
		if TrainIDColor(uint8(tid)) != Labels[id].Color {
			t.Errorf("TrainIDColor(%d) differs from label %d's colour", tid, id)
		}
	}
	if LabelID(Ignore) != 0 {
		t.Errorf("LabelID(Ignore) = %d; want 0", LabelID(Ignore))
	}
	names := ClassNames()
	if len(names) != 19 || names[6] != "traffic light" || names[18] != "bicycle" {
		t.Errorf("ClassNames() = %q", names)
	}
}
