// Lazy and eager migration give the same observable results: the same
// random workload runs on two machines with the same seed; between its two
// halves simplefs 2.0 -> 2.1 (inode records gain fields) is applied lazily
// (optionally with a sweep) on one and eagerly on the other. Every thread's
// results, and a final audit of every path, must be the same on both, and
// what the reference model says. So must they on a third machine, where
// simplefs 2.0 -> 2.0.1 adds the same field through a shadow variable.

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { loadModuleDef } from '../catalog/catalog.js';
import { Updater } from '../updater/updater.js';
import { AUDIT, threadOps } from './arbitraries.js';
import { fsMachine, modelResults, startThreads } from './harness.js';
import { propParams } from './seed.js';

type Way = 'lazy' | 'eager' | 'shadow';

async function run(seed: number, cpus: number, before: readonly (readonly import('./fsmodel.js').FsOp[])[], after: typeof before, way: Way, sweep: boolean) {
  const k = await fsMachine(['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0'], seed, cpus, before.length);
  const got: string[][] = before.map(() => []);
  for (const w of startThreads(k, before, got)) k.runThread(w);
  const u = new Updater(k);
  const lazy = way === 'lazy';
  const r = u.run([await loadModuleDef(way === 'shadow' ? 'simplefs@2.0.1' : 'simplefs@2.1.0')], way === 'shadow' ? {} : { lazy, sweep: lazy && sweep });
  expect(r.migrated === 0).toBe(way !== 'eager');
  for (const w of startThreads(k, after.map((ops) => [...ops, ...AUDIT]), got)) k.runThread(w);
  return { got, behind: u.k.store.recordsBehind('simplefs', 'inodes') };
}

describe('lazy and eager migration', () => {
  test.prop(
    { seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), threads: fc.integer({ min: 1, max: 3 }), sweep: fc.boolean(), ops: fc.tuple(threadOps(3, 15), threadOps(3, 15)) },
    propParams('lazy vs eager migration', 25),
  )('give the same observable results as a shadow variable, which are the model', async ({ seed, cpus, threads, sweep, ops }) => {
    const before = Array.from({ length: threads }, (_, t) => ops[0][t % ops[0].length]!);
    const after = Array.from({ length: threads }, (_, t) => ops[1][t % ops[1].length]!);
    const lazy = await run(seed, cpus, before, after, 'lazy', sweep);
    const eager = await run(seed, cpus, before, after, 'eager', false);
    const shadow = await run(seed, cpus, before, after, 'shadow', false);
    expect(lazy.got).toEqual(eager.got);
    expect(shadow.got).toEqual(eager.got);
    expect(eager.got).toEqual(modelResults(before.map((b, t) => [...b, ...after[t]!, ...AUDIT])));
    expect(eager.behind).toBe(0);
  });
});
