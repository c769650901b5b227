// How often V8 runs a full (mark-compact) collection of its own in one
// kernel's workload machine, for bench/insn-kernels.ts: run natively under
// the same V8 flags as the counted runs, warm up, then count the major
// collections Node reports (perf_hooks 'gc' entries) over CYCLES simulated
// cycles and print them with the workload syscalls completed meanwhile.

import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KernelKind } from '../compare/compare.js';
import { speedMachine, SPEED_WARMUP } from './speed.js';

const kind = (process.argv[2] ?? 'modules') as KernelKind;
const threads = Number(process.argv[3] ?? 16);
const cycles = Number(process.argv[4] ?? 100_000_000);
const m = await speedMachine(kind, threads);
m.k.run(SPEED_WARMUP);
let majors = 0;
const seen = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
});
seen.observe({ entryTypes: ['gc'] });
const s0 = m.k.stats.syscalls;
m.k.run(cycles);
const n = m.k.stats.syscalls - s0;
await sleep(10); // the observer hears of collections asynchronously
seen.disconnect();
if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
console.log(`syscalls ${n} majors ${majors}`);
