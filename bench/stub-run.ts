// One measured run for bench/stub-instructions.ts: boot the workload machine
// with the given binding, warm it up, then run CYCLES simulated cycles
// (0 measures boot and warm-up alone) and print the syscalls completed.

import type { Binding } from '../kernel/symbols.js';
import { prepareWorkload } from './stubs.js';

const binding = (process.argv[2] ?? 'stubs') as Binding;
const cycles = Number(process.argv[3] ?? 3_000_000);
const { k } = await prepareWorkload(binding);
k.run(200_000);
const s0 = k.stats.syscalls;
k.run(cycles);
console.log(`syscalls ${k.stats.syscalls - s0}`);
