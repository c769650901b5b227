// Property test of the two kernels against each other: the same random
// multi-thread filesystem workload runs on the procedural kernel and on the
// object twin, booted at the same random point of the histories, with the
// same updates (the next release of a component along its history, or a
// revert; lazy, eager or each version's default) injected at the same random
// moments. Every thread must see the same results on
// both, and those results must be the reference model's, so that two equal
// but wrong answers do not pass. The property prints its seed; replay with
// LIVEMOD_PROP_SEED.

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import type { Executive } from '../exec/executive.js';
import { catalogResolver } from '../catalog/catalog.js';
import type { UpdateService, UpdateStep } from '../exec/lifecycle.js';
import type { Kernel } from '../kernel/kernel.js';
import { RELEASES } from '../oo/classes/releases.js';
import type { ObjectKernel } from '../oo/kernel.js';
import { ObjectUpdater } from '../oo/updater.js';
import { Updater } from '../updater/updater.js';
import { AUDIT, fileThreadOps, threadOps } from './arbitraries.js';
import { applyToKernel } from './fsmodel.js';
import { fsMachine, modelResults, ooFsMachine, startThreads } from './harness.js';
import { checkCoverage, propParams } from './seed.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';

/** Where both kernels boot: consistent pairs of releases along the histories (simplefs 2.x needs blkdev 2.0). */
const start = fc.constantFrom(
  { blkdev: '1.0.0', simplefs: '1.0.0' },
  { blkdev: '1.1.0', simplefs: '1.1.0' },
  { blkdev: '1.1.0', simplefs: '1.2.0' },
  { blkdev: '2.0.0', simplefs: '1.2.0' },
  { blkdev: '2.0.0', simplefs: '2.0.0' },
  { blkdev: '2.0.0', simplefs: '2.1.0' },
);

const injection = fc.record({
  after: fc.integer({ min: 0, max: 20_000 }),
  component: fc.constantFrom('blkdev', 'simplefs'),
  revert: fc.boolean(),
  migration: fc.constantFrom<'default' | 'lazy' | 'eager'>('default', 'lazy', 'eager'),
});
type Injection = typeof injection extends fc.Arbitrary<infer T> ? T : never;

/** The release after `running` in the component's history, or null at the newest. */
function next(component: string, running: string): string | null {
  const versions = Object.keys(RELEASES[component]!);
  return versions[versions.indexOf(running) + 1] ?? null;
}

const outcomes = { procedural: { committed: 0, other: 0 }, objects: { committed: 0, other: 0 } };
let runs = 0;
const RUNS = 100;

/** Apply one injection on a kernel; refusals and aborts are fine here (they must change no result). */
type Apply = (i: Injection) => Promise<void>;

/** Injections through a kernel's updater (the UpdateService both share); `running` reads the version a component runs. */
function applier(name: keyof typeof outcomes, k: Executive, updater: UpdateService, running: (component: string) => string): Apply {
  return async (i) => {
    const lazy = i.migration === 'default' ? {} : { lazy: i.migration === 'lazy' };
    let step: UpdateStep;
    if (i.revert) step = { kind: 'revert', specs: [i.component] };
    else {
      const to = next(i.component, running(i.component));
      if (!to) return;
      step = { kind: 'update', specs: [`${i.component}@${to}`] };
    }
    try {
      k.updates.runToEnd(await updater.request(step, lazy));
      outcomes[name].committed++;
    } catch {
      outcomes[name].other++;
    }
  };
}

const proceduralApply = (k: Kernel): Apply => applier('procedural', k, new Updater(k, catalogResolver), (c) => k.loader.require(c).def.version);
const objectApply = (k: ObjectKernel): Apply => applier('objects', k, new ObjectUpdater(k), (c) => k.releases.get(c)!);

/** Run the threads with the injections, then the audit of every path; the results per thread. */
async function results(k: Executive, apply: Apply, threads: readonly (readonly Parameters<typeof applyToKernel>[2][])[], injections: readonly Injection[]): Promise<string[][]> {
  const out: string[][] = threads.map(() => []);
  const workers = startThreads(k, threads, out);
  for (const i of injections) {
    k.run(i.after);
    await apply(i);
  }
  for (const w of workers) k.runThread(w);
  threads.forEach((_, t) => {
    k.runThread(
      k.spawnUser(`audit${t}`, function* (sys: Sys): KGen<void> {
        for (const o of AUDIT) out[t]!.push(yield* applyToKernel(sys, `/mnt/t${t}`, o));
      }),
    );
  });
  return out;
}

describe('procedural kernel and object twin', () => {
  test.prop(
    { seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), start, threads: fc.oneof(threadOps(3, 20), fileThreadOps(3, 20)), injections: fc.array(injection, { maxLength: 5 }) },
    propParams('procedural against objects, with updates', RUNS),
  )('give every thread the same results, the model\'s', async ({ seed, cpus, start, threads, injections }) => {
    runs++;
    const p = await fsMachine([`blkdev@${start.blkdev}`, `simplefs@${start.simplefs}`], seed, cpus, threads.length);
    const o = ooFsMachine(seed, cpus, threads.length, start);
    const got = {
      procedural: await results(p, proceduralApply(p), threads, injections),
      objects: await results(o, objectApply(o), threads, injections),
    };
    expect(got.objects).toEqual(got.procedural);
    const model = modelResults(threads);
    expect(got.procedural.map((r, t) => r.slice(0, model[t]!.length))).toEqual(model);
    expect(p.stats.oopses).toBe(0);
    expect(o.stats.oopses).toBe(0);
  });

  afterAll(() => {
    // The property must really have updated both kernels while threads ran.
    checkCoverage('procedural against objects, with updates', runs, RUNS, [
      { what: 'committed updates on the procedural kernel', count: outcomes.procedural.committed, moreThan: 5 },
      { what: 'committed updates on the object twin', count: outcomes.objects.committed, moreThan: 5 },
    ]);
  });
});
