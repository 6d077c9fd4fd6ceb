package dataset

import "image/color"

// NumClasses is the number of evaluated Cityscapes classes (trainIds 0..18).
const NumClasses = 19

// Ignore is the trainId of every label id that is not evaluated.
const Ignore uint8 = 255

// Label is one row of the Cityscapes label table.
type Label struct {
	ID      uint8  // value in *_gtFine_labelIds.png
	Name    string // Cityscapes name, e.g. "traffic light"
	TrainID uint8  // 0..18, or Ignore
	Color   color.RGBA
}

// Labels is the Cityscapes label table for ids 0..33, in id order. The
// table's "license plate" (id -1) is left out: it never appears in a label
// PNG, where plates keep the id of their vehicle.
var Labels = [...]Label{
	{0, "unlabeled", Ignore, rgb(0, 0, 0)},
	{1, "ego vehicle", Ignore, rgb(0, 0, 0)},
	{2, "rectification border", Ignore, rgb(0, 0, 0)},
	{3, "out of roi", Ignore, rgb(0, 0, 0)},
	{4, "static", Ignore, rgb(0, 0, 0)},
	{5, "dynamic", Ignore, rgb(111, 74, 0)},
	{6, "ground", Ignore, rgb(81, 0, 81)},
	{7, "road", 0, rgb(128, 64, 128)},
	{8, "sidewalk", 1, rgb(244, 35, 232)},
	{9, "parking", Ignore, rgb(250, 170, 160)},
	{10, "rail track", Ignore, rgb(230, 150, 140)},
	{11, "building", 2, rgb(70, 70, 70)},
	{12, "wall", 3, rgb(102, 102, 156)},
	{13, "fence", 4, rgb(190, 153, 153)},
	{14, "guard rail", Ignore, rgb(180, 165, 180)},
	{15, "bridge", Ignore, rgb(150, 100, 100)},
	{16, "tunnel", Ignore, rgb(150, 120, 90)},
	{17, "pole", 5, rgb(153, 153, 153)},
	{18, "polegroup", Ignore, rgb(153, 153, 153)},
	{19, "traffic light", 6, rgb(250, 170, 30)},
	{20, "traffic sign", 7, rgb(220, 220, 0)},
	{21, "vegetation", 8, rgb(107, 142, 35)},
	{22, "terrain", 9, rgb(152, 251, 152)},
	{23, "sky", 10, rgb(70, 130, 180)},
	{24, "person", 11, rgb(220, 20, 60)},
	{25, "rider", 12, rgb(255, 0, 0)},
	{26, "car", 13, rgb(0, 0, 142)},
	{27, "truck", 14, rgb(0, 0, 70)},
	{28, "bus", 15, rgb(0, 60, 100)},
	{29, "caravan", Ignore, rgb(0, 0, 90)},
	{30, "trailer", Ignore, rgb(0, 0, 110)},
	{31, "train", 16, rgb(0, 80, 100)},
	{32, "motorcycle", 17, rgb(0, 0, 230)},
	{33, "bicycle", 18, rgb(119, 11, 32)},
}

// MaxLabelID is the largest label id in the table; larger values in a
// labelIds PNG are errors.
const MaxLabelID = len(Labels) - 1

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 255} }

// Class is one of the 19 evaluated classes.
type Class struct {
	TrainID uint8
	ID      uint8 // label id written to *_labelIds.png for this class
	Name    string
	Color   color.RGBA
}

// Classes are the evaluated classes in trainId order (Classes[t].TrainID == t).
var Classes = func() [NumClasses]Class {
	var cs [NumClasses]Class
	for _, l := range Labels {
		if l.TrainID != Ignore {
			cs[l.TrainID] = Class{TrainID: l.TrainID, ID: l.ID, Name: l.Name, Color: l.Color}
		}
	}
	return cs
}()

// idToTrainID maps every byte to a trainId; valid marks the bytes that are
// label ids in the table. Both are lookup tables so that mapping a label
// image costs one load per pixel.
var idToTrainID, idValid = func() (m, ok [256]uint8) {
	for i := range m {
		m[i] = Ignore
	}
	for _, l := range Labels {
		m[l.ID] = l.TrainID
		ok[l.ID] = 1
	}
	return m, ok
}()

// TrainID returns the trainId of a label id (Ignore for ignored ids) and
// whether id is in the table at all.
func TrainID(id uint8) (trainID uint8, known bool) {
	return idToTrainID[id], idValid[id] == 1
}

// LabelID returns the label id of a trainId, as used when writing
// *_labelIds.png predictions; Ignore maps to 0 ("unlabeled").
func LabelID(trainID uint8) uint8 {
	if int(trainID) < NumClasses {
		return Classes[trainID].ID
	}
	return 0
}

// ClassNames returns the 19 class names in trainId order.
func ClassNames() []string {
	names := make([]string, NumClasses)
	for i, c := range Classes {
		names[i] = c.Name
	}
	return names
}

// TrainIDColor is the Cityscapes colour of a trainId (black for Ignore).
func TrainIDColor(trainID uint8) color.RGBA {
	if int(trainID) < NumClasses {
		return Classes[trainID].Color
	}
	return rgb(0, 0, 0)
}
