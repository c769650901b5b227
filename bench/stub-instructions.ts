// Stub cost in instructions rather than seconds: wall-clock runs on a shared
// machine scatter by several percent, more than the stub costs, so this
// counts instructions with valgrind's callgrind (the same total for the same
// run, whatever else the machine does). Each binding runs the workload
// machine of bench/stubs.ts, under the V8 flags of insn-kernels.ts, and is
// counted as insn-kernels.ts counts a kernel (steady-window.ts): a window in
// the steady state between two full collections, after the recovery from a
// forced one. The stub figure compares the windows. (Until issue 14's sixth
// round the window began right after a forced full collection and ended
// with another in it, so the recompilation after the first fell in it; until
// the fifth, each binding ran with and without the window and took the
// difference: two boots' noise, 2.05% and 3.32% in two runs of one build.)
// Needs valgrind; takes about five minutes. Run with `npm run bench:insn`.

import { fileURLToPath } from 'node:url';
import { fmt } from '../compare/timing.js';
import { steadyCount } from './callgrind-window.js';
import { INSN_V8_FLAGS } from './insn-kernels.js';

const CYCLES = 3_000_000;
const SETTLE = 5_000_000;
const child = fileURLToPath(new URL('./stub-run.js', import.meta.url));

const stubs = steadyCount(child, ['stubs', String(CYCLES), String(SETTLE)], INSN_V8_FLAGS);
const direct = steadyCount(child, ['direct', String(CYCLES), String(SETTLE)], INSN_V8_FLAGS);
console.log(`stub cost in instructions (callgrind, a window of ${fmt(CYCLES)} simulated cycles after ${fmt(SETTLE)} of recovery from a full collection, same seed)`);
console.log(`  stubs:  ${fmt(stubs.perSyscall)} instructions per syscall (${fmt(stubs.syscalls)} syscalls)`);
console.log(`  direct: ${fmt(direct.perSyscall)} instructions per syscall (${fmt(direct.syscalls)} syscalls)`);
console.log(`  stubs cost ${((stubs.perSyscall / direct.perSyscall - 1) * 100).toFixed(2)}% (target <= 3%)`);
