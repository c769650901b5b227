// The boundary's and the watchdog's cost in instructions rather than
// seconds (wall-clock runs on a shared machine scatter by more than the
// cost): callgrind counts the instructions of the workload machine in each
// mode of bench/boundary.ts (blkdev and simplefs from the catalog; the same
// files by path without the watchdog's checks; by path with them; by path
// behind the membrane of bench/membrane-experiment.ts), each
// run twice, with the measured cycles and without them; the difference is
// the instructions of the measured part alone. Needs valgrind; takes
// several minutes. Run with `npm run bench:boundary-insn -- [cycles]`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt } from '../compare/timing.js';

const CYCLES = Number(process.argv[2] ?? 2_000_000);
const child = fileURLToPath(new URL('./boundary-run.js', import.meta.url));

function instructions(mode: string, cycles: number): { ir: number; syscalls: number } {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', child, mode, String(cycles)], { encoding: 'utf8' });
  if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
  const ir = /Collected : (\d+)/.exec(r.stderr);
  const sc = /syscalls (\d+)/.exec(r.stdout);
  if (!ir || !sc) throw new Error(`unexpected valgrind output:\n${r.stderr.slice(-500)}`);
  return { ir: Number(ir[1]), syscalls: Number(sc[1]) };
}

const measured = (mode: string) => {
  const full = instructions(mode, CYCLES);
  const base = instructions(mode, 0);
  return { ir: full.ir - base.ir, syscalls: full.syscalls };
};

const per = (x: { ir: number; syscalls: number }) => x.ir / x.syscalls;
const catalog = measured('catalog');
const sandbox = measured('sandbox');
const path = measured('path');
const membrane = measured('membrane');
const cost = (x: { ir: number; syscalls: number }) => `${((per(x) / per(catalog) - 1) * 100).toFixed(2)}%`;
console.log(`boundary cost in instructions (callgrind, ${fmt(CYCLES)} simulated cycles, 16 workload threads, same seed)`);
console.log(`  catalog: ${fmt(per(catalog))} instructions per workload syscall (${fmt(catalog.syscalls)} syscalls)`);
console.log(`  sandbox: ${fmt(per(sandbox))} (${fmt(sandbox.syscalls)} syscalls): the boundary costs ${cost(sandbox)}`);
console.log(`  by path: ${fmt(per(path))} (${fmt(path.syscalls)} syscalls): the boundary and the watchdog cost ${cost(path)}`);
console.log(`  membrane (experiment, bench/membrane-experiment.ts): ${fmt(per(membrane))} (${fmt(membrane.syscalls)} syscalls): ${cost(membrane)}`);
console.log('  target <= 3%; between runs the measured part itself varies by a few percent (GC and JIT timing)');
