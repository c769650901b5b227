// One measured run for bench/stub-instructions.ts under callgrind: boot the
// workload machine of bench/stubs.ts with the given binding, warm it up, and
// count a full collection, SETTLE cycles of recovery and a window of CYCLES
// cycles as steady-window.ts says.

import type { Binding } from '../kernel/symbols.js';
import { countedParts } from './steady-window.js';
import { prepareWorkload } from './stubs.js';

const binding = (process.argv[2] ?? 'stubs') as Binding;
const cycles = Number(process.argv[3] ?? 3_000_000);
const settle = Number(process.argv[4] ?? 5_000_000);
const { k, w } = await prepareWorkload(binding);
k.run(1_000_000);
await countedParts(k, settle, cycles);
if (w.failed > 0) throw new Error(`workload failed: ${w.failures[0]}`);
