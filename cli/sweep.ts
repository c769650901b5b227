// `livemod sweep`: a matrix of runs (sweep/) from the command line. It runs
// the matrix on worker threads (progress on stderr when that is a
// terminal), or with --from reads the rows of earlier sweeps instead (to
// merge sweeps split by seed range); writes the rows with --csv and --json;
// and prints a summary and the statistics per group. It fails (exit 1) if a
// workload lost or failed an operation; aborts and refusals are results.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { err } from '../exec/errno.js';
import type { KernelKind } from '../compare/compare.js';
import { DEFAULT_MATRIX, KERNEL_KINDS, parseSeeds, parseSweepStep, type SweepMatrix } from '../sweep/matrix.js';
import { readRowsJson, rowsCsv, rowsJson, type SweepRow } from '../sweep/rows.js';
import { DEFAULT_GROUP, GROUP_COLUMNS, type GroupColumn, groupStats, type GroupStats, type Quartiles } from '../sweep/stats.js';
import { sweep } from '../sweep/sweep.js';
import { parseCount, table } from './format.js';
import { moduleSigOptions, requireSignedOption, trustedKeyOption, type TrustFlags } from './sign.js';

export interface SweepCliOptions extends TrustFlags {
  readonly seeds?: string;
  readonly cpuCounts?: string;
  readonly threads?: string;
  readonly kernels?: string;
  readonly strategies?: string;
  readonly steps?: string;
  readonly boot?: string;
  readonly warmup?: string;
  readonly gap?: string;
  readonly timeout?: string;
  readonly workers?: string;
  readonly csv?: string;
  readonly json?: string;
  readonly by?: string;
  readonly from?: readonly string[];
}

const list = (text: string) => text.split(',').map((w) => w.trim()).filter((w) => w !== '');

function integers(option: string, text: string, min: number, max: number): number[] {
  const xs = list(text).map(Number);
  if (xs.length === 0 || xs.some((n) => !Number.isInteger(n) || n < min || n > max)) throw err('EINVAL', `${option} must be integers in ${min}..${max}, comma-separated, got '${text}'`);
  return xs;
}

function oneOf<T extends string>(option: string, text: string, allowed: readonly T[]): T[] {
  const xs = list(text);
  const bad = xs.find((x) => !(allowed as readonly string[]).includes(x));
  if (bad !== undefined || xs.length === 0) throw err('EINVAL', `${option} must be some of ${allowed.join(', ')}, got '${bad ?? text}'`);
  return xs as T[];
}

/** The options that shape the matrix, with their flags. */
const MATRIX_OPTIONS = [
  ['seeds', '--seeds'], ['cpuCounts', '--cpu-counts'], ['threads', '--threads'], ['kernels', '--kernels'], ['strategies', '--strategies'],
  ['steps', '--steps'], ['boot', '--boot'], ['warmup', '--warmup'], ['gap', '--gap'], ['timeout', '--timeout'], ['workers', '--workers'],
  ['requireSigned', '--require-signed'], ['trustedKey', '--trusted-key'],
] as const satisfies readonly (readonly [keyof SweepCliOptions, string])[];

/** The matrix the options name, over the defaults (DEFAULT_MATRIX). */
export function matrixOf(o: SweepCliOptions): SweepMatrix {
  const steps = o.steps !== undefined ? list(o.steps) : DEFAULT_MATRIX.steps;
  for (const s of steps) parseSweepStep(s); // refuse a bad step before any run
  if (steps.length === 0) throw err('EINVAL', '--steps names no step', 'e.g. --steps simplefs@1.1.0,simplefs@1.2.0');
  const timeout = o.timeout !== undefined ? parseCount(o.timeout, '--timeout') : undefined;
  return {
    seeds: o.seeds !== undefined ? parseSeeds(o.seeds) : DEFAULT_MATRIX.seeds,
    cpus: o.cpuCounts !== undefined ? integers('--cpu-counts', o.cpuCounts, 1, 64) : DEFAULT_MATRIX.cpus,
    threads: o.threads !== undefined ? integers('--threads', o.threads, 1, 64) : DEFAULT_MATRIX.threads,
    kernels: o.kernels !== undefined ? oneOf<KernelKind>('--kernels', o.kernels, KERNEL_KINDS) : DEFAULT_MATRIX.kernels,
    strategies: o.strategies !== undefined ? list(o.strategies) : DEFAULT_MATRIX.strategies,
    steps,
    boot: o.boot !== undefined ? list(o.boot) : DEFAULT_MATRIX.boot,
    warmup: o.warmup !== undefined ? parseCount(o.warmup, '--warmup') : DEFAULT_MATRIX.warmup,
    gap: o.gap !== undefined ? parseCount(o.gap, '--gap') : DEFAULT_MATRIX.gap,
    ...(timeout !== undefined ? { timeout } : {}),
  };
}

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const q = (x: Quartiles | null) => (x ? `${n0(x.median)} [${n0(x.q1)}-${n0(x.q3)}]` : '-');

/** The statistics as table lines: the group's columns, then outcomes and `median [q1-q3]` of each measure. */
export function statsLines(groups: readonly GroupStats[], by: readonly GroupColumn[]): string[] {
  const head = by.map((c) => (c === 'step' ? 'step' : c));
  const rows = groups.map((g) => [
    ...by.map((c) => (c === 'step' ? `${g.key.step} ${g.update}` : String(g.key[c]))),
    `${g.committed}/${g.aborted}/${g.refused}`,
    q(g.wait),
    q(g.pause),
    q(g.held),
    q(g.stopped),
  ]);
  return table([...head, 'committed/aborted/refused', 'wait cycles', 'pause us', 'held calls', 'stopped cycles'], rows);
}

/** The runs of the rows (a run is one seed, CPU count, thread count, kernel and strategy). */
const runsOf = (rows: readonly SweepRow[]) => rows.filter((r) => r.step === 1);

/** Run `livemod sweep`; returns whether no workload failed an operation or lost a byte. */
export async function sweepCommand(o: SweepCliOptions, print: (line: string) => void, progress?: (line: string) => void): Promise<boolean> {
  const by = o.by !== undefined ? oneOf<GroupColumn>('--by', o.by, GROUP_COLUMNS) : DEFAULT_GROUP;
  const workers = o.workers !== undefined ? integers('--workers', o.workers, 1, 64)[0]! : undefined;
  let rows: SweepRow[];
  if (o.from?.length) {
    const matrixOptions = MATRIX_OPTIONS.filter(([key]) => o[key] !== undefined).map(([, flag]) => flag);
    if (matrixOptions.length) throw err('EINVAL', `--from reads rows of sweeps already run: ${matrixOptions.join(', ')} would not apply`, 'give --from alone, or run a sweep without it');
    rows = o.from.flatMap((f) => readRowsJson(f));
    print(`sweep: ${runsOf(rows).length} runs, ${rows.length} rows from ${o.from.join(', ')}`);
  } else {
    const m = matrixOf(o);
    const moduleSig = o.requireSigned || o.trustedKey ? moduleSigOptions(o) : undefined;
    const t0 = performance.now();
    const r = await sweep(m, workers, progress ? (done, total) => {
      const s = (performance.now() - t0) / 1000;
      progress(`sweep: ${done}/${total} runs, ${s.toFixed(1)} s, about ${((s / done) * (total - done)).toFixed(0)} s left`);
    } : undefined, moduleSig);
    rows = r.rows;
    const dims = `seeds ${o.seeds ?? m.seeds.join(',')}; ${r.matrix.cpus.join(',')} CPUs; ${r.matrix.threads.join(',')} threads; ${r.matrix.kernels.join(', ')}; strategies ${r.matrix.strategies.join(', ')}; ${m.steps.length} steps`;
    print(`sweep: ${r.runs} runs, ${rows.length} rows (${dims}) on ${r.workers} worker(s) in ${(r.wallMs / 1000).toFixed(1)} s`);
    for (const s of r.skipped) print(`  skipped, not offered by ${s.kernel} (it offers ${s.offers.join(', ')}): ${s.strategies.join(', ')}`);
  }
  const runs = runsOf(rows);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  const wrong = runs.reduce((n, r) => n + r.wrong, 0);
  print(`  workload: ${n0(runs.reduce((n, r) => n + r.ops, 0))} operations, ${failed} failed, ${wrong} files wrong`);
  if (o.csv) writeFileSync(o.csv, rowsCsv(rows));
  if (o.json) writeFileSync(o.json, rowsJson(rows));
  const written = [o.csv, o.json].filter((f) => f);
  if (written.length) print(`  rows written to ${written.join(' and ')}`);
  print('');
  for (const l of statsLines(groupStats(rows, by), by)) print(l);
  return failed === 0 && wrong === 0;
}

/** Add `sweep` to the program: its options and its action (exit code 1 if a workload failed). */
export function addSweepCommand(program: Command, print: (line: string) => void): void {
  const collect = (value: string, prev: string[] = []) => [...prev, value];
  program
    .command('sweep')
    .description('run a matrix of seeds, CPU counts, thread counts, kernels and strategies, each applying a sequence of update steps under the workload, on worker threads; rows as CSV/JSON, statistics per group')
    .option('--seeds <list>', 'seeds: N, N..M or N-M, comma-separated (default 1..4)')
    .option('--cpu-counts <list>', 'CPU counts, comma-separated (default 4)')
    .option('--threads <list>', 'workload thread counts, comma-separated (default 4)')
    .option('--kernels <list>', 'modules (the procedural kernel) and/or objects (the twin), comma-separated (default both)')
    .option('--strategies <list>', 'default (the plan picks), module, per-task, stop-machine, hot-swap, or all; one a kernel does not offer is skipped there (default: default)')
    .option('--steps <list>', "update steps applied in order in every run, comma-separated: 'a@1 b@2' (a group), 'revert a', with --lazy or --eager (default: compare's nine)")
    .option('--boot <specs>', 'what both kernels boot with, comma-separated NAME@VERSION (default blkdev@1.0.0,simplefs@1.0.0)')
    .option('--warmup <cycles>', 'cycles the workload runs before the first step (default 300k)')
    .option('--gap <cycles>', 'cycles it runs after each step ends (default 400k)')
    .option('--timeout <cycles>', 'quiescence timeout of each update (default: the updater\'s)')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--by <columns>', `group the statistics by these columns: ${GROUP_COLUMNS.join(', ')} (default ${DEFAULT_GROUP.join(',')})`)
    .option('--csv <file>', 'write every row as CSV')
    .option('--json <file>', 'write every row as JSON (schema livemod.sweep/1)')
    .option('--from <file>', 'read rows from a JSON file of an earlier sweep instead of running (repeat to merge sweeps)', collect)
    .addOption(requireSignedOption())
    .addOption(trustedKeyOption())
    .action(async (c: SweepCliOptions) => {
      const tty = process.stderr.isTTY;
      const ok = await sweepCommand(c, print, tty ? (line) => process.stderr.write(`\r${line}\x1b[K`) : undefined);
      if (tty) process.stderr.write('\r\x1b[K');
      process.exitCode = ok ? 0 : 1;
    });
}
