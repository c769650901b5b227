// One measured run for bench/insn-kernels.ts under callgrind: boot one
// kernel (procedural or objects) with the newest versions compare reaches,
// simplefs mounted, start the verifying workload with THREADS threads and
// warm up; then a full collection (V8's `gc()`, so node runs with
// `--expose-gc`), SETTLE cycles of recovery from it, and a window of CYCLES
// cycles. Calls of `process.cpuUsage()` end each part, where callgrind dumps
// its counts (`--dump-before`):
//   1. boot and warm-up;
//   2. the full collection;
//   3. the recovery: V8 deoptimizes the optimized code whose embedded
//      objects the collection killed ("weak objects") and recompiles it as
//      it runs hot again, which dies down within about 5M cycles (natively,
//      16 threads);
//   4. the window, in the steady state between two full collections.
// It prints the workload syscalls of the recovery and of the window, and
// the full collections V8 started of its own in the window (perf_hooks
// 'gc' entries), which must be none: insn-kernels.ts refuses a run that
// had one.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KernelKind } from '../compare/compare.js';
import { speedMachine, SPEED_WARMUP } from './speed.js';

const kind = (process.argv[2] ?? 'modules') as KernelKind;
const threads = Number(process.argv[3] ?? 16);
const cycles = Number(process.argv[4] ?? 2_000_000);
const settle = Number(process.argv[5] ?? 5_000_000);
const m = await speedMachine(kind, threads);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run node with --expose-gc: the run starts a full collection of its own');
let majors = 0;
let inWindow = false;
const seen = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (inWindow && (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
});
seen.observe({ entryTypes: ['gc'] });
m.k.run(SPEED_WARMUP);
process.cpuUsage(); // marker: callgrind dumps boot and warm-up here
gc();
process.cpuUsage(); // marker: the full collection
const s0 = m.k.stats.syscalls;
m.k.run(settle);
const s1 = m.k.stats.syscalls;
await sleep(10); // entries of the collections so far are delivered now, before the window
inWindow = true;
process.cpuUsage(); // marker: the recovery
m.k.run(cycles);
process.cpuUsage(); // marker: the window
const s2 = m.k.stats.syscalls;
await sleep(10); // the window's entries are delivered now
seen.disconnect();
if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
console.log(`recovery ${s1 - s0} syscalls ${s2 - s1} majors ${majors}`);
