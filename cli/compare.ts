// `livemod compare`: runs the comparison (compare/compare.ts) and prints it
// as a side-by-side table, or with --json as its document
// (compare/document.ts, schema livemod.compare/2), from which the table is
// printed too; with --svg FILE, also draws its charts (charts/compare.ts):
// throughput around each update in FILE, the phases of every update in
// FILE's sibling -gantt.svg, each with its Vega-Lite spec beside it.

import type { CompareOptions, KernelResult } from '../compare/compare.js';
import { type CompareDocument, compareKernels } from '../compare/document.js';
import { writeCompareCharts } from './chart-files.js';
import { table } from './format.js';
import { checkOutputPath } from './output.js';

export interface CompareCliOptions {
  readonly seed: number;
  readonly cpus: number;
  readonly svg?: string;
  /** Print the document (livemod.compare/2) instead of the table. */
  readonly json?: boolean;
  /** Told of each kernel once it has booted (the tracer attaches here). */
  readonly onBoot?: CompareOptions['onBoot'];
}

/** The errno and the first clause of an error, for a table cell. */
const short = (e: string) => {
  const first = e.split(/[:(;]/).slice(0, 2).join(':').trim();
  return first.length > 64 ? `${first.slice(0, 61)}...` : first;
};
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);

/** The table, every figure taken from the document. */
export function compareReport(c: CompareDocument): string[] {
  const [p, o] = c.kernels;
  const lines: string[] = [];
  lines.push(`livemod compare: seed ${c.seed}, ${c.cpus} CPUs; the same workload and the same ${p.steps.length} updates on both kernels`);
  lines.push('');
  lines.push(
    ...table(
      ['', 'procedural (modules, stubs)', 'objects (K42 twin, object table)'],
      [
        ['syscalls per million simulated cycles', f1(p.syscallsPerMillionCycles), f1(o.syscallsPerMillionCycles)],
        ['syscalls per wall-clock second', f0(p.syscallsPerWallSecond), f0(o.syscallsPerWallSecond)],
        ['indirection: ns per call (direct call)', `${f1(c.indirection.procedural.viaNs)} (${f1(c.indirection.procedural.directNs)})`, `${f1(c.indirection.objects.viaNs)} (${f1(c.indirection.objects.directNs)})`],
        ['indirection: extra ns per call', f1(c.indirection.procedural.extraNs), f1(c.indirection.objects.extraNs)],
        ['workload operations, failed or lost', `${p.ops}, ${p.lost}`, `${o.ops}, ${o.lost}`],
        ['files and bytes verified', `${p.files}, ${p.bytes}`, `${o.files}, ${o.bytes}`],
        ['trace', p.trace, o.trace],
      ],
    ),
  );
  lines.push('');
  lines.push('each update: outcome; wait (cycles from start to switch); pause (wall us of the atomic section); calls held; lines its author wrote (transfer + adaptors)');
  const cell = (s: KernelResult['steps'][number]) => (s.outcome === 'refused' ? 'refused' : s.outcome === 'aborted' ? 'aborted' : `${f0(s.waitCycles)} / ${f0(s.pauseWallUs)} / ${s.heldCalls} / ${s.authorLines ?? '?'}`);
  lines.push(
    ...table(
      ['#', 'kind of change', 'update', 'procedural', 'objects'],
      p.steps.map((s, i) => [i + 1, s.kind, s.spec, cell(s), cell(o.steps[i]!)]),
    ),
  );
  lines.push('');
  lines.push('which kinds of change each kernel applied:');
  const can = (s: KernelResult['steps'][number]) => (s.outcome === 'committed' ? 'applied' : `${s.outcome}: ${short(s.error ?? '')}`);
  lines.push(...table(['kind of change', 'procedural', 'objects'], p.steps.map((s, i) => [s.kind, can(s), can(o.steps[i]!)])));
  return lines;
}

/** Run, print (the table or the document), draw; true when both kernels lost nothing. `progress` is told which part runs (one line, to be shown in place), then '' when the run is over. */
export async function compareCommand(opts: CompareCliOptions, print: (line: string) => void, progress?: (line: string) => void): Promise<boolean> {
  if (opts.svg) checkOutputPath(opts.svg); // before the run: a bad path should not cost the whole comparison
  const c = await compareKernels({
    seed: opts.seed,
    cpus: opts.cpus,
    ...(opts.onBoot ? { onBoot: opts.onBoot } : {}),
    ...(progress ? { progress: (done: number, total: number, what: string) => progress(`compare: ${done + 1}/${total}: ${what}`) } : {}),
  });
  progress?.(''); // the report starts on a clean line
  if (opts.json) print(JSON.stringify(c, null, 2));
  else for (const l of compareReport(c)) print(l);
  if (opts.svg) {
    const written = await writeCompareCharts(c, opts.svg);
    if (!opts.json) print(written);
  }
  return c.ok;
}
