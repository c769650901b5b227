// Stub cost in instructions rather than seconds: wall-clock runs on a shared
// machine scatter by several percent, more than the stub costs, so this
// counts instructions with valgrind's callgrind (the same total for the same
// run, whatever else the machine does). Each binding runs twice: with the
// measured part and without it; the difference is the instructions of the
// measured part alone. Needs valgrind; takes about two minutes.
// Run with `npm run bench:insn`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt } from '../compare/timing.js';

const CYCLES = 3_000_000;
const child = fileURLToPath(new URL('./stub-run.js', import.meta.url));

function instructions(binding: string, cycles: number): { ir: number; syscalls: number } {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', child, binding, String(cycles)], { encoding: 'utf8' });
  if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
  const ir = /Collected : (\d+)/.exec(r.stderr);
  const sc = /syscalls (\d+)/.exec(r.stdout);
  if (!ir || !sc) throw new Error(`unexpected valgrind output:\n${r.stderr.slice(-500)}`);
  return { ir: Number(ir[1]), syscalls: Number(sc[1]) };
}

const measured = (binding: string) => {
  const full = instructions(binding, CYCLES);
  const base = instructions(binding, 0);
  return { ir: full.ir - base.ir, syscalls: full.syscalls };
};

const stubs = measured('stubs');
const direct = measured('direct');
console.log(`stub cost in instructions (callgrind, ${fmt(CYCLES)} simulated cycles, same seed)`);
console.log(`  stubs:  ${fmt(stubs.ir / stubs.syscalls)} instructions per syscall (${fmt(stubs.syscalls)} syscalls)`);
console.log(`  direct: ${fmt(direct.ir / direct.syscalls)} instructions per syscall (${fmt(direct.syscalls)} syscalls)`);
console.log(`  stubs cost ${(((stubs.ir / stubs.syscalls) / (direct.ir / direct.syscalls) - 1) * 100).toFixed(2)}% (target <= 3%; between runs the measured part itself varies by a few percent: GC and JIT timing)`);
