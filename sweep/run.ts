// One run of a sweep: boot the kernel asked for with the run's seed and CPU
// count, mount simplefs on /mnt, start the verifying workload, let it run,
// then apply each update step in order through the kernel's UpdateService,
// running the machine until the step ends (and a gap after it). Last, stop
// the workload and check every byte it wrote. A run is a pure function of
// its job except for the wall-time columns, so it may run in any worker
// (worker.ts serves this function).

import { bootMounted } from '../compare/compare.js';
import { isKernelError } from '../exec/errno.js';
import type { UpdateOptions, UpdateRecord } from '../exec/lifecycle.js';
import { Workload } from '../user/workload.js';
import { DEFAULT_STRATEGY, parseSweepStep, type SweepJob } from './matrix.js';
import type { SweepRow } from './rows.js';

/** Cycles one step may run before the sweep gives up on the run (far beyond any update's timeout). */
const STEP_LIMIT = 200_000_000;

type RunColumns = 'ops' | 'failed' | 'wrong' | 'trace' | 'wallMs';

/** The row of one step, without the run's columns (known only at its end). */
function stepRow(j: SweepJob, step: number, update: string, requestedAt: number, r: UpdateRecord | null, errno: string | null): Omit<SweepRow, RunColumns> {
  return {
    seed: j.seed,
    cpus: j.cpus,
    threads: j.threads,
    kernel: j.kernel,
    strategy: j.strategy,
    step,
    update,
    outcome: r ? (r.outcome === 'committed' ? 'committed' : 'aborted') : 'refused',
    errno: r ? (r.error?.errno ?? null) : errno,
    used: r?.strategy ?? null,
    lazy: r?.lazy ?? null,
    requestedAt,
    waitCycles: r?.waitCycles ?? null,
    pauseWallUs: r?.pauseWallUs ?? null,
    heldCalls: r?.heldCalls ?? null,
    stoppedCycles: r?.stoppedCycles ?? null,
    syscallsDuring: r?.syscallsDuring ?? null,
    migrated: r?.migrated ?? null,
    pending: r?.pending ?? null,
  };
}

/** Run one job of a sweep; one row per step, in order. */
export async function runSweepJob(j: SweepJob): Promise<SweepRow[]> {
  const t0 = performance.now();
  const { k, updater } = await bootMounted(j.kernel, j.boot, { seed: j.seed, cpus: j.cpus }, j.moduleSig);
  const workload = new Workload(k, { threads: j.threads, seed: j.seed });
  workload.start();
  k.run(j.warmup);
  const rows: Omit<SweepRow, RunColumns>[] = [];
  for (const [i, text] of j.steps.entries()) {
    const { step, lazy } = parseSweepStep(text);
    const opts: UpdateOptions = {
      ...(j.strategy !== DEFAULT_STRATEGY ? { strategy: j.strategy } : {}),
      ...(lazy !== undefined ? { lazy } : {}),
      ...(j.timeout !== undefined ? { timeout: j.timeout } : {}),
    };
    const requestedAt = k.now;
    let record: UpdateRecord | null = null;
    let errno: string | null = null;
    try {
      record = (await updater.request(step, opts)).record;
    } catch (e) {
      if (!isKernelError(e)) throw e;
      errno = e.errno;
    }
    if (record && !k.runUntil(() => record.outcome !== 'running', STEP_LIMIT)) {
      throw new Error(`sweep: seed ${j.seed}, ${j.kernel}, ${j.strategy}: step ${i + 1} (${text}) still running after ${STEP_LIMIT} cycles`);
    }
    rows.push(stepRow(j, i + 1, text, requestedAt, record, errno));
    k.run(j.gap);
  }
  workload.stop();
  const report = workload.verify();
  const run = { ops: workload.ops, failed: workload.failed, wrong: report.mismatches.length, trace: k.machine.traceHash(), wallMs: performance.now() - t0 };
  return rows.map((r) => ({ ...r, ...run }));
}
