// Instructions per workload syscall of both kernels, with the newest
// versions compare reaches (the machines of bench/speed.ts), counted under
// valgrind's callgrind: a count does not scatter with the machine's load the
// way wall time does (JIT and GC timing still move it by a few percent).
// Each kernel runs twice, with the measured window and without it; the
// difference is the window's instructions alone. Needs valgrind; a few
// minutes. `npm run bench:insn-kernels -- [threads...] [--cycles N]`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KernelKind } from '../compare/compare.js';
import { fmt } from '../compare/timing.js';

const child = fileURLToPath(new URL('./kernel-run.js', import.meta.url));

function instructions(kind: KernelKind, threads: number, cycles: number): { ir: number; syscalls: number } {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', child, kind, String(threads), String(cycles)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
  const ir = /Collected : (\d+)/.exec(r.stderr);
  const sc = /syscalls (\d+)/.exec(r.stdout);
  if (!ir || !sc) throw new Error(`unexpected valgrind output:\n${r.stdout.slice(-500)}\n${r.stderr.slice(-500)}`);
  return { ir: Number(ir[1]), syscalls: Number(sc[1]) };
}

/** Instructions per syscall of `cycles` simulated cycles of `kind` at `threads` threads. */
export function insnPerSyscall(kind: KernelKind, threads: number, cycles: number): { perSyscall: number; syscalls: number } {
  const full = instructions(kind, threads, cycles);
  const base = instructions(kind, threads, 0);
  return { perSyscall: (full.ir - base.ir) / full.syscalls, syscalls: full.syscalls };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--cycles');
  const cycles = at >= 0 ? Number(args.splice(at, 2)[1]) : 2_000_000;
  const threads = args.length > 0 ? args.map(Number) : [16];
  console.log(`instructions per workload syscall (callgrind, ${fmt(cycles)} simulated cycles after a warm-up, seed 1, 4 CPUs)`);
  console.log('  threads  procedural  objects  ratio');
  for (const t of threads) {
    const p = insnPerSyscall('modules', t, cycles);
    const o = insnPerSyscall('objects', t, cycles);
    console.log(`  ${String(t).padStart(7)}  ${fmt(p.perSyscall).padStart(10)}  ${fmt(o.perSyscall).padStart(7)}  ${(p.perSyscall / o.perSyscall).toFixed(2)}   (${fmt(p.syscalls)}/${fmt(o.syscalls)} syscalls)`);
  }
  console.log('  target: procedural <= 1.1x objects, each at most half of the figure before issue 14\'s second round');
}
