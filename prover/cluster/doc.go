// Package cluster proves runs across processes and machines on NATS JetStream (DESIGN.md,
// "Distributed proving"): a coordinator executes the run and hands out tasks, any number of
// workers ('zkexex worker --nats URL') prove them, and the coordinator verifies every result and
// assembles the succinct receipt prove.Succinct would make, byte for byte (Prover.Succinct), or
// the root aggregation proof prove.Aggregate would make (Prover.Aggregate: what a span's blocks
// need before they are sealed and chained, derivation.RunAggregator).
//
// # Tasks and blobs
//
// Three kinds of task go through one work-queue stream (ZKEXEX_TASKS, one durable consumer all
// workers pull from): a segment task proves one segment record at its menu shape and lifts it
// (prove.Lift; the lift is its only output), a join task joins two consecutive aggregation proofs (Aggregator.Join), and the
// shrink task shrinks the root into the receipt's seal (Aggregator.Shrink). The shrink is a task
// rather than the coordinator's own work so that the coordinator never proves: its load is
// executing the run and verifying, and it needs no compiled recursion program.
//
// Segment records and aggregation proofs live in a JetStream object store
// under names derived from their content (a record: the hash of its bytes; a task's output: the
// hash of its kind, the key set and its inputs' names). A task proven twice (a redelivery, a
// worker that died after storing) writes the same names, and a worker that finds its outputs
// stored reports them without proving again. The key set itself is an object, named by its
// encoding, that each task names: workers need no configuration of their own. A run deletes
// its objects when it ends (Config.KeepObjects keeps them), the key set excepted.
//
// # Delivery and faults
//
// A worker sends an in-progress heartbeat every AckWait/3 while it proves; a worker that dies
// stops sending them and its task is redelivered after AckWait. A task that fails on its
// MaxDeliver-th delivery is dead: the worker reports it with its error, or, when no worker
// reported (each died), the server's max-deliveries advisory does; the run ends with a
// TaskError naming the task, the worker and the reason. Results go to a limits stream that the
// coordinator reads through a durable consumer, so results published while it is disconnected
// (a restarting server) wait for it; every JetStream operation is retried across a
// reconnection.
//
// The coordinator trusts no worker. A lift, join or shrink must carry exactly the claim the
// coordinator computes (the lift claim of the segment it executed, the JoinClaim of the two
// verified children, the root's claim) and verify under a key of the set (the shrink key for
// the shrink). The lift claim holds every field of the segment's claim, so a verified lift
// proves a segment proof of exactly that segment verifies: the segment proof itself never
// leaves the worker. A result that fails any check is rejected: its objects are
// deleted, the worker is logged and counted (zkexex/cluster/rejected, zkexex/cluster/worker/
// NAME/rejected), and the task is queued again for any other worker.
//
// Cancelling the context of Prover.Succinct or Aggregate (a reorg dropping the span) purges the
// run's queued tasks and its objects, and publishes a cancel that makes workers abandon its
// tasks in flight.
//
// # Scaling to 100 machines
//
// bench/cluster.md has the figures. In short, at po2 20 a segment moves about 6.7 MB of proofs
// plus twice its record through the object store (a 3,000-segment block: 20 to 40 GB, which
// at 1 GB/s per NATS server is the same order as the block's proving time on 100 machines: the
// store must be spread over a NATS cluster); the coordinator executes the run (seconds) and
// verifies about 150 ms of proofs per segment on all its cores; one task message is a few
// hundred bytes and a millisecond of round trip, negligible.
package cluster
