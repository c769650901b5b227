// Stub cost in instructions rather than seconds: wall-clock runs on a shared
// machine scatter by several percent, more than the stub costs, so this
// counts instructions with valgrind's callgrind (the same total for the same
// run, whatever else the machine does). Each binding runs the workload
// machine of bench/stubs.ts; only the measured window is counted
// (callgrind-window.ts), under the V8 flags of insn-kernels.ts, whose header
// says why: a young generation of fixed size and one mark-compact per
// window, so that GC timing does not move the count from run to run. (Until
// issue 14's fifth round each binding ran with and without the window and
// took the difference, with `--single-threaded` only: two boots' noise, and
// the stubs' cost measured 2.05% and 3.32% in two runs of one build.) Needs
// valgrind; takes about two minutes. Run with `npm run bench:insn`.

import { fileURLToPath } from 'node:url';
import { fmt } from '../compare/timing.js';
import { windowInstructions } from './callgrind-window.js';
import { INSN_V8_FLAGS } from './insn-kernels.js';

const CYCLES = 3_000_000;
const child = fileURLToPath(new URL('./stub-run.js', import.meta.url));

const stubs = windowInstructions(child, ['stubs', String(CYCLES)], INSN_V8_FLAGS);
const direct = windowInstructions(child, ['direct', String(CYCLES)], INSN_V8_FLAGS);
console.log(`stub cost in instructions (callgrind, ${fmt(CYCLES)} simulated cycles, same seed)`);
console.log(`  stubs:  ${fmt(stubs.ir / stubs.syscalls)} instructions per syscall (${fmt(stubs.syscalls)} syscalls)`);
console.log(`  direct: ${fmt(direct.ir / direct.syscalls)} instructions per syscall (${fmt(direct.syscalls)} syscalls)`);
console.log(`  stubs cost ${(((stubs.ir / stubs.syscalls) / (direct.ir / direct.syscalls) - 1) * 100).toFixed(2)}% (target <= 3%)`);
