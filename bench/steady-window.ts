// The counted part of a run under callgrind, for the children of the
// instruction benchmarks (kernel-run.ts for insn-kernels.ts, stub-run.ts for
// stub-instructions.ts). Given a machine booted and warmed up, it starts a
// full collection (V8's `gc()`, so node runs with `--expose-gc`), runs
// SETTLE cycles of recovery from it, and then a window of CYCLES cycles.
// Calls of `process.cpuUsage()` end each part, where callgrind dumps its
// counts (`--dump-before`), and callgrind-window.ts reads them back:
//   1. boot and warm-up;
//   2. the full collection;
//   3. the recovery: V8 deoptimizes the optimized code whose embedded
//      objects the collection killed ("weak objects" in `--trace-deopt`)
//      and recompiles it as it runs hot again, which dies down within
//      about 5M cycles (natively, 16 threads);
//   4. the window, in the steady state between two full collections.
// It prints the workload syscalls of the recovery and of the window, and
// the full collections V8 started of its own in the window (perf_hooks
// 'gc' entries), which must be none.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Executive } from '../exec/executive.js';

/** Count a collection, `settle` cycles of recovery and a window of `cycles` cycles of `k`, as above. */
export async function countedParts(k: Executive, settle: number, cycles: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc: the run starts a full collection of its own');
  let majors = 0;
  let inWindow = false;
  const seen = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (inWindow && (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
  });
  seen.observe({ entryTypes: ['gc'] });
  process.cpuUsage(); // marker: callgrind dumps boot and warm-up here
  gc();
  process.cpuUsage(); // marker: the full collection
  const s0 = k.stats.syscalls;
  k.run(settle);
  const s1 = k.stats.syscalls;
  await sleep(10); // entries of the collections so far are delivered now, before the window
  inWindow = true;
  process.cpuUsage(); // marker: the recovery
  k.run(cycles);
  process.cpuUsage(); // marker: the window
  const s2 = k.stats.syscalls;
  await sleep(10); // the window's entries are delivered now
  seen.disconnect();
  console.log(`recovery ${s1 - s0} syscalls ${s2 - s1} majors ${majors}`);
}
