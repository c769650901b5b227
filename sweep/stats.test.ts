// Statistics of a sweep's rows: outcome counts per group, quartiles over
// the updates that started (refusals have no figures), groups by any
// columns, and the same figures from rows merged in another order.

import { describe, expect, it } from 'vitest';
import type { SweepRow } from './rows.js';
import { groupStats } from './stats.js';

const row = (over: Partial<SweepRow>): SweepRow => ({
  seed: 1, cpus: 2, threads: 2, kernel: 'modules', strategy: 'default', step: 1, update: 'simplefs@1.1.0',
  outcome: 'committed', errno: null, used: 'per-task', lazy: false, requestedAt: 0,
  waitCycles: 1000, pauseWallUs: 50, heldCalls: 0, stoppedCycles: 0, syscallsDuring: 3, migrated: 0, pending: 0,
  ops: 10, failed: 0, wrong: 0, trace: 'x', wallMs: 1, ...over,
});
const refused = { outcome: 'refused', errno: 'EINVAL', used: null, lazy: null, waitCycles: null, pauseWallUs: null, heldCalls: null, stoppedCycles: null, syscallsDuring: null, migrated: null, pending: null } as const;

describe('group statistics', () => {
  const rows = [
    ...[1000, 2000, 3000, 4000, 5000].map((w, i) => row({ seed: i + 1, waitCycles: w, heldCalls: i })),
    row({ seed: 6, outcome: 'aborted', errno: 'EBUSY', waitCycles: 9000, stoppedCycles: 4000 }),
    row({ seed: 7, ...refused }),
    row({ seed: 1, step: 2, update: 'simplefs@1.2.0', ...refused }),
    row({ seed: 1, kernel: 'objects', used: 'hot-swap' }),
  ];

  it('count outcomes and take quartiles over the updates that started', () => {
    const [first, second, objects] = groupStats(rows);
    expect(first!.key).toEqual({ kernel: 'modules', strategy: 'default', step: 1 });
    expect(first!.update).toBe('simplefs@1.1.0');
    expect([first!.rows, first!.committed, first!.aborted, first!.refused]).toEqual([7, 5, 1, 1]);
    expect(first!.wait).toEqual({ q1: 2250, median: 3500, q3: 4750 });
    expect(first!.stopped!.q3).toBe(0);
    expect(first!.held!.median).toBe(1.5);
    expect(second!.wait).toBeNull();
    expect(second!.refused).toBe(1);
    expect(objects!.key.kernel).toBe('objects');
  });

  it('group by the columns asked for, and do not depend on the order of the rows', () => {
    const bySeed = groupStats(rows, ['seed']);
    expect(bySeed.map((g) => g.key.seed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(bySeed[0]!.rows).toBe(3);
    expect(bySeed[0]!.update).toBeNull();
    const sorted = (gs: ReturnType<typeof groupStats>) => [...gs].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
    expect(sorted(groupStats([...rows].reverse()))).toEqual(sorted(groupStats(rows)));
  });

  it('keep apart steps of the same number but another text (sweeps merged with other steps)', () => {
    expect(groupStats([row({}), row({ update: 'blkdev@1.1.0' })])).toHaveLength(2);
  });
});
