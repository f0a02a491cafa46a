package recursion

var productionShape = Shape{}

var productionKeys = []string{}
