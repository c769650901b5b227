// One measured run for bench/insn-kernels.ts: boot one kernel (procedural
// or objects) with the newest versions compare reaches, simplefs mounted,
// start the verifying workload with THREADS threads, warm up, then run
// CYCLES simulated cycles between two calls of `process.cpuUsage()`, the
// markers at which callgrind dumps its counts (`--dump-before`), and print
// the workload syscalls completed in that part.

import type { KernelKind } from '../compare/compare.js';
import { speedMachine, SPEED_WARMUP } from './speed.js';

const kind = (process.argv[2] ?? 'modules') as KernelKind;
const threads = Number(process.argv[3] ?? 16);
const cycles = Number(process.argv[4] ?? 2_000_000);
const m = await speedMachine(kind, threads);
m.k.run(SPEED_WARMUP);
const s0 = m.k.stats.syscalls;
process.cpuUsage(); // marker: callgrind dumps boot and warm-up here
m.k.run(cycles);
process.cpuUsage(); // marker: callgrind dumps the measured window here
if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
console.log(`syscalls ${m.k.stats.syscalls - s0}`);
