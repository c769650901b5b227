// One measured run for bench/insn-kernels.ts: boot one kernel (procedural
// or objects) with the newest versions compare reaches, simplefs mounted,
// start the verifying workload with THREADS threads, warm up, then run
// CYCLES simulated cycles between two calls of `process.cpuUsage()`, the
// markers at which callgrind dumps its counts (`--dump-before`), and print
// the workload syscalls completed in that part. The window starts from a
// collected heap and ends with a full collection inside it (V8's `gc()`,
// so node runs with `--expose-gc`): it holds exactly one mark-compact, the
// one that pays for what the window left in the old generation (the
// heap-growing factor of insn-kernels.ts keeps V8 from starting another).

import type { KernelKind } from '../compare/compare.js';
import { speedMachine, SPEED_WARMUP } from './speed.js';

const kind = (process.argv[2] ?? 'modules') as KernelKind;
const threads = Number(process.argv[3] ?? 16);
const cycles = Number(process.argv[4] ?? 2_000_000);
const m = await speedMachine(kind, threads);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run node with --expose-gc: the measured window ends with a full collection');
m.k.run(SPEED_WARMUP);
gc(); // before the window: it starts from a collected heap
const s0 = m.k.stats.syscalls;
process.cpuUsage(); // marker: callgrind dumps boot and warm-up here
m.k.run(cycles);
gc(); // in the window: the one mark-compact it pays for
process.cpuUsage(); // marker: callgrind dumps the measured window here
if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
console.log(`syscalls ${m.k.stats.syscalls - s0}`);
