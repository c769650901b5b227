// livemod check: update-timing coverage. Run a workload once, record every
// step boundary at which an update could be requested (points.ts), keep one
// point per class of what a strategy can see there, then replay the run to
// each kept point, request the update with each strategy, run to the end and
// check (scenario.ts):
//   - the workload's own model: no operation failed, every byte and listing
//     is what it wrote, no oops;
//   - the same as no update: the final tree equals that of the run without it;
//   - the same as a restart: the facts (tree, versions, record schemas,
//     records left behind, adaptors, free space) are compared with a cold
//     boot of the new versions after the same workload; what differs is a
//     run-time phenomenon, reported by name.
// Hayden's comparison follows per strategy: failing points (the real
// strategies must have none; the unsafe control shows that a failure can be
// seen), and the update delay, calls held and cycles stopped.

import { catalog, catalogDefs, loadModuleDef } from '../catalog/catalog.js';
import { DEFAULT_MODULES } from '../catalog/boot.js';
import { bootWithModules } from '../catalog/boot.js';
import { checkModuleFiles } from '../catalog/trust.js';
import { compareSemver } from '../kernel/moddef.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import { STRATEGIES, type Strategy } from '../updater/plan.js';
import { classesOf, type PointClass, recordPoints, type UpdatePoint } from './points.js';
import { defaultWorkers, type PoolTask, runJobs } from '../pool/pool.js';
import type { Facts } from './facts.js';
import { type Job, runJob, type RunOutcome, type Scenario, type WorkloadShape } from './scenario.js';

/** The runs of a check, here or on worker threads (worker.ts serves runJob). */
const CHECK_TASK: PoolTask<Job, RunOutcome> = { worker: new URL('./worker.js', import.meta.url), run: runJob };

export const CHECK_SCHEMA = 'livemod.check/1';

/** The real strategies, then the unsafe control. */
export const CHECK_STRATEGIES: readonly Strategy[] = [...STRATEGIES, 'unsafe'];

export const DEFAULT_CHECK_WORKLOAD: WorkloadShape = { threads: 3, files: 4, ops: 12, maxSize: 3000, think: 2000 };

export interface CheckOptions {
  readonly update: readonly string[];
  /** Module specs to boot with; by default the versions the update takes over from, and the newest others that load with them. */
  readonly boot?: readonly string[];
  readonly strategies: readonly Strategy[];
  readonly seed: number;
  readonly cpus: number;
  readonly workload: WorkloadShape;
  /** A console script to run as the workload instead, and the file it came from (for the replay command). */
  readonly script?: { readonly text: string; readonly file: string };
  /** Run every point, not one per class. */
  readonly exhaustive?: boolean;
  /** Run only this point (a replay). */
  readonly point?: number;
  readonly workers?: number;
  /** The signature policy of every machine the check boots (`--require-signed`, `--trusted-key`). */
  readonly moduleSig?: ModuleSigOptions;
  readonly progress?: (done: number, total: number) => void;
}

/** One point that failed, with the command that replays it alone. */
export interface Failure {
  readonly strategy: Strategy;
  readonly step: number;
  readonly at: number;
  /** What differed first. */
  readonly reason: string;
  readonly replay: string;
}

export interface StrategyReport {
  readonly strategy: Strategy;
  readonly control: boolean;
  readonly runs: number;
  readonly committed: number;
  readonly aborted: number;
  readonly refused: number;
  /** Why the plan refused it (the same at every point). */
  readonly refusal: string | null;
  readonly failing: readonly Failure[];
  /** Cycles from request to switch over committed runs. */
  readonly delay: { readonly median: number; readonly worst: number };
  readonly heldCalls: { readonly median: number; readonly worst: number };
  readonly stoppedCycles: { readonly median: number; readonly worst: number };
}

export interface Phenomenon {
  /** What differs from a cold restart. */
  readonly name: string;
  /** In how many committed runs that passed the checks, of how many. */
  readonly runs: number;
  readonly of: number;
  readonly example: string;
}

export interface CheckReport {
  readonly schema: typeof CHECK_SCHEMA;
  readonly update: readonly string[];
  readonly boot: readonly string[];
  readonly seed: number;
  readonly cpus: number;
  readonly workload: WorkloadShape;
  /** The script run as the workload, if one was (its file), instead of the verifying workload. */
  readonly script: string | null;
  /** Step boundaries found while the workload ran, and their classes. */
  readonly points: number;
  readonly classes: number;
  /** Points run per strategy. */
  readonly pointsRun: number;
  readonly strategies: readonly StrategyReport[];
  readonly phenomena: readonly Phenomenon[];
  /** How the cold restart of the new versions compares with the run with no update. */
  readonly restart: { readonly sameTree: boolean; readonly differences: readonly string[] };
  readonly wallMs: number;
}

/** The newest version of `name` that `spec`'s version takes over from (its upgrade.from), or null. */
async function predecessor(spec: string): Promise<string | null> {
  const { def } = await loadModuleDef(spec);
  const from = def.upgrade?.from ?? [];
  const known = catalog().get(def.name) ?? [];
  const ok = known.filter((v) => from.includes(v)).sort(compareSemver);
  return ok.length ? `${def.name}@${ok.at(-1)}` : null;
}

/**
 * The machine to boot for an update: the default modules, each updated one
 * at the newest version its new version takes over from, each other one at
 * its newest version that loads with those before it.
 */
export async function bootFor(update: readonly string[]): Promise<string[]> {
  const fixed = new Map<string, string>();
  for (const spec of update) {
    const prev = await predecessor(spec);
    if (prev) fixed.set(prev.slice(0, prev.indexOf('@')), prev);
  }
  const out: string[] = [];
  for (const name of DEFAULT_MODULES) {
    const want = fixed.get(name);
    if (want) {
      out.push(want);
      continue;
    }
    const versions = [...(catalog().get(name) ?? [])].sort(compareSemver).reverse();
    let chosen: string | null = null;
    for (const v of versions) {
      try {
        await bootWithModules([...out, `${name}@${v}`]);
        chosen = `${name}@${v}`;
        break;
      } catch {
        // this version does not load with the others: try an older one
      }
    }
    if (chosen) out.push(chosen);
  }
  return out;
}

/** Every live update in the module histories: each version that declares what it takes over from. */
export async function historyUpdates(): Promise<string[][]> {
  const out: string[][] = [];
  for (const [name, defs] of await catalogDefs()) {
    for (const d of defs) if (d.upgrade?.from?.length) out.push([`${name}@${d.version}`]);
  }
  return out;
}

const median = (xs: readonly number[]) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};
const spread = (xs: readonly number[]) => ({ median: median(xs), worst: xs.length ? Math.max(...xs) : 0 });

/** Why a run fails the checks, or null: the workload's model first, then the run with no update. */
export function judge(r: RunOutcome, baseline: RunOutcome): string | null {
  if (r.failed > 0) return `operation failed: ${r.firstFailure}`;
  if (r.mismatches.length > 0) return `file differs from what was written: ${r.mismatches[0]}`;
  if (r.oopses > baseline.oopses) return `${r.oopses - baseline.oopses} oops(es) in module code`;
  const said = firstTreeDifference(r.transcript, baseline.transcript);
  if (said) return `the script's output differs from the run with no update: ${said}`;
  if (r.scripted) return null; // a script's tree may depend on timing; what it printed was compared above
  const diff = firstTreeDifference(r.facts.tree, baseline.facts.tree);
  if (diff) return `final tree differs from the run with no update: ${diff}`;
  return null;
}

function firstTreeDifference(a: readonly string[], b: readonly string[]): string | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `${a[i] ?? '(nothing)'} where the other has ${b[i] ?? '(nothing)'}`;
  }
  return null;
}

/** What differs between a committed run and a cold restart of the new versions, by name. */
export function phenomenaOf(run: Facts, cold: Facts): { name: string; example: string }[] {
  const out: { name: string; example: string }[] = [];
  const diff = (name: string, a: readonly string[], b: readonly string[]) => {
    if (a.join('\n') !== b.join('\n')) out.push({ name, example: `${a.filter((x) => !b.includes(x)).join(', ') || '-'} (restart: ${b.filter((x) => !a.includes(x)).join(', ') || '-'})` });
  };
  diff('final tree differs from a restart', run.tree, cold.tree);
  diff('module versions differ from a restart', run.versions, cold.versions);
  diff('record schemas differ from a restart', run.schemas, cold.schemas);
  if (run.behind.length > 0) out.push({ name: 'records left at an older schema (lazy migration)', example: run.behind.join(', ') });
  diff('adaptor slots differ from a restart', run.adaptors, cold.adaptors);
  if (run.space !== cold.space) out.push({ name: 'free space differs from a restart', example: `${run.space ?? 'no statfs'} (restart: ${cold.space ?? 'no statfs'})` });
  return out;
}

/** The command that replays one point alone. */
function replayCommand(o: CheckOptions, boot: readonly string[], strategy: Strategy, step: number): string {
  const w = o.workload;
  const workload = o.script ? `--workload ${o.script.file}` : `--threads ${w.threads} --files ${w.files} --ops ${w.ops} --size ${w.maxSize} --think ${w.think}`;
  const sig = o.moduleSig;
  const trust = `${sig?.required ? ' --require-signed' : ''}${(sig?.trustedKeys ?? []).map((t) => ` --trusted-key ${t.file}`).join('')}`;
  return `livemod --seed ${o.seed} --cpus ${o.cpus} check ${o.update.join(' ')} --boot ${boot.join(',')} ${workload} --strategy ${strategy} --point ${step}${trust}`;
}


export async function check(o: CheckOptions): Promise<CheckReport> {
  const t0 = performance.now();
  if (o.moduleSig) await checkModuleFiles(o.update, o.moduleSig); // one refusal, not one failing run per point
  const boot = o.boot ? [...o.boot] : await bootFor(o.update);
  const scenario: Scenario = { seed: o.seed, cpus: o.cpus, boot, update: o.update, workload: o.workload, ...(o.script ? { script: o.script.text } : {}), ...(o.moduleSig ? { moduleSig: o.moduleSig } : {}) };
  const { points, baseline } = await recordPoints(scenario);
  const classes: PointClass[] = classesOf(points);
  let chosen: UpdatePoint[];
  if (o.point !== undefined) chosen = [points.find((p) => p.step === o.point) ?? { step: o.point, at: -1, signature: '(not a recorded point)' }];
  else chosen = o.exhaustive ? points : classes.map((c) => c.representative);

  // The restart oracle: the new versions booted cold, given the same workload.
  const coldBoot = boot.map((spec) => o.update.find((u) => u.startsWith(`${spec.slice(0, spec.indexOf('@'))}@`)) ?? spec);
  const jobs: Job[] = [{ scenario: { ...scenario, boot: coldBoot }, request: null }];
  for (const strategy of o.strategies) for (const p of chosen) jobs.push({ scenario, request: { step: p.step, strategy } });
  const outcomes = await runJobs(CHECK_TASK, jobs, o.workers ?? defaultWorkers(), o.progress);
  const cold = outcomes[0]!;

  const phenomena = new Map<string, { runs: number; example: string }>();
  let committedRuns = 0;
  const strategies: StrategyReport[] = o.strategies.map((strategy, si) => {
    const runs = outcomes.slice(1 + si * chosen.length, 1 + (si + 1) * chosen.length);
    const failing: Failure[] = [];
    runs.forEach((r, i) => {
      const p = chosen[i]!;
      const reason = judge(r, baseline);
      if (reason) failing.push({ strategy, step: p.step, at: r.requestedAt ?? p.at, reason, replay: replayCommand(o, boot, strategy, p.step) });
      // Phenomena are what a correct update leaves different from a restart: over the runs that passed.
      if (r.update === 'committed' && !reason) {
        committedRuns++;
        for (const ph of phenomenaOf(r.facts, cold.facts)) {
          if (r.scripted && (ph.name.startsWith('final tree') || ph.name.startsWith('free space'))) continue; // timing decides these for a script
          const seen = phenomena.get(ph.name);
          if (seen) seen.runs++;
          else phenomena.set(ph.name, { runs: 1, example: ph.example });
        }
      }
    });
    const committed = runs.filter((r) => r.update === 'committed');
    return {
      strategy,
      control: strategy === 'unsafe',
      runs: runs.length,
      committed: committed.length,
      aborted: runs.filter((r) => r.update === 'aborted').length,
      refused: runs.filter((r) => r.update === 'refused').length,
      refusal: runs.find((r) => r.update === 'refused')?.error ?? null,
      failing,
      delay: spread(committed.map((r) => r.delay)),
      heldCalls: spread(committed.map((r) => r.heldCalls)),
      stoppedCycles: spread(committed.map((r) => r.stoppedCycles)),
    };
  });
  const restartDiff = baseline.scripted ? [] : phenomenaOf(baseline.facts, cold.facts).filter((p) => p.name.startsWith('final tree'));
  return {
    schema: CHECK_SCHEMA,
    update: o.update,
    boot,
    seed: o.seed,
    cpus: o.cpus,
    workload: o.workload,
    script: o.script?.file ?? null,
    points: points.length,
    classes: classes.length,
    pointsRun: chosen.length,
    strategies,
    phenomena: [...phenomena].map(([name, p]) => ({ name, runs: p.runs, of: committedRuns, example: p.example })),
    restart: { sameTree: restartDiff.length === 0, differences: restartDiff.map((d) => d.example) },
    wallMs: performance.now() - t0,
  };
}
