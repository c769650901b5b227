// The rows of a sweep as data: one row per update step of each run, its
// columns in a fixed order, and the two file forms. A CSV file has a header
// line; a JSON file is `{ schema, rows }`. Sweeps split by seed range merge
// by putting their rows together (the CSV files minus the later headers, or
// the JSON files through `livemod sweep --from`).

import { readFileSync } from 'node:fs';
import type { KernelKind } from '../compare/compare.js';
import { err } from '../exec/errno.js';

export const SWEEP_SCHEMA = 'livemod.sweep/1';

export type StepOutcome = 'committed' | 'aborted' | 'refused';

/**
 * One update step of one run. The columns from `ops` on are the run's (the
 * workload's verification after the last step, the trace hash, the wall
 * time of the whole run), the same on every row of a run. The update's own
 * columns are null when the plan refused it.
 */
export interface SweepRow {
  readonly seed: number;
  readonly cpus: number;
  readonly threads: number;
  readonly kernel: KernelKind;
  /** The strategy asked for (`default`: the plan's choice). */
  readonly strategy: string;
  /** 1-based position in the sequence of steps. */
  readonly step: number;
  /** The step's text (`simplefs@1.2.0`, `revert simplefs`, `simplefs@2.1.0 --lazy`). */
  readonly update: string;
  readonly outcome: StepOutcome;
  /** The errno of an abort or a refusal. */
  readonly errno: string | null;
  /** The strategy the update used (what `default` became; `hot-swap` on the twin). */
  readonly used: string | null;
  readonly lazy: boolean | null;
  /** Simulated time the step was requested at. */
  readonly requestedAt: number;
  readonly waitCycles: number | null;
  readonly pauseWallUs: number | null;
  readonly heldCalls: number | null;
  readonly stoppedCycles: number | null;
  readonly syscallsDuring: number | null;
  readonly migrated: number | null;
  readonly pending: number | null;
  /** Workload operations of the run, those that failed, and files whose bytes or listing were wrong at the end. */
  readonly ops: number;
  readonly failed: number;
  readonly wrong: number;
  readonly trace: string;
  readonly wallMs: number;
}

/** Every column, in file order. */
export const SWEEP_COLUMNS: readonly (keyof SweepRow)[] = [
  'seed', 'cpus', 'threads', 'kernel', 'strategy', 'step', 'update', 'outcome', 'errno', 'used', 'lazy', 'requestedAt',
  'waitCycles', 'pauseWallUs', 'heldCalls', 'stoppedCycles', 'syscallsDuring', 'migrated', 'pending',
  'ops', 'failed', 'wrong', 'trace', 'wallMs',
];

/** The columns measured on the wall clock: the only ones that differ between two sweeps of the same matrix. */
export const WALL_COLUMNS: readonly (keyof SweepRow)[] = ['pauseWallUs', 'wallMs'];

/** A row without its wall-clock columns: what two sweeps of the same matrix must agree on, whatever the workers. */
export function withoutWall(r: SweepRow): Partial<SweepRow> {
  return Object.fromEntries(Object.entries(r).filter(([c]) => !(WALL_COLUMNS as readonly string[]).includes(c)));
}

const cell = (v: SweepRow[keyof SweepRow]): string => {
  if (v === null) return '';
  const s = typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The rows as CSV, with a header line. */
export function rowsCsv(rows: readonly SweepRow[]): string {
  return [SWEEP_COLUMNS.join(','), ...rows.map((r) => SWEEP_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/** The rows as a JSON document of schema livemod.sweep/1, one row a line. */
export function rowsJson(rows: readonly SweepRow[]): string {
  const head = JSON.stringify({ schema: SWEEP_SCHEMA, columns: SWEEP_COLUMNS }).slice(0, -1);
  return `${head},"rows":[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}

/** The rows of a JSON file written by `rowsJson`; EINVAL (naming the file) if it is not one. */
export function readRowsJson(file: string): SweepRow[] {
  let doc: { schema?: unknown; rows?: unknown };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    throw err((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : 'EINVAL', `cannot read sweep rows from ${file}: ${e instanceof Error ? e.message : String(e)}`, 'give a file written by livemod sweep --json');
  }
  if (doc?.schema !== SWEEP_SCHEMA || !Array.isArray(doc.rows)) throw err('EINVAL', `${file} is not a sweep's rows (schema ${SWEEP_SCHEMA})`, 'give a file written by livemod sweep --json');
  return doc.rows as SweepRow[];
}
