// One run of a sweep on each kernel: a row per step in order, the update's
// figures from its record (none for a refusal), the workload's verification
// on every row, and the same rows again (but for wall time) from the same job.

import { describe, expect, it } from 'vitest';
import type { SweepJob } from './matrix.js';
import { withoutWall } from './rows.js';
import { runSweepJob } from './run.js';

const job = (over: Partial<SweepJob>): SweepJob => ({
  seed: 5, cpus: 2, threads: 2, kernel: 'modules', strategy: 'default',
  steps: ['simplefs@1.1.0', 'simplefs@1.2.0', 'simplefs@3.0.0', 'revert simplefs'],
  boot: ['blkdev@1.0.0', 'simplefs@1.0.0'], warmup: 100_000, gap: 100_000, ...over,
});

describe('a sweep run', () => {
  it('gives a row per step on the procedural kernel, deterministically', async () => {
    const rows = await runSweepJob(job({}));
    expect(rows.map((r) => `${r.step} ${r.update} ${r.outcome} ${r.used ?? r.errno}`)).toEqual([
      '1 simplefs@1.1.0 committed per-task',
      '2 simplefs@1.2.0 committed module',
      '3 simplefs@3.0.0 refused EINVAL',
      '4 revert simplefs committed module',
    ]);
    const [code, state, layout] = rows;
    expect(code!.waitCycles).toBeGreaterThan(0);
    expect(state!.heldCalls).toBeGreaterThan(0);
    expect(state!.requestedAt).toBeGreaterThan(code!.requestedAt);
    expect(layout!.waitCycles).toBeNull();
    expect(new Set(rows.map((r) => `${r.ops} ${r.failed} ${r.wrong} ${r.trace}`)).size).toBe(1);
    expect(code!.ops).toBeGreaterThan(0);
    expect(code!.failed + code!.wrong).toBe(0);
    expect((await runSweepJob(job({}))).map(withoutWall)).toEqual(rows.map(withoutWall));
  });

  it('runs the twin by hot-swap, and a strategy the plan cannot use is a refusal, not an error', async () => {
    const twin = await runSweepJob(job({ kernel: 'objects', steps: ['simplefs@1.1.0', 'simplefs@1.2.0 --lazy'] }));
    expect(twin.map((r) => `${r.outcome} ${r.used} ${r.lazy}`)).toEqual(['committed hot-swap false', 'committed hot-swap true']);
    const perTask = await runSweepJob(job({ strategy: 'per-task', steps: ['simplefs@1.1.0', 'simplefs@1.2.0'] }));
    expect(perTask.map((r) => `${r.outcome} ${r.errno}`)).toEqual(['committed null', 'refused EINVAL']);
  });
});
