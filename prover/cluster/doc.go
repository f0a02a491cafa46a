// Package cluster proves runs across processes and machines on NATS JetStream (DESIGN.md,
// "Distributed proving"): a coordinator executes the run and hands out tasks, any number of
// workers ('zkexex worker --nats URL') prove them, and the coordinator verifies every result and
// assembles the succinct receipt prove.Succinct would make, byte for byte.
//
// # Tasks and blobs
//
// Three kinds of task go through one work-queue stream (ZKEXEX_TASKS, one durable consumer all
// workers pull from): a segment task proves one segment record at its menu shape and lifts it
// (prove.Lift), a join task joins two consecutive aggregation proofs (Aggregator.Join), and the
// shrink task shrinks the root into the receipt's seal (Aggregator.Shrink). The shrink is a task
// rather than the coordinator's own work so that the coordinator never proves: its load is
// executing the run and verifying, and it needs no compiled recursion program.
//
// Segment records, segment receipts and aggregation proofs live in a JetStream object store
// under names derived from their content (a record: the hash of its bytes; a task's output: the
// hash of its kind, the key set and its inputs' names). A task proven twice (a redelivery, a
// worker that died after storing) writes the same names, and a worker that finds its outputs
// stored reports them without proving again. The key set itself is an object, named by its
// encoding, that each task names: workers need no configuration of their own.
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
// The coordinator trusts no worker. A segment receipt must claim exactly the segment the
// coordinator executed and its seal must verify under the rv64 verifier; a lift, join or shrink
// must carry exactly the claim the coordinator computes (the lift claim of that segment, the
// JoinClaim of the two verified children, the root's claim) and verify under a key of the set
// (the shrink key for the shrink). A result that fails any check is rejected: its objects are
// deleted, the worker is logged and counted (zkexex/cluster/rejected, zkexex/cluster/worker/
// NAME/rejected), and the task is queued again for any other worker.
//
// Cancelling the context of Prover.Succinct (a reorg dropping the span) purges the run's queued
// tasks and publishes a cancel that makes workers abandon its tasks in flight.
//
// # Scaling to 100 machines
//
// Figures at po2 20 (bench/cluster.md has the measured ones at po2 16): a segment record is
// about 1-4 MB (the page images it touches and its inputs), a segment receipt at the default
// parameters about 0.5-1 MB, a lift or join proof at the recursion parameters a few hundred kB
// (prover/recursion's benchmarks). Each segment moves its record once to a worker, its receipt
// and lift once back to the store and once to the coordinator (for verification), and each
// join's two children once more: about 3x the record plus 4x a proof, some 5-10 MB per
// segment. A 3,000-segment Hoodi block is 15-30 GB through the store; at 10 Gb/s on the NATS
// server that is 12-25 s, against hundreds of seconds of proving per segment spread over 100
// machines: bandwidth is not the limit, and a NATS cluster of three servers spreads the object
// store's chunks (R1 suffices: a lost blob is re-proven). Object store sizing: one block's blobs
// (tens of GB) times the blocks in flight; blobs expire after a day, and a run's receipt is all
// that is kept. The coordinator's load per segment: executing it (the executor runs at tens of
// MHz, 1M cycles in well under a second), hashing and storing its record, and verifying a
// segment receipt and a lift (milliseconds each), plus one join verification; about 6,000
// verifications per block at a few ms each is one core for tens of seconds, below the proving
// time at 100 machines by an order of magnitude. Past that, verification could move to
// workers that check one another, which this package does not do.
package cluster
