package contracts

//go:generate go run ./gen -dir .
