// Seeds and run counts of the property tests: fixed by default (a test run is
// reproducible), overridable to explore or to replay a failure. Every
// property prints the seed it runs with. And the coverage checks a property
// makes after its runs (that it really exercised commits, aborts, reverts),
// whose thresholds hold for the run count they were set for.

import { expect } from 'vitest';

export const PROP_SEED = process.env.LIVEMOD_PROP_SEED ? Number(process.env.LIVEMOD_PROP_SEED) : 20261125;
const RUNS_OVERRIDE = process.env.LIVEMOD_PROP_RUNS ? Number(process.env.LIVEMOD_PROP_RUNS) : undefined;

/** fast-check parameters for one property (LIVEMOD_PROP_RUNS overrides `defaultRuns`), announcing how to replay it. */
export function propParams(name: string, defaultRuns = 40): { seed: number; numRuns: number } {
  const runs = RUNS_OVERRIDE ?? defaultRuns;
  console.log(`[props] ${name}: seed ${PROP_SEED}, ${runs} runs (replay: LIVEMOD_PROP_SEED=${PROP_SEED} npm run props)`);
  return { seed: PROP_SEED, numRuns: runs };
}

/** One coverage check: `count` must exceed `moreThan`, a threshold set for a property's default run count. */
export interface CoverageCheck {
  readonly what: string;
  readonly count: number;
  readonly moreThan: number;
}

/**
 * After a property: check that it exercised what it claims, with thresholds
 * set for `defaultRuns` runs scaled to the `runs` actually made. Below
 * `defaultRuns` (a quick run with LIVEMOD_PROP_RUNS) what a few runs hit is
 * luck, not coverage: the checks are skipped, and the output says so.
 */
export function checkCoverage(name: string, runs: number, defaultRuns: number, checks: readonly CoverageCheck[]): void {
  if (runs < defaultRuns) {
    console.log(`[props] ${name}: coverage not checked: ${runs} runs made, its thresholds need at least ${defaultRuns}`);
    return;
  }
  for (const c of checks) {
    const moreThan = Math.floor((c.moreThan * runs) / defaultRuns);
    expect(c.count, `${name}: ${c.what} in ${runs} runs`).toBeGreaterThan(moreThan);
  }
}
