// The block layer's request timeout, which both kernels' block drivers keep
// (Linux's blk-mq `io_timeout`, checked by blk_mq_timeout_work): a request
// the disk has not completed within this many cycles of its submission
// fails with EIO, and its late completion, if one ever comes, is ignored.
//
// The default is Linux's 30 seconds at the scale the traces use (a cycle is
// shown as a microsecond, README "Traces"): far above any request's latency
// (at most a few thousand cycles, plus its wait in the queue), so it never
// fires on a healthy disk, and below the 100,000,000 cycles `workload stop`
// waits, so a hung request fails in time for the workload to end.

/** Cycles a request may take before it fails with EIO, by default. */
export const DEFAULT_IO_TIMEOUT = 30_000_000;
