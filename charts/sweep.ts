// The chart of a sweep's rows (`livemod chart sweep`): how wait and pause
// spread across the seeds, per update step and per kernel and strategy, as
// box plots, beside how often each step committed, aborted or was refused
// (a refused step has no wait or pause; an aborted one has both, as the
// sweep's statistics count them). The rows are those `livemod sweep --json`
// writes (schema livemod.sweep/1); only the columns below are read, so this
// chart does not depend on the sweep's code.

import type { FacetedUnitSpec } from 'vega-lite/types_unstable/spec/unit.js';
import { BASE_CONFIG, type ChartSpec, VEGA_LITE_SCHEMA } from './spec.js';

export const SWEEP_ROWS_SCHEMA = 'livemod.sweep/1';

/** The columns of a sweep row this chart reads. */
export interface SweepChartRow {
  readonly seed: number;
  readonly kernel: string;
  /** The strategy asked for (`default`: the plan's choice). */
  readonly strategy: string;
  /** 1-based position in the sequence of steps. */
  readonly step: number;
  /** The step's text. */
  readonly update: string;
  readonly outcome: string;
  readonly waitCycles: number | null;
  readonly pauseWallUs: number | null;
}

/** Where `row` lacks a column of SweepChartRow or has one of the wrong type (empty when it has them all). */
export function sweepRowProblems(row: unknown): string[] {
  if (typeof row !== 'object' || row === null) return ['not an object'];
  const r = row as Record<string, unknown>;
  const want: [keyof SweepChartRow, string, boolean][] = [
    ['seed', 'number', false], ['kernel', 'string', false], ['strategy', 'string', false], ['step', 'number', false],
    ['update', 'string', false], ['outcome', 'string', false], ['waitCycles', 'number', true], ['pauseWallUs', 'number', true],
  ];
  return want.filter(([c, type, nullable]) => !(typeof r[c] === type || (nullable && r[c] === null))).map(([c, type, nullable]) => `${c} is not a ${type}${nullable ? ' or null' : ''}`);
}

const OUTCOME_COLORS = { domain: ['committed', 'aborted', 'refused'], range: ['#54a24b', '#e45756', '#bab0ac'] };
/** Shades of each kernel's colour in the compare charts (blue: procedural, orange: the twin), one per strategy. */
const SHADES: Record<string, readonly string[]> = { modules: ['#1f6fb4', '#6baed6', '#08306b', '#9ecae1'], objects: ['#e3761b', '#fdae6b', '#a63603', '#fdd0a2'] };
const OTHER = ['#54a24b', '#b279a2', '#9d755d', '#bab0ac'];

/** 0 and the powers of ten up to `max`: ticks a symmetric-log axis can be read by. */
const decades = (max: number) => [0, ...Array.from({ length: Math.max(1, Math.ceil(Math.log10(Math.max(max, 1)))) + 1 }, (_, i) => 10 ** i)];

/** Box plots of wait and pause across seeds, a row of panels per step, a box per kernel and strategy; and the outcomes. */
export function sweepChart(rows: readonly SweepChartRow[]): ChartSpec {
  const groupOf = (r: SweepChartRow) => `${r.kernel} · ${r.strategy}`;
  const groups = [...new Map(rows.map((r) => [groupOf(r), r.kernel])).entries()];
  const used = new Map<string, number>();
  const shade = groups.map(([, kernel]) => {
    const n = used.get(kernel) ?? 0;
    used.set(kernel, n + 1);
    return (SHADES[kernel] ?? OTHER)[n % 4]!;
  });
  const steps = [...new Map(rows.map((r) => [r.step, `${r.step} ${r.update}`])).entries()].sort((a, b) => a[0] - b[0]).map(([, label]) => label);
  const values = rows.map((r) => ({ seed: r.seed, group: groupOf(r), step: `${r.step} ${r.update}`, outcome: r.outcome, wait: r.waitCycles, pause: r.pauseWallUs }));
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const most = (f: 'waitCycles' | 'pauseWallUs') => Math.max(0, ...rows.map((r) => r[f] ?? 0));
  // Every column has the step rows in the same order and the same groups, so the three line up row by row.
  // Headers on top of every column, shown on the first only, keep the columns' rows at the same heights.
  const header = (labels: boolean) => ({ labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelPadding: 2, labelFontWeight: 'bold', labelColor: labels ? 'black' : 'transparent' }) as const;
  const row = (labels: boolean) => ({ field: 'step', type: 'nominal', sort: steps, title: null, header: header(labels) }) as const;
  const y = (labels: boolean) => ({ field: 'group', type: 'nominal', scale: { domain: groups.map(([g]) => g) }, title: null, axis: labels ? { labelLimit: 0 } : { labels: false, ticks: false } }) as const;
  const color = { field: 'group', type: 'nominal', scale: { domain: groups.map(([g]) => g), range: shade }, legend: null } as const;
  const box = (field: 'wait' | 'pause', title: string, ticks: number[], labels: boolean): FacetedUnitSpec<string> => ({
    width: 280,
    height: { step: 15 },
    mark: { type: 'boxplot', extent: 'min-max', size: 10, median: { color: 'white' } },
    encoding: { row: row(labels), y: y(labels), x: { field, type: 'quantitative', title, scale: { type: 'symlog', domain: [0, ticks.at(-1)!] }, axis: { values: ticks, labelExpr: "format(datum.value, '~s')" } }, color },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: `livemod sweep: wait and pause across ${seeds} seed${seeds === 1 ? '' : 's'}`,
      subtitle: [
        'a row of panels per update step, a box per kernel and strategy asked for: whiskers the least and the most,',
        "the box the middle half, the white line the median. wait: simulated cycles from the update's start to its",
        'switch or abort; pause: wall-clock µs of the atomic section (both scales symmetric-log); a refused step has neither',
      ],
      anchor: 'start',
    },
    data: { values },
    hconcat: [
      box('wait', 'wait (cycles)', decades(most('waitCycles')), true),
      box('pause', 'pause (wall µs)', decades(most('pauseWallUs')), false),
      {
        width: 110,
        height: { step: 15 },
        mark: { type: 'bar' },
        encoding: {
          row: row(false),
          y: y(false),
          x: { aggregate: 'count', type: 'quantitative', title: 'runs' },
          color: { field: 'outcome', type: 'nominal', scale: OUTCOME_COLORS, title: 'outcome' },
          order: { field: 'outcome', sort: 'ascending' },
          tooltip: [{ field: 'group' }, { field: 'outcome' }, { aggregate: 'count', title: 'runs' }],
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { ...BASE_CONFIG, facet: { spacing: 8 } },
  };
}
