package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/vm"
)

// BenchmarkCluster proves a 10-segment run of the loop guest (po2 16, test parameters: 10
// lifts, 9 joins, a shrink) through 1, 2 and 4 worker processes and an embedded server. It
// reports tasks/s, the CPU the processes used (percent of one core), the coordination overhead
// per task (time neither queued nor proving: messaging, blob transfers, verification) and per
// byte moved, and the blob sizes. Each worker count starts with an untimed run that compiles
// the workers' programs; every run proves a different input, so nothing is served from the
// blob store.
//
//	go test -run '^$' -bench Cluster -benchtime 1x ./prover/cluster/
func BenchmarkCluster(b *testing.B) {
	set, _, err := testKeySet()
	if err != nil {
		b.Fatal(err)
	}
	img, prog := guest(b, 300000)
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			s := startServer(b, b.TempDir(), 0, Auth{})
			defer s.Close()
			var procs []*proc
			for i := range workers {
				procs = append(procs, spawnWorker(b, s.URL(), "", fmt.Sprintf("w%d", i)))
			}
			nc := connect(b, s.URL(), Auth{})
			p, err := NewProver(context.Background(), nc, set, Config{KeepObjects: true}) // for blobSizes
			if err != nil {
				b.Fatal(err)
			}
			run := func(input string) Stats {
				if _, _, err := p.Succinct(context.Background(), img, prog, []byte(input), prove.Options{Po2: vm.MinPo2}); err != nil {
					b.Fatal(err)
				}
				return p.Stats()
			}
			run(fmt.Sprintf("warm-%d", workers))
			self0, workers0 := cpuSeconds(b, procs)
			var total Stats
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				st := run(fmt.Sprintf("run-%d-%d", workers, i))
				total.Tasks += st.Tasks
				total.Overhead += st.Overhead
				total.Verify += st.Verify
				total.BytesMoved += st.BytesMoved
				total.Segments += st.Segments
			}
			wall := time.Since(start)
			b.StopTimer()
			self1, workers1 := cpuSeconds(b, procs)
			tasks := float64(total.Tasks)
			b.ReportMetric(tasks/wall.Seconds(), "tasks/s")
			b.ReportMetric(100*(self1-self0+workers1-workers0)/wall.Seconds(), "cpu%")
			b.ReportMetric(100*(self1-self0)/wall.Seconds(), "coordinator-cpu%")
			b.ReportMetric(float64(total.Overhead.Milliseconds())/tasks, "overhead-ms/task")
			b.ReportMetric(float64(total.Verify.Milliseconds())/tasks, "verify-ms/task")
			b.ReportMetric(float64(total.Overhead.Nanoseconds())/float64(total.BytesMoved), "overhead-ns/B")
			b.ReportMetric(float64(total.BytesMoved)/float64(total.Segments), "B-moved/segment")
			blobSizes(b, nc)
		})
	}
}

// cpuSeconds is the CPU time of this process (the coordinator and the server, getrusage) and
// of the worker processes (Linux /proc; 0 for a process it cannot read).
func cpuSeconds(b *testing.B, procs []*proc) (self, workers float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	for _, p := range procs {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces): utime and stime are the
		// 12th and 13th, in clock ticks (100 Hz on Linux).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseFloat(f[11], 64)
			s, _ := strconv.ParseFloat(f[12], 64)
			workers += (u + s) / 100
		}
	}
	return self, workers
}

// blobSizes reports the mean size of each kind of blob in the store.
func blobSizes(b *testing.B, nc *nats.Conn) {
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	store, err := js.ObjectStore(ctx, blobBucket)
	if err != nil {
		b.Fatal(err)
	}
	infos, err := store.List(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sum, count := map[string]uint64{}, map[string]uint64{}
	for _, in := range infos {
		kind, _, _ := strings.Cut(in.Name, "-")
		sum[kind] += in.Size
		count[kind]++
	}
	for _, kind := range []string{"seg", "lift", "join", "shrink"} {
		if count[kind] > 0 {
			b.ReportMetric(float64(sum[kind])/float64(count[kind]), kind+"-B")
		}
	}
}

// BenchmarkTaskRoundTrip is the coordination cost of one task without its proof: the task
// published to the queue, pulled, its result published and acknowledged, the result pulled by
// the coordinator's consumer, on an embedded server.
func BenchmarkTaskRoundTrip(b *testing.B) {
	s := startServer(b, b.TempDir(), 0, Auth{})
	defer s.Close()
	ctx := context.Background()
	st, err := openStore(ctx, connect(b, s.URL(), Auth{}), QueueConfig{}, true)
	if err != nil {
		b.Fatal(err)
	}
	wst, err := openStore(ctx, connect(b, s.URL(), Auth{}), QueueConfig{}, false)
	if err != nil {
		b.Fatal(err)
	}
	t := testTask()
	task, _ := encodeMsg(t)
	res, _ := encodeMsg(&Result{Run: t.Run, Task: t.ID(), Worker: "w", Delivered: 1})
	tasks, err := wst.tasks.Consumer(ctx, workerConsumer)
	if err != nil {
		b.Fatal(err)
	}
	results, err := st.js.CreateOrUpdateConsumer(ctx, resultStream, jetstream.ConsumerConfig{Durable: "bench", FilterSubject: resultSubject + t.Run, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := st.publish(ctx, taskSubject+t.Run, task); err != nil {
			b.Fatal(err)
		}
		m, err := tasks.Next()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeTask(m.Data()); err != nil {
			b.Fatal(err)
		}
		if err := wst.publish(ctx, resultSubject+t.Run, res); err != nil {
			b.Fatal(err)
		}
		if err := m.DoubleAck(ctx); err != nil {
			b.Fatal(err)
		}
		r, err := results.Next()
		if err != nil {
			b.Fatal(err)
		}
		r.Ack() //nolint:errcheck
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/task")
}

// BenchmarkBlob is the blob store's cost per byte: a 1 MB object (a po2-20 recursion proof is
// about that) put by one connection and read by another.
func BenchmarkBlob(b *testing.B) {
	s := startServer(b, b.TempDir(), 0, Auth{})
	defer s.Close()
	ctx := context.Background()
	put, err := openStore(ctx, connect(b, s.URL(), Auth{}), QueueConfig{}, true)
	if err != nil {
		b.Fatal(err)
	}
	get, err := openStore(ctx, connect(b, s.URL(), Auth{}), QueueConfig{}, false)
	if err != nil {
		b.Fatal(err)
	}
	blob := make([]byte, 1<<20)
	b.SetBytes(int64(len(blob)))
	b.ResetTimer()
	for i := range b.N {
		blob[0], blob[1] = byte(i), byte(i>>8)
		name := objectName("lift", blob)
		if _, err := put.putBlob(ctx, name, blob); err != nil {
			b.Fatal(err)
		}
		if _, err := get.getBlob(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(blob)), "ns/B")
}
