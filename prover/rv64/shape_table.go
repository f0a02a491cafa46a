package rv64

var shapeTable = map[int][]string{}
