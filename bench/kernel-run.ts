// One measured run for bench/insn-kernels.ts under callgrind: boot one
// kernel (procedural or objects) with the newest versions compare reaches,
// simplefs mounted, start the verifying workload with THREADS threads, warm
// up, and count a full collection, SETTLE cycles of recovery and a window
// of CYCLES cycles as steady-window.ts says.

import type { KernelKind } from '../compare/compare.js';
import { speedMachine, SPEED_WARMUP } from './speed.js';
import { countedParts } from './steady-window.js';

const kind = (process.argv[2] ?? 'modules') as KernelKind;
const threads = Number(process.argv[3] ?? 16);
const cycles = Number(process.argv[4] ?? 2_000_000);
const settle = Number(process.argv[5] ?? 5_000_000);
const m = await speedMachine(kind, threads);
m.k.run(SPEED_WARMUP);
await countedParts(m.k, settle, cycles);
if (m.w.failed > 0) throw new Error(`workload failed: ${m.w.failures[0]}`);
