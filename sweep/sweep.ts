// livemod sweep: run a matrix (matrix.ts) of independent, deterministic
// runs (run.ts) across the machine's cores through the worker pool
// (pool/pool.ts), and return every row in the matrix's order, whatever
// worker ran it. Before any run, each kernel is booted once to ask its
// updater which strategies it offers: a strategy a kernel does not offer
// (the twin has only hot-swap) makes no runs there and is reported as
// skipped, not as a failure; one that no kernel offers is an error.
// `all` stands for `default` and every strategy some kernel offers.

import { bootMounted, type KernelKind } from '../compare/compare.js';
import { checkModuleFiles } from '../catalog/trust.js';
import { err } from '../exec/errno.js';
import type { ModuleSigOptions } from '../kernel/modsig.js';
import { defaultWorkers, type PoolTask, runJobs } from '../pool/pool.js';
import { ALL_STRATEGIES, DEFAULT_STRATEGY, parseSweepStep, type SweepJob, sweepJobs, type SweepMatrix } from './matrix.js';
import type { SweepRow } from './rows.js';
import { runSweepJob } from './run.js';

/** The runs of a sweep, here or on worker threads (worker.ts serves runSweepJob). */
const SWEEP_TASK: PoolTask<SweepJob, SweepRow[]> = { worker: new URL('./worker.js', import.meta.url), run: runSweepJob };

export interface SweepResult {
  readonly rows: SweepRow[];
  readonly runs: number;
  /** Strategies asked for that a kernel does not offer: no runs there. */
  readonly skipped: readonly { kernel: KernelKind; strategies: readonly string[]; offers: readonly string[] }[];
  readonly workers: number;
  /** The matrix as run (`all` spelled out). */
  readonly matrix: SweepMatrix;
  readonly wallMs: number;
}

/**
 * Run every run of `m` on `workers` threads (default: one per core);
 * `progress` is told after each run. With `moduleSig`, the procedural
 * kernel's module files follow that signature policy, checked before the
 * first run.
 */
export async function sweep(m: SweepMatrix, workers = defaultWorkers(), progress?: (done: number, total: number) => void, moduleSig?: ModuleSigOptions): Promise<SweepResult> {
  const t0 = performance.now();
  if (moduleSig && m.kernels.includes('modules')) await checkModuleFiles(m.steps.flatMap((s) => parseSweepStep(s).step).filter((s) => s.kind !== 'revert').flatMap((s) => s.specs), moduleSig);
  const offers = new Map<KernelKind, readonly string[]>();
  for (const kernel of m.kernels) offers.set(kernel, (await bootMounted(kernel, m.boot, { seed: m.seeds[0] ?? 1, cpus: m.cpus[0] ?? 1 }, kernel === 'modules' ? moduleSig : undefined)).updater.strategies);
  if (m.strategies.includes(ALL_STRATEGIES)) m = { ...m, strategies: [DEFAULT_STRATEGY, ...new Set([...offers.values()].flat())] };
  const unknown = m.strategies.filter((s) => s !== DEFAULT_STRATEGY && ![...offers.values()].some((o) => o.includes(s)));
  if (unknown.length) {
    const all = [...new Set([...offers.values()].flat())];
    throw err('EINVAL', `no kernel of the sweep offers strategy ${unknown.join(', ')}`, `strategies: ${DEFAULT_STRATEGY}, ${all.join(', ')}`);
  }
  const skipped = m.kernels
    .map((kernel) => ({ kernel, strategies: m.strategies.filter((s) => s !== DEFAULT_STRATEGY && !offers.get(kernel)!.includes(s)), offers: offers.get(kernel)! }))
    .filter((s) => s.strategies.length > 0);
  const jobs = sweepJobs(m, (kernel) => offers.get(kernel)!, moduleSig);
  const perRun = await runJobs(SWEEP_TASK, jobs, workers, progress);
  return { rows: perRun.flat(), runs: jobs.length, matrix: m, skipped, workers: Math.max(1, Math.min(workers, jobs.length)), wallMs: performance.now() - t0 };
}
