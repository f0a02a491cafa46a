// Program panics exercises defer, panic and recover, including runtime errors.
package main

import (
	"errors"
	"fmt"
)

func try(name string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Printf("%s: recovered %v\n", name, r)
		}
	}()
	f()
	fmt.Printf("%s: no panic\n", name)
}

type myErr struct{ code int }

func (e *myErr) Error() string { return fmt.Sprintf("code %d", e.code) }

func deep(n int) int {
	if n == 0 {
		panic(&myErr{42})
	}
	defer func() {}()
	return deep(n-1) + 1
}

func main() {
	var order []int
	func() {
		for i := 0; i < 4; i++ {
			defer func() { order = append(order, i) }()
		}
	}()
	fmt.Println("defer order", order)
	try("explicit", func() { panic("boom") })
	try("index", func() {
		s := []int{1, 2, 3}
		i := len(order) + 5
		_ = s[i]
	})
	try("divide", func() {
		a, b := 10, len(order)-4
		fmt.Println(a / b)
	})
	try("deep", func() { deep(100) })
	try("error", func() {
		defer func() {
			r := recover()
			var e *myErr
			if err, ok := r.(error); ok && errors.As(err, &e) {
				panic(fmt.Sprintf("re-panic with %d", e.code))
			}
		}()
		panic(&myErr{7})
	})
	try("none", func() {})
	try("conversion", func() {
		var i any = "str"
		_ = i.(int)
	})
}
