// Program goroutines exercises the scheduler: goroutines, channels, select, WaitGroup, Mutex.
package main

import (
	"fmt"
	"sync"
	"time"
)

func worker(id int, jobs <-chan int, results chan<- [2]int, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		s := 0
		for k := 0; k <= j; k++ {
			s += k * id
		}
		results <- [2]int{j, s / id}
	}
}

func main() {
	jobs := make(chan int)
	results := make(chan [2]int, 100)
	var wg sync.WaitGroup
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go worker(i, jobs, results, &wg)
	}
	go func() {
		for j := 0; j < 100; j++ {
			jobs <- j
		}
		close(jobs)
	}()
	wg.Wait()
	close(results)
	total := 0
	for r := range results {
		total += r[1]
	}
	fmt.Println("total", total)

	var mu sync.Mutex
	counter := 0
	var wg2 sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for k := 0; k < 100; k++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg2.Wait()
	fmt.Println("counter", counter)

	done := make(chan struct{})
	tick := make(chan int)
	go func() {
		for i := 0; i < 5; i++ {
			tick <- i
		}
		close(done)
	}()
	n := 0
loop:
	for {
		select {
		case v := <-tick:
			n += v
		case <-done:
			break loop
		}
	}
	fmt.Println("select", n)
	timer := time.After(time.Millisecond)
	<-timer
	time.Sleep(2 * time.Millisecond)
	fmt.Println("slept")
}
