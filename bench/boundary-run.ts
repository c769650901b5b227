// One measured run for bench/boundary-instructions.ts: boot the workload
// machine of a mode of bench/boundary.ts (`catalog`, `sandbox`, `path`, or
// `membrane`, the experiment), warm it up, then run CYCLES simulated cycles
// (0 measures boot and warm-up alone) and print the syscalls completed.

import { EXPERIMENT_MODES, type ExperimentMode, machine } from './boundary.js';

const mode = (process.argv[2] ?? 'catalog') as ExperimentMode;
if (!EXPERIMENT_MODES.includes(mode)) throw new Error(`mode is one of ${EXPERIMENT_MODES.join(', ')}`);
const cycles = Number(process.argv[3] ?? 2_000_000);
const { k } = await machine(mode, 16);
k.run(200_000);
const s0 = k.stats.syscalls;
k.run(cycles);
console.log(`syscalls ${k.stats.syscalls - s0}`);
