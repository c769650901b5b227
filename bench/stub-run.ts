// One measured run for bench/stub-instructions.ts: boot the workload machine
// with the given binding and warm it up, then run CYCLES simulated cycles
// between two calls of `process.cpuUsage()`, the markers at which callgrind
// dumps its counts, and print the syscalls completed. As in kernel-run.ts,
// the window starts from a collected heap and ends with a full collection
// inside it (node runs with `--expose-gc`), so it holds exactly one
// mark-compact whichever binding runs.

import type { Binding } from '../kernel/symbols.js';
import { prepareWorkload } from './stubs.js';

const binding = (process.argv[2] ?? 'stubs') as Binding;
const cycles = Number(process.argv[3] ?? 3_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run node with --expose-gc: the measured window ends with a full collection');
const { k } = await prepareWorkload(binding);
k.run(200_000);
gc(); // before the window: it starts from a collected heap
const s0 = k.stats.syscalls;
process.cpuUsage(); // marker: callgrind dumps boot and warm-up here
k.run(cycles);
gc(); // in the window: the one mark-compact it pays for
process.cpuUsage(); // marker: callgrind dumps the measured window here
console.log(`syscalls ${k.stats.syscalls - s0}`);
