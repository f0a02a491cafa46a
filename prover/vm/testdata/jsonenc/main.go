// Program jsonenc exercises encoding/json: struct tags, maps, round trips and errors.
package main

import (
	"encoding/json"
	"fmt"
)

type Item struct {
	Name  string            `json:"name"`
	Price float64           `json:"price"`
	Tags  []string          `json:"tags,omitempty"`
	Attrs map[string]string `json:"attrs"`
	Count *int              `json:"count"`
}

func main() {
	c := 3
	items := []Item{
		{Name: "a", Price: 1.5, Tags: []string{"x", "y"}, Attrs: map[string]string{"z": "1", "b": "2"}, Count: &c},
		{Name: "b\"q", Price: 1e21, Attrs: nil},
	}
	out, err := json.Marshal(items)
	fmt.Println(string(out), err)
	var back []Item
	err = json.Unmarshal(out, &back)
	fmt.Println(len(back), back[0].Attrs["b"], *back[0].Count, back[1].Name, err)
	var anyv any
	err = json.Unmarshal([]byte(`{"a":[1,2.5,"s",null,true],"b":{"c":-0.001}}`), &anyv)
	fmt.Printf("%v %v\n", anyv, err)
	err = json.Unmarshal([]byte(`{"a":`), &anyv)
	fmt.Println(err)
	pretty, _ := json.MarshalIndent(map[string]int{"one": 1, "two": 2}, "", " ")
	fmt.Println(string(pretty))
}
