// The chart of a sweep's rows, over rows made here in the shape `livemod
// sweep --json` writes: it compiles and renders without a warning, with a
// box plot of wait and of pause per kernel, strategy and step where an
// update started, none where every run was refused, and the outcomes
// counted; a row without a column the chart reads is named.

import { describe, expect, it } from 'vitest';
import { renderSvg } from './render.js';
import { sweepChart, type SweepChartRow, sweepRowProblems } from './sweep.js';

const STEPS = ['blkdev@1.1.0', 'simplefs@3.0.0'];

/** Three seeds x two kernels x two strategies x two steps; the second step is always refused, stop-machine always aborts. */
const ROWS: SweepChartRow[] = [1, 2, 3].flatMap((seed) =>
  (['modules', 'objects'] as const).flatMap((kernel) =>
    (kernel === 'modules' ? ['default', 'stop-machine'] : ['default', 'hot-swap']).flatMap((strategy) =>
      STEPS.map((update, i) => {
        const outcome = i === 1 ? 'refused' : strategy === 'stop-machine' ? 'aborted' : 'committed';
        const started = outcome !== 'refused';
        return { seed, kernel, strategy, step: i + 1, update, outcome, waitCycles: started ? 1_000 * seed * (strategy === 'stop-machine' ? 100 : 1) : null, pauseWallUs: started ? (outcome === 'aborted' ? 0 : 50 * seed) : null };
      }),
    ),
  ),
);

describe('the chart of a sweep', () => {
  it('draws wait and pause as box plots per kernel and strategy for each step that ran, and counts the outcomes', async () => {
    const warnings: string[] = [];
    const svg = await renderSvg(sweepChart(ROWS), (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    const texts = [...svg.matchAll(/<(?:text|tspan)[^>]*>([^<]+)</g)].map((m) => m[1]!);
    expect(texts).toEqual(expect.arrayContaining(['1 blkdev@1.1.0', '2 simplefs@3.0.0', 'modules · default', 'modules · stop-machine', 'objects · hot-swap', 'wait (cycles)', 'pause (wall µs)', 'committed', 'aborted', 'refused']));
    expect(texts).toContain('livemod sweep: wait and pause across 3 seeds');
    // A box plot is a whisker rule, a box and a median tick: one per group, for the one step that ran, in each of the two plots.
    const boxes = (svg.match(/aria-roledescription="box"/g) ?? []).length;
    expect(boxes).toBe(2 * 4);
    // The outcomes: a bar per step, group and outcome.
    expect(svg.match(/outcome: (committed|aborted|refused)/g)).toHaveLength(2 * 4);
  });

  it('names the columns a row lacks', () => {
    expect(sweepRowProblems(ROWS[0])).toEqual([]);
    expect(sweepRowProblems({ ...ROWS[0], waitCycles: '5' })).toEqual(['waitCycles is not a number or null']);
    const { kernel: _, ...noKernel } = ROWS[0]!;
    expect(sweepRowProblems(noKernel)).toEqual(['kernel is not a string']);
    expect(sweepRowProblems(null)).toEqual(['not an object']);
  });
});
