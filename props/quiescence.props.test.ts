// Property test of update timing. simplefs 2.2 -> 2.3 changes the layout of
// free space under writes that allocate as they go (modules/simplefs/2.3.0.ts
// says why that needs quiescence). Random file-heavy workloads of several
// threads, with multi-block writes, run on simplefs 2.2 while the update and
// its revert are injected at random moments with the module or stop-machine
// strategy: every thread must see exactly what the model says, with no oops
// and a clean fsck at the end. Then the check that this property can fail:
// the same property with the `unsafe` control (switch at once) must find a
// counterexample within its default number of runs. A property that cannot
// fail proves nothing. Both print their seed; replay with LIVEMOD_PROP_SEED.

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModuleDef } from '../catalog/catalog.js';
import { isKernelError } from '../exec/errno.js';
import type { Strategy } from '../updater/plan.js';
import { Updater } from '../updater/updater.js';
import { fileThreadOps } from './arbitraries.js';
import { fsck } from './fsck.js';
import { audited, fsMachine, startThreads } from './harness.js';
import type { FsOp } from './fsmodel.js';
import { checkCoverage, propParams } from './seed.js';

/** Moments to inject at: the first update, then alternately the revert and the update again. */
const moments = fc.array(fc.integer({ min: 0, max: 6_000 }), { minLength: 1, maxLength: 4 });

interface Run {
  readonly seed: number;
  readonly cpus: number;
  readonly threads: readonly (readonly FsOp[])[];
  readonly moments: readonly number[];
}

const runArb = (strategies: fc.Arbitrary<Strategy>) =>
  fc.record({ seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), threads: fileThreadOps(4, 20), moments, strategy: strategies });

/** What the updates did over every run of the safe property, to check it exercised what it claims. */
const seen = { committed: 0, aborted: 0, withWritesInFlight: 0 };

/**
 * One run: boot at simplefs 2.2, start the threads, inject the updates with
 * `strategy`, let the threads finish, audit every path. Throws (an expect)
 * when a thread's results differ from the model's, an oops happened, or fsck
 * finds damage; otherwise adds what the updates did to `tally`.
 */
async function updateUnderLoad({ seed, cpus, threads, moments: at }: Run, strategy: Strategy, tally = { committed: 0, aborted: 0, withWritesInFlight: 0 }): Promise<void> {
  const k = await fsMachine(['blkdev@2.0.0', 'simplefs@2.2.0'], seed, cpus, threads.length);
  const u = new Updater(k);
  const v23 = await loadModuleDef('simplefs@2.3.0');
  const got: string[][] = threads.map(() => []);
  const workers = startThreads(k, threads, got);
  for (const after of at) {
    k.run(after);
    const inFlight = k.sched.threads().some((t) => t.frames.some((f) => f.module === 'simplefs' && f.fn.endsWith('.write')));
    const back = k.loader.require('simplefs').def.version === '2.3.0';
    try {
      const { record, thread } = back ? u.start([u.revertTarget('simplefs')], { strategy }, 'revert') : u.start([v23], { strategy });
      k.runThread(thread, Number.MAX_SAFE_INTEGER);
      if (record.outcome === 'committed') tally.committed++;
      else tally.aborted++; // stop-machine found no quiet moment: rolled back, which must change nothing
      if (inFlight && record.outcome === 'committed') tally.withWritesInFlight++;
    } catch (e) {
      if (!isKernelError(e)) throw e;
    }
  }
  for (const w of workers) k.runThread(w);
  const audit = audited(k, threads, got); // every thread reads its whole tree, after all the updates
  expect(audit.seen).toEqual(audit.model);
  expect(k.stats.oopses).toBe(0);
  expect(fsck(k)).toEqual([]);
}

describe('simplefs 2.2 -> 2.3 needs quiescence', () => {
  const safe = propParams('update timing, module and stop-machine', 30);
  afterAll(() => {
    console.log(`[props] quiescence: ${seen.committed} updates and reverts committed (${seen.withWritesInFlight} of them started while a write was in flight), ${seen.aborted} rolled back`);
    checkCoverage('update timing, module and stop-machine', safe.numRuns, 30, [
      { what: 'updates and reverts committed', count: seen.committed, moreThan: 10 },
      { what: 'committed with a write in flight', count: seen.withWritesInFlight, moreThan: 3 },
    ]);
  });

  test.prop([runArb(fc.constantFrom<Strategy>('module', 'stop-machine'))], safe)(
    'every thread sees what the model says when the update waits for quiescence',
    async (run) => updateUnderLoad(run, run.strategy, seen),
  );

  it('fails with the unsafe control, which switches at once (the property can fail)', async () => {
    // A control needs its runs to show a failure: a quick run (LIVEMOD_PROP_RUNS below 30) does not lower them.
    const asked = propParams('update timing, unsafe control', 30);
    const params = { ...asked, numRuns: Math.max(asked.numRuns, 30) };
    const t0 = Date.now();
    const result = await fc.check(fc.asyncProperty(runArb(fc.constant<Strategy>('unsafe')), async (run) => updateUnderLoad(run, 'unsafe')), params);
    console.log(`[props] unsafe control: ${result.failed ? `counterexample after ${result.numRuns} of ${params.numRuns} runs, shrunk ${result.numShrinks} times, in ${Date.now() - t0} ms` : `no counterexample in ${result.numRuns} runs`}`);
    if (result.failed) console.log(fc.defaultReportMessage(result) ?? '');
    expect(result.failed).toBe(true);
  });
});
