// Instructions per workload syscall of both kernels, with the newest
// versions compare reaches (the machines of bench/speed.ts), counted under
// valgrind's callgrind: a count does not scatter with the machine's load the
// way wall time does.
//
// What is counted (kernel-run.ts): after a warm-up, the child starts a
// full collection, lets the machine run on while V8 recompiles what the
// collection deoptimized (5M cycles), and then counts a window of
// simulated cycles in the steady state between two full collections.
// callgrind dumps its counters at the child's markers (`process.cpuUsage()`,
// `--dump-before`), so the collection, the recovery after it and the window
// are counted apart, and boot and warm-up not at all. A run of the same
// machine outside callgrind (collection-rate.ts, 100M cycles) counts how
// often V8 starts a full collection of its own, and the second figure
// printed adds the collection and what its recovery cost beyond as many
// syscalls in the window, at that rate:
//
//   per syscall = window / syscalls
//               + (collection + recovery - recovery syscalls * window / syscalls)
//                 / (syscalls per collection)
//
// The window holds scavenges (young-generation collections) and whatever
// compilation V8 still does, but no full collection: one costs about 100M
// instructions here, an eighth of a 2M-cycle window, and V8 starts one
// every 30-50 thousand syscalls, so a window held none or one by chance of
// where it fell; the child checks that it held none.
//
// Until issue 14's sixth round every window ended with a forced full
// collection and began right after another: the one at the end counted a
// full collection every 7-8 thousand syscalls, three to five times V8's own
// rate, and the one at the start deoptimized code ("weak objects") whose
// recompilation fell in the window: about 215M instructions of TurboFan in
// the procedural window and 141M in the twin's, against 0-5 ms a window
// natively once warm. Both inflated the count; the first pulled the ratio
// toward 1 (the collection costs the two kernels about the same), the
// second away from it.
//
// V8 runs single-threaded (compilation and collection on the main thread,
// so callgrind sees them), with a young generation fixed at the 16 MB it
// grows to by default, a fixed heap-growing factor and no memory reducer.
// The factor lets the old generation grow 200% after a full collection
// before V8 starts the next (V8 chooses between 10% and 300% by itself):
// with 100% the next one came about 7M cycles after the forced one, inside
// the window.
// Until the fifth round it ran with `--predictable-gc-schedule`, which fixes
// the young generation at 4 MB, and the procedural count was bimodal: about
// 140k or about 200k instructions per syscall, nothing between. The cause
// is V8's allocation-site pretenuring: V8 allocates an object or array
// literal's objects in the old generation for good once, at the first
// scavenge that judges the literal, 85% or more of them survived. With
// 4 MB, disk requests (hw/disk.ts), the array of a wait queue
// (exec/thread.ts) and the module image a record write makes
// (kernel/store.ts) survive about 60-85% of scavenges, so the judgement
// falls either side of the line, and which side depends on when the
// collections come. Once one is tenured, what its objects point to survives
// every scavenge too: about 1.1 MB promoted a scavenge instead of 0.3, and
// twice the full collections. With 16 MB, as `npm run bench:speed` runs
// with V8's defaults, those literals survived under 40% in the runs traced,
// and were not tenured. `--small-young-gen` runs with a 4 MB young
// generation (`--predictable-gc-schedule`) as before, to see the two levels.
//
// Each kernel runs `--reps` times; the median is printed with every run,
// and if the runs fall into levels more than 10% apart, each level with its
// runs, since then the median says only which level most runs hit. Needs
// valgrind; about two minutes a run on a quiet machine.
// `npm run bench:insn-kernels -- [threads...] [--cycles N] [--settle N] [--reps N] [--small-young-gen]`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { steadyCount } from './callgrind-window.js';
import type { KernelKind } from '../compare/compare.js';
import { fmt, median } from '../compare/timing.js';

const child = fileURLToPath(new URL('./kernel-run.js', import.meta.url));
const rateChild = fileURLToPath(new URL('./collection-rate.js', import.meta.url));

/** The V8 flags of every measured run (see the top of the file for why not `--predictable-gc-schedule`). */
export const INSN_V8_FLAGS = ['--single-threaded', '--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', '--heap-growing-percent=200', '--no-memory-reducer'];

/** A 4 MB young generation as before issue 14's fifth round (`--small-young-gen`), which gave two levels. */
const SMALL_YOUNG_GEN_V8_FLAGS = ['--single-threaded', '--expose-gc', '--predictable-gc-schedule'];

export interface InsnFigure {
  /** Median instructions per syscall of the window over the runs, and each run's figure. */
  readonly perSyscall: number;
  readonly runs: readonly number[];
  readonly syscalls: number;
  /** Median instructions of a full collection, and of the recovery after it beyond what as many syscalls cost in the window. */
  readonly collection: number;
  readonly recovery: number;
}

/** V8's own full collections in a native run: how many, over how many syscalls. */
export interface CollectionRate {
  readonly majors: number;
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

/**
 * Instructions per syscall of a window of `cycles` simulated cycles of
 * `kind` at `threads` threads, and of a full collection and the `settle`
 * cycles of recovery after it (kernel-run.ts); `reps` runs.
 */
export function insnPerSyscall(kind: KernelKind, threads: number, cycles: number, reps = 2, v8Flags: readonly string[] = INSN_V8_FLAGS, settle = 5_000_000): InsnFigure {
  const runs: number[] = [];
  const collections: number[] = [];
  const recoveries: number[] = [];
  let syscalls = 0;
  for (let i = 0; i < reps; i++) {
    const c = steadyCount(child, [kind, String(threads), String(cycles), String(settle)], v8Flags);
    syscalls = c.syscalls;
    runs.push(c.perSyscall);
    collections.push(c.collection);
    recoveries.push(c.recovery);
  }
  return { perSyscall: median(runs), runs, syscalls, collection: median(collections), recovery: median(recoveries) };
}

/** How often V8 runs a full collection of its own in `kind`'s machine, natively, under `v8Flags`, over `cycles` cycles. */
export function collectionRate(kind: KernelKind, threads: number, v8Flags: readonly string[] = INSN_V8_FLAGS, cycles = 100_000_000): CollectionRate {
  const r = spawnSync(process.execPath, [...v8Flags, rateChild, kind, String(threads), String(cycles)], { encoding: 'utf8' });
  const m = /syscalls (\d+) majors (\d+)/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`collection-rate run failed:\n${r.stdout.slice(-500)}\n${r.stderr.slice(-500)}`);
  return { syscalls: Number(m[1]), majors: Number(m[2]) };
}

/** Instructions per syscall with V8's full collections at their native rate: the window's, plus a share of a collection and of the recovery after it. */
export function withCollections(f: InsnFigure, rate: CollectionRate): number {
  return f.perSyscall + ((f.collection + f.recovery) * rate.majors) / rate.syscalls;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name: string, fallback: number): number => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
  };
  const cycles = opt('--cycles', 2_000_000);
  const settle = opt('--settle', 5_000_000);
  const reps = opt('--reps', 2);
  const small = args.indexOf('--small-young-gen');
  if (small >= 0) args.splice(small, 1);
  const v8Flags = small >= 0 ? SMALL_YOUNG_GEN_V8_FLAGS : INSN_V8_FLAGS;
  const threads = args.length > 0 ? args.map(Number) : [16];
  console.log(`instructions per workload syscall (callgrind, ${fmt(cycles)} simulated cycles after a warm-up, a full collection and ${fmt(settle)} cycles of settling; seed 1, 4 CPUs, node ${v8Flags.join(' ')}; median of ${reps} runs [each run])`);
  console.log('  threads  procedural  objects  ratio');
  const split: string[] = [];
  for (const t of threads) {
    const p = insnPerSyscall('modules', t, cycles, reps, v8Flags, settle);
    const o = insnPerSyscall('objects', t, cycles, reps, v8Flags, settle);
    const pr = collectionRate('modules', t, v8Flags);
    const or = collectionRate('objects', t, v8Flags);
    const each = (f: InsnFigure) => f.runs.map((r) => fmt(r)).join(' ');
    const every = (r: CollectionRate) => (r.majors > 0 ? `one every ${fmt(r.syscalls / r.majors)}` : `none in ${fmt(r.syscalls)}`);
    const pw = withCollections(p, pr);
    const ow = withCollections(o, or);
    console.log(`  ${String(t).padStart(7)}  ${fmt(p.perSyscall).padStart(10)}  ${fmt(o.perSyscall).padStart(7)}  ${(p.perSyscall / o.perSyscall).toFixed(2)}   the window, no full collection in it (${fmt(p.syscalls)}/${fmt(o.syscalls)} syscalls; procedural [${each(p)}], objects [${each(o)}])`);
    console.log(`  ${String(t).padStart(7)}  ${fmt(pw).padStart(10)}  ${fmt(ow).padStart(7)}  ${(pw / ow).toFixed(2)}   with V8's full collections: ${fmt(p.collection / 1e6, 0)}M / ${fmt(o.collection / 1e6, 0)}M instructions each and ${fmt(p.recovery / 1e6, 0)}M / ${fmt(o.recovery / 1e6, 0)}M of recovery after one, ${every(pr)} / ${every(or)} syscalls natively`);
    for (const [name, f] of [['procedural', p], ['objects', o]] as const) {
      const ls = levels(f.runs);
      if (ls.length > 1) split.push(`  ${name} at ${t} threads: ${ls.length} levels, ${ls.map((l) => `${fmt(l.median)} (${l.runs} ${l.runs === 1 ? 'run' : 'runs'})`).join(', ')}`);
    }
  }
  if (split.length > 0) console.log(`runs more than 10% apart, so a median only says which level most runs hit:\n${split.join('\n')}`);
  console.log("  target: procedural <= 1.1x objects (the second line), each at most half of the figure before issue 14's second round (728k procedural, 357k objects)");
}
