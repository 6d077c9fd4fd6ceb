package synth

// Cityscapes label ids the renderer writes (dataset.Labels has the table;
// the generator's tests check these against it).
const (
	idEgoVehicle  = 1
	idRectBorder  = 2
	idOutOfROI    = 3
	idStatic      = 4
	idDynamic     = 5
	idGround      = 6
	idRoad        = 7
	idSidewalk    = 8
	idParking     = 9
	idRailTrack   = 10
	idBuilding    = 11
	idWall        = 12
	idFence       = 13
	idGuardRail   = 14
	idPole        = 17
	idLight       = 19
	idSign        = 20
	idVegetation  = 21
	idTerrain     = 22
	idSky         = 23
	idPerson      = 24
	idRider       = 25
	idCar         = 26
	idTruck       = 27
	idBus         = 28
	idTrain       = 31
	idMotorcycle  = 32
	idBicycle     = 33
	maxKnownLabel = 33
)
