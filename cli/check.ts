// `livemod check`: update-timing coverage (check/check.ts) from the command
// line. It checks the updates named, or with --histories every live update
// in the module histories, and prints per update the points found, the
// classes and the points run, Hayden's comparison per strategy, every
// failing point with the command that replays it alone, and the run-time
// phenomena (what differs from a cold restart). --json prints the reports
// as data instead (schema livemod.check/1). It fails (exit 1) if a real
// strategy has a failing point; the unsafe control is expected to; a wrong
// command line exits 2 (exit.ts).

import { readFileSync } from 'node:fs';
import { err } from '../exec/errno.js';
import { CHECK_STRATEGIES, check, type CheckReport, DEFAULT_CHECK_WORKLOAD, historyUpdates } from '../check/check.js';
import type { WorkloadShape } from '../check/scenario.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import type { Strategy } from '../updater/plan.js';
import { usage } from './exit.js';
import { table } from './format.js';

export interface CheckCliOptions {
  readonly seed: number;
  readonly cpus: number;
  readonly update: readonly string[];
  readonly histories: boolean;
  readonly boot?: readonly string[];
  readonly strategy: string;
  readonly workload: Partial<WorkloadShape>;
  /** A console script file to run as the workload instead of the verifying one. */
  readonly script?: string;
  readonly exhaustive: boolean;
  readonly point?: number;
  readonly workers?: number;
  /** The signature policy of the machines it boots (`--require-signed`, `--trusted-key`). */
  readonly moduleSig?: ModuleSigOptions;
  readonly json: boolean;
}

/** The strategies `--strategy` names: one, or `all` (the real ones and the unsafe control). */
export function strategiesOf(name: string): Strategy[] {
  if (name === 'all') return [...CHECK_STRATEGIES];
  if (!(CHECK_STRATEGIES as readonly string[]).includes(name)) throw usage(err('EINVAL', `--strategy must be one of ${CHECK_STRATEGIES.join(', ')} or all, got '${name}'`));
  return [name as Strategy];
}

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');

/** The report of one update as text lines. */
export function checkLines(r: CheckReport): string[] {
  const out: string[] = [];
  const minimised = r.points ? `${(100 * (1 - r.classes / r.points)).toFixed(0)}% fewer runs than points` : '';
  const workload = r.script ? `the script ${r.script}` : `${r.workload.threads} threads x ${r.workload.ops} operations`;
  out.push(`check ${r.update.join(' ')}: booted ${r.boot.join(' ')}; seed ${r.seed}, ${r.cpus} CPUs; ${workload}`);
  out.push(`  ${r.points} update points, ${r.classes} classes (${minimised}); ${r.pointsRun} point(s) run per strategy; ${(r.wallMs / 1000).toFixed(1)} s`);
  const rows = r.strategies.map((s) => [
    `${s.strategy}${s.control ? ' (control)' : ''}`,
    s.refused === s.runs ? 'refused' : `${s.failing.length} / ${s.runs}`,
    `${s.committed}/${s.aborted}`,
    s.committed ? `${n0(s.delay.median)} / ${n0(s.delay.worst)}` : '-',
    s.committed ? `${n0(s.heldCalls.median)} / ${n0(s.heldCalls.worst)}` : '-',
    s.committed ? `${n0(s.stoppedCycles.median)} / ${n0(s.stoppedCycles.worst)}` : '-',
  ]);
  for (const l of table(['strategy', 'failing points', 'committed/aborted', 'delay median / worst', 'held calls median / worst', 'stopped cycles median / worst'], rows)) out.push(`  ${l}`);
  const refused = r.strategies.filter((s) => s.refusal && s.refused === s.runs);
  const reasons = new Set(refused.map((s) => s.refusal));
  if (reasons.size === 1 && refused.length > 1) out.push(`  ${refused.map((s) => s.strategy).join(', ')}: refused by the plan: ${refused[0]!.refusal}`);
  else for (const s of refused) out.push(`  ${s.strategy}: refused by the plan: ${s.refusal}`);
  for (const s of r.strategies) {
    for (const f of s.failing.slice(0, 3)) {
      out.push(`  FAIL ${f.strategy} at step ${f.step} (t=${f.at}): ${f.reason}`);
      out.push(`    replay: ${f.replay}`);
    }
    if (s.failing.length > 3) out.push(`  ... and ${s.failing.length - 3} more failing point(s) with ${s.strategy}`);
  }
  for (const p of r.phenomena) out.push(`  phenomenon: ${p.name}, in ${p.runs} of ${p.of} committed runs: ${p.example}`);
  if (!r.restart.sameTree) out.push(`  the new versions booted cold end with another tree than the old ones: ${r.restart.differences.join('; ')}`);
  return out;
}

/** Run `livemod check`; returns whether no real strategy had a failing point. */
export async function checkCommand(o: CheckCliOptions, print: (line: string) => void, progress?: (line: string) => void): Promise<boolean> {
  if (o.histories && o.update.length > 0) throw usage(err('EINVAL', 'name updates or give --histories, not both'));
  const updates = o.histories ? await historyUpdates() : [o.update];
  if (updates.length === 0 || updates[0]!.length === 0) throw usage(err('EINVAL', 'check needs an update (NAME@VERSION...) or --histories', 'e.g. livemod check simplefs@1.2.0'));
  if (o.point !== undefined && o.histories) throw usage(err('EINVAL', '--point replays one point of one update: name the update'));
  const strategies = strategiesOf(o.strategy);
  if (o.script !== undefined && Object.keys(o.workload).length > 0) throw usage(err('EINVAL', '--workload runs a script instead of the verifying workload: leave out --threads, --files, --ops, --size and --think'));
  let script: { text: string; file: string } | null = null;
  if (o.script !== undefined) {
    try {
      script = { text: readFileSync(o.script, 'utf8'), file: o.script };
    } catch {
      throw usage(err('ENOENT', `cannot read the workload script ${o.script}`, 'check the path (relative to where livemod runs)'));
    }
  }
  const reports: CheckReport[] = [];
  for (const update of updates) {
    const r = await check({
      update,
      ...(o.boot ? { boot: o.boot } : {}),
      strategies,
      seed: o.seed,
      cpus: o.cpus,
      workload: { ...DEFAULT_CHECK_WORKLOAD, ...o.workload },
      ...(script ? { script } : {}),
      exhaustive: o.exhaustive,
      ...(o.point !== undefined ? { point: o.point } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.moduleSig ? { moduleSig: o.moduleSig } : {}),
      ...(progress ? { progress: (done: number, total: number) => progress(`check ${update.join(' ')}: ${done}/${total} runs`) } : {}),
    });
    reports.push(r);
    if (!o.json) {
      for (const l of checkLines(r)) print(l);
      print('');
    }
  }
  if (o.json) print(JSON.stringify(o.histories || reports.length > 1 ? reports : reports[0], null, 2));
  return reports.every((r) => r.strategies.every((s) => s.control || s.failing.length === 0));
}
