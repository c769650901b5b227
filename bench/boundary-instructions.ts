// The boundary's and the watchdog's cost in instructions rather than
// seconds (wall-clock runs on a shared machine scatter by more than the
// cost): callgrind counts the instructions of the workload machine in each
// mode of bench/boundary.ts (blkdev and simplefs from the catalog; the same
// files by path without the watchdog's checks; by path with them; once,
// by path behind the membrane of bench/membrane-experiment.ts), each
// run with the measured cycles and without them; the difference is the
// instructions of the measured part alone. V8 runs single-threaded with a
// predictable GC schedule (heap growth fixed rather than tuned by how fast
// the process ran), which steadies the counts; RUNS runs of each mode are
// listed, since what is left of GC and JIT timing still moves them. Then
// what one check costs: writes of 64 KiB to /dev/bm, a loop of a check a
// byte (bench/boundary-module.ts), by path with and without checks. Needs
// valgrind; takes many minutes. `npm run bench:boundary-insn -- [cycles]
// [runs]`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, median } from '../compare/timing.js';
import type { BoundaryMode, ExperimentMode } from './boundary.js';

const CYCLES = Number(process.argv[2] ?? 2_000_000);
const RUNS = Number(process.argv[3] ?? 2);
const WRITES = 200;
export const V8_FLAGS = ['--single-threaded', '--predictable-gc-schedule', '--random-seed=1'];
const child = fileURLToPath(new URL('./boundary-run.js', import.meta.url));

interface Count {
  readonly ir: number;
  readonly syscalls: number;
  readonly checks: number;
}

function instructions(mode: ExperimentMode, count: number, what: 'workload' | 'checks'): Count {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...V8_FLAGS, child, mode, String(count), what], { encoding: 'utf8' });
  if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
  const ir = /Collected : (\d+)/.exec(r.stderr);
  const sc = /syscalls (\d+) checks (\d+)/.exec(r.stdout);
  if (!ir || !sc) throw new Error(`unexpected valgrind output:\n${r.stdout.slice(-500)}\n${r.stderr.slice(-500)}`);
  return { ir: Number(ir[1]), syscalls: Number(sc[1]), checks: Number(sc[2]) };
}

/** The instructions of `count` (cycles or writes) alone: a run with them minus one without. */
function measured(mode: ExperimentMode, count: number, what: 'workload' | 'checks'): Count {
  const full = instructions(mode, count, what);
  const base = instructions(mode, 0, what);
  return { ...full, ir: full.ir - base.ir };
}

const per = (x: Count) => x.ir / x.syscalls;

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`boundary cost in instructions (callgrind, node ${V8_FLAGS.join(' ')}; ${fmt(CYCLES)} simulated cycles, 16 workload threads, seed 1; runs per mode: ${RUNS})`);
  const runs: Record<BoundaryMode, number[]> = { catalog: [], sandbox: [], path: [] };
  let checks = 0;
  let syscalls = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const mode of ['catalog', 'sandbox', 'path'] as const) {
      const x = measured(mode, CYCLES, 'workload');
      runs[mode].push(per(x));
      if (mode === 'path') checks = x.checks;
      syscalls = x.syscalls;
    }
  }
  const c = median(runs.catalog);
  const line = (mode: BoundaryMode, what: string) => {
    const m = median(runs[mode]);
    return `  ${mode.padEnd(8)} ${fmt(m).padStart(9)} instructions per workload syscall (runs: ${runs[mode].map((x) => fmt(x)).join(', ')})${what ? `: ${what} ${((m / c - 1) * 100).toFixed(1)}%` : ''}`;
  };
  console.log(`  ${fmt(syscalls)} workload syscalls measured (the same in every mode and run: the machine is deterministic)`);
  console.log(line('catalog', ''));
  console.log(line('sandbox', 'the boundary costs'));
  console.log(line('path', 'the boundary and the watchdog cost'));
  const membrane = per(measured('membrane', CYCLES, 'workload'));
  console.log(`  membrane ${fmt(membrane).padStart(9)} instructions per workload syscall (one run; the experiment of bench/membrane-experiment.ts): ${((membrane / c - 1) * 100).toFixed(1)}%`);
  const sandbox = measured('sandbox', WRITES, 'checks');
  const path = measured('path', WRITES, 'checks');
  const perCheck = (path.ir - sandbox.ir) / path.checks;
  console.log(`  one check: ${perCheck.toFixed(1)} instructions (${fmt(WRITES)} writes of 64 KiB to /dev/bm, ${fmt(path.checks)} checks, by path with and without them)`);
  console.log(`  checks per workload syscall: ${(checks / syscalls).toFixed(1)}, so the checks themselves cost ${fmt((checks / syscalls) * perCheck)} instructions per workload syscall (${(((checks / syscalls) * perCheck) / c * 100).toFixed(2)}% of the catalog's)`);
  console.log('  target <= 3%');
}
