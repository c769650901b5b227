// Aggregate statistics of a sweep's rows, per group (by default kernel x
// strategy x step): how many steps committed, aborted or were refused, and
// the quartiles of wait, pause, held calls and stopped cycles over the
// updates that started, committed or aborted (an abort costs too: a
// stop-machine that gives up has stopped every CPU and waited; a refusal
// costs nothing and has no figures). Rows merged from several sweeps give
// the same statistics as one sweep over them all.

import { quartiles } from '../compare/timing.js';
import type { SweepRow } from './rows.js';

/** Columns a sweep can be grouped by (`step` also keeps the step's text). */
export const GROUP_COLUMNS = ['seed', 'cpus', 'threads', 'kernel', 'strategy', 'step'] as const;
export type GroupColumn = (typeof GROUP_COLUMNS)[number];
export const DEFAULT_GROUP: readonly GroupColumn[] = ['kernel', 'strategy', 'step'];

/** 25th, 50th and 75th percentile. */
export interface Quartiles {
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
}

export interface GroupStats {
  /** The group's value of each grouping column, in the order asked for. */
  readonly key: Readonly<Partial<Record<GroupColumn, string | number>>>;
  /** The step's text, when grouped by step. */
  readonly update: string | null;
  readonly rows: number;
  readonly committed: number;
  readonly aborted: number;
  readonly refused: number;
  /** Over the rows that started (committed or aborted); null when all were refused. */
  readonly wait: Quartiles | null;
  readonly pause: Quartiles | null;
  readonly held: Quartiles | null;
  readonly stopped: Quartiles | null;
}

function spread(xs: readonly number[]): Quartiles | null {
  if (xs.length === 0) return null;
  const [q1, median, q3] = quartiles(xs);
  return { q1, median, q3 };
}

/** Statistics per group, groups in the order their first row appears. */
export function groupStats(rows: readonly SweepRow[], by: readonly GroupColumn[] = DEFAULT_GROUP): GroupStats[] {
  const groups = new Map<string, SweepRow[]>();
  for (const r of rows) {
    const id = JSON.stringify(by.map((c) => (c === 'step' ? `${r.step} ${r.update}` : r[c])));
    const g = groups.get(id);
    if (g) g.push(r);
    else groups.set(id, [r]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0]!;
    const started = g.filter((r) => r.outcome !== 'refused');
    const of = (c: 'waitCycles' | 'pauseWallUs' | 'heldCalls' | 'stoppedCycles') => spread(started.map((r) => r[c]!));
    return {
      key: Object.fromEntries(by.map((c) => [c, first[c]])),
      update: by.includes('step') ? first.update : null,
      rows: g.length,
      committed: g.filter((r) => r.outcome === 'committed').length,
      aborted: g.filter((r) => r.outcome === 'aborted').length,
      refused: g.filter((r) => r.outcome === 'refused').length,
      wait: of('waitCycles'),
      pause: of('pauseWallUs'),
      held: of('heldCalls'),
      stopped: of('stoppedCycles'),
    };
  });
}
