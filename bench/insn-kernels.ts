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
// warm-ups to the figure.)
//
// V8 runs single-threaded, with a young generation fixed at the 16 MB it
// grows to by default, a fixed heap-growing factor and no memory reducer.
// A mark-compact costs about 200M instructions here, a quarter of a
// 2M-cycle window, and V8 starts one about every 3M cycles, so a window
// held none or one by chance of where it fell: the child now starts the
// window from a collected heap and ends it with a full collection
// (kernel-run.ts), and the heap may grow 100% before V8 starts one of its
// own, so each window holds exactly one mark-compact (checked with
// `--trace-gc` at 4, 16 and 64 threads, both kernels).
//
// Until issue 14's fifth round V8 ran with `--predictable-gc-schedule`,
// which fixes the young generation at 4 MB, and the procedural count was
// bimodal: about 140k or about 200k instructions per syscall, nothing
// between. The cause is V8's allocation-site pretenuring: V8 allocates an
// object or array literal's objects in the old generation for good once,
// at the first scavenge that judges the literal, 85% or more of them
// survived. With 4 MB, disk requests (hw/disk.ts), the array of a wait
// queue (exec/thread.ts) and the module image a record write makes
// (kernel/store.ts) survive about 60-85% of scavenges, so the judgement
// falls either side of the line, and which side depends on when the
// collections come, which varies from run to run (two runs of one build
// parted at their first mark-compact; V8 paces incremental marking partly
// by the clock, and under callgrind the program runs many times slower
// against it). Once one is tenured, what its objects point to survives
// every scavenge too: about 1.1 MB promoted a scavenge instead of 0.3, and
// twice the mark-compacts. With 16 MB, as `npm run bench:speed` runs with
// V8's defaults, those literals survived under 40% in the runs traced, and
// were not tenured. `--small-young-gen` runs with a 4 MB young generation
// (`--predictable-gc-schedule`) as before, to see the two levels.
//
// Each kernel runs `--reps` times; the median is printed with every run,
// and if the runs fall into levels more than 10% apart, each level with its
// runs, since then the median says only which level most runs hit. Needs
// valgrind; about a minute and a half a run on a quiet machine.
// `npm run bench:insn-kernels -- [threads...] [--cycles N] [--reps N] [--small-young-gen]`.

import { fileURLToPath } from 'node:url';
import { windowInstructions } from './callgrind-window.js';
import type { KernelKind } from '../compare/compare.js';
import { fmt, median } from '../compare/timing.js';

const child = fileURLToPath(new URL('./kernel-run.js', import.meta.url));

/** The V8 flags of every measured run (see the top of the file for why not `--predictable-gc-schedule`). */
export const INSN_V8_FLAGS = ['--single-threaded', '--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', '--heap-growing-percent=100', '--no-memory-reducer'];

/** A 4 MB young generation as before issue 14's fifth round (`--small-young-gen`), which gave two levels. */
const SMALL_YOUNG_GEN_V8_FLAGS = ['--single-threaded', '--expose-gc', '--predictable-gc-schedule'];

export interface InsnFigure {
  /** Median instructions per syscall over the runs, and each run's figure. */
  readonly perSyscall: number;
  readonly runs: readonly number[];
  readonly syscalls: number;
}

/** A level of runs: their median and how many there were. */
export interface InsnLevel {
  readonly median: number;
  readonly runs: number;
}

/**
 * The runs grouped into levels, lowest first: sorted, a run more than
 * `gap` (a ratio) above the one before starts a new level. One level when
 * the runs agree.
 */
export function levels(runs: readonly number[], gap = 1.1): InsnLevel[] {
  const groups: number[][] = [];
  for (const r of [...runs].sort((a, b) => a - b)) {
    const last = groups[groups.length - 1];
    if (last && r <= last[last.length - 1]! * gap) last.push(r);
    else groups.push([r]);
  }
  return groups.map((g) => ({ median: median(g), runs: g.length }));
}

/** Instructions per syscall of `cycles` simulated cycles of `kind` at `threads` threads, `reps` runs. */
export function insnPerSyscall(kind: KernelKind, threads: number, cycles: number, reps = 2, v8Flags: readonly string[] = INSN_V8_FLAGS): InsnFigure {
  const runs: number[] = [];
  let syscalls = 0;
  for (let i = 0; i < reps; i++) {
    const w = windowInstructions(child, [kind, String(threads), String(cycles)], v8Flags);
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
  const reps = opt('--reps', 2);
  const small = args.indexOf('--small-young-gen');
  if (small >= 0) args.splice(small, 1);
  const v8Flags = small >= 0 ? SMALL_YOUNG_GEN_V8_FLAGS : INSN_V8_FLAGS;
  const threads = args.length > 0 ? args.map(Number) : [16];
  console.log(`instructions per workload syscall (callgrind, ${fmt(cycles)} simulated cycles after a warm-up, seed 1, 4 CPUs, node ${v8Flags.join(' ')}, median of ${reps} runs [each run])`);
  console.log('  threads  procedural  objects  ratio');
  const split: string[] = [];
  for (const t of threads) {
    const p = insnPerSyscall('modules', t, cycles, reps, v8Flags);
    const o = insnPerSyscall('objects', t, cycles, reps, v8Flags);
    const each = (f: InsnFigure) => f.runs.map((r) => fmt(r)).join(' ');
    console.log(`  ${String(t).padStart(7)}  ${fmt(p.perSyscall).padStart(10)}  ${fmt(o.perSyscall).padStart(7)}  ${(p.perSyscall / o.perSyscall).toFixed(2)}   (${fmt(p.syscalls)}/${fmt(o.syscalls)} syscalls; procedural [${each(p)}], objects [${each(o)}])`);
    for (const [name, f] of [['procedural', p], ['objects', o]] as const) {
      const ls = levels(f.runs);
      if (ls.length > 1) split.push(`  ${name} at ${t} threads: ${ls.length} levels, ${ls.map((l) => `${fmt(l.median)} (${l.runs} ${l.runs === 1 ? 'run' : 'runs'})`).join(', ')}`);
    }
  }
  if (split.length > 0) console.log(`runs more than 10% apart, so a median only says which level most runs hit:\n${split.join('\n')}`);
  console.log("  target: procedural <= 1.1x objects, each at most half of the figure before issue 14's second round (728k procedural, 357k objects)");
}
