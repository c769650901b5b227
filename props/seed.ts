// Seeds and run counts of the property tests: fixed by default (a test run is
// reproducible), overridable to explore or to replay a failure. Every
// property prints the seed it runs with.

export const PROP_SEED = process.env.LIVEMOD_PROP_SEED ? Number(process.env.LIVEMOD_PROP_SEED) : 20261125;
const RUNS_OVERRIDE = process.env.LIVEMOD_PROP_RUNS ? Number(process.env.LIVEMOD_PROP_RUNS) : undefined;

/** fast-check parameters for one property (LIVEMOD_PROP_RUNS overrides `defaultRuns`), announcing how to replay it. */
export function propParams(name: string, defaultRuns = 40): { seed: number; numRuns: number } {
  const runs = RUNS_OVERRIDE ?? defaultRuns;
  console.log(`[props] ${name}: seed ${PROP_SEED}, ${runs} runs (replay: LIVEMOD_PROP_SEED=${PROP_SEED} npm run props)`);
  return { seed: PROP_SEED, numRuns: runs };
}
