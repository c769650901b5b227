// Instructions per workload syscall of both kernels, with the newest
// versions compare reaches (the machines of bench/speed.ts), counted under
// valgrind's callgrind: a count does not scatter with the machine's load the
// way wall time does.
//
// What is counted is the measured window alone: the child (kernel-run.ts)
// calls `process.cpuUsage()` right before and right after it, and callgrind
// dumps its counters at each call (`--dump-before`), so boot and warm-up
// fall in another part of the output. (Subtracting a run without the window
// from a run with it, as this did before, added the noise of two boots and
// warm-ups to the figure.) JIT and GC timing still move a count: V8 runs
// single-threaded with a fixed heap-growing schedule
// (`--predictable-gc-schedule`), and each kernel runs `--reps` times; the
// median is printed with the range. Needs valgrind; about a minute a run.
// `npm run bench:insn-kernels -- [threads...] [--cycles N] [--reps N]`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelKind } from '../compare/compare.js';
import { fmt, median } from '../compare/timing.js';

const child = fileURLToPath(new URL('./kernel-run.js', import.meta.url));

/** The V8 flags of every measured run. */
export const INSN_V8_FLAGS = ['--single-threaded', '--predictable-gc-schedule'];

/** Instructions of the window between the child's two markers, and the syscalls it made. */
function windowInstructions(kind: KernelKind, threads: number, cycles: number): { ir: number; syscalls: number } {
  const dir = mkdtempSync(join(tmpdir(), 'livemod-insn-'));
  try {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-before=*CPUUsage*', `--callgrind-out-file=${join(dir, 'cg')}`, process.execPath, ...INSN_V8_FLAGS, child, kind, String(threads), String(cycles)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
    const sc = /syscalls (\d+)/.exec(r.stdout);
    if (r.status !== 0 || !sc) throw new Error(`unexpected valgrind output:\n${r.stdout.slice(-500)}\n${r.stderr.slice(-500)}`);
    // Part 1 ends at the first marker (boot, warm-up), part 2 at the second (the window).
    const parts = new Map<number, number>();
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      const part = /^part: (\d+)$/m.exec(text);
      const total = /^totals: (\d+)$/m.exec(text);
      if (part && total) parts.set(Number(part[1]), Number(total[1]));
    }
    const ir = parts.get(2);
    if (ir === undefined || parts.size !== 3) throw new Error(`expected 3 callgrind parts (before, window, after), found ${parts.size}`);
    return { ir, syscalls: Number(sc[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface InsnFigure {
  /** Median instructions per syscall over the runs, and each run's figure. */
  readonly perSyscall: number;
  readonly runs: readonly number[];
  readonly syscalls: number;
}

/** Instructions per syscall of `cycles` simulated cycles of `kind` at `threads` threads, `reps` runs. */
export function insnPerSyscall(kind: KernelKind, threads: number, cycles: number, reps = 3): InsnFigure {
  const runs: number[] = [];
  let syscalls = 0;
  for (let i = 0; i < reps; i++) {
    const w = windowInstructions(kind, threads, cycles);
    runs.push(w.ir / w.syscalls);
    syscalls = w.syscalls;
  }
  return { perSyscall: median(runs), runs, syscalls };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: number): number => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
  };
  const cycles = opt('--cycles', 2_000_000);
  const reps = opt('--reps', 3);
  const threads = args.length > 0 ? args.map(Number) : [16];
  console.log(`instructions per workload syscall (callgrind, ${fmt(cycles)} simulated cycles after a warm-up, seed 1, 4 CPUs, node ${INSN_V8_FLAGS.join(' ')}, median of ${reps} runs [each run])`);
  console.log('  threads  procedural  objects  ratio');
  for (const t of threads) {
    const p = insnPerSyscall('modules', t, cycles, reps);
    const o = insnPerSyscall('objects', t, cycles, reps);
    const each = (f: InsnFigure) => f.runs.map((r) => fmt(r)).join(' ');
    console.log(`  ${String(t).padStart(7)}  ${fmt(p.perSyscall).padStart(10)}  ${fmt(o.perSyscall).padStart(7)}  ${(p.perSyscall / o.perSyscall).toFixed(2)}   (${fmt(p.syscalls)}/${fmt(o.syscalls)} syscalls; procedural [${each(p)}], objects [${each(o)}])`);
  }
  console.log("  target: procedural <= 1.1x objects, each at most half of the figure before issue 14's second round (728k procedural, 357k objects)");
}
