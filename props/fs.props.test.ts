// Model-based property test of the filesystem through syscalls: random
// sequences of create, write, read, unlink, mkdir, rmdir and readdir from
// several threads at once, on machines with random seeds and CPU counts.
// Each thread works under its own directory, so whatever the interleaving,
// each thread's results must be exactly what the reference model gives for
// its own sequence. The property prints its seed; replay with
// LIVEMOD_PROP_SEED.

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { bootWithModules, DEFAULT_MODULES, runProgram } from '../kernel/boot.js';
import type { Sys } from '../kernel/syscalls.js';
import type { KGen } from '../kernel/thread.js';
import { applyToKernel, type FsOp, FsModel } from './fsmodel.js';
import { propParams } from './seed.js';

const path = fc.constantFrom('a', 'b', 'c', 'a/x', 'a/y', 'b/x', 'c/a/x');

export const fsOp: fc.Arbitrary<FsOp> = fc.oneof(
  { weight: 2, arbitrary: path.map((p) => ({ op: 'create' as const, path: p })) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('overwrite' as const), path, len: fc.integer({ min: 0, max: 1500 }), key: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('write' as const), path, off: fc.integer({ min: 0, max: 1300 }), len: fc.integer({ min: 1, max: 900 }), key: fc.nat() }) },
  { weight: 3, arbitrary: path.map((p) => ({ op: 'read' as const, path: p })) },
  { weight: 1, arbitrary: path.map((p) => ({ op: 'stat' as const, path: p })) },
  { weight: 1, arbitrary: path.map((p) => ({ op: 'unlink' as const, path: p })) },
  { weight: 2, arbitrary: path.map((p) => ({ op: 'mkdir' as const, path: p })) },
  { weight: 1, arbitrary: path.map((p) => ({ op: 'rmdir' as const, path: p })) },
  { weight: 1, arbitrary: fc.constantFrom('a', 'b', 'c').map((p) => ({ op: 'readdir' as const, path: p })) },
);

describe('filesystem through syscalls against the reference model', () => {
  test.prop(
    {
      seed: fc.nat(),
      cpus: fc.integer({ min: 1, max: 4 }),
      threads: fc.array(fc.array(fsOp, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 4 }),
    },
    propParams('fs model, several threads'),
  )('every thread sees exactly what the model says', async ({ seed, cpus, threads }) => {
    const k = await bootWithModules(DEFAULT_MODULES, { seed, cpus });
    runProgram(k, 'setup', function* (sys: Sys) {
      yield* sys.mount('simplefs', 'disk0', '/mnt');
      for (let t = 0; t < threads.length; t++) yield* sys.mkdir(`/mnt/t${t}`);
    });
    const got: string[][] = threads.map(() => []);
    const workers = threads.map((ops, t) =>
      k.spawnUser(`p${t}`, function* (sys: Sys): KGen<void> {
        for (const o of ops) got[t]!.push(yield* applyToKernel(sys, `/mnt/t${t}`, o));
      }),
    );
    for (const w of workers) k.runThread(w);
    const want = threads.map((ops) => {
      const model = new FsModel();
      return ops.map((o) => model.apply(o));
    });
    expect(got).toEqual(want);
    expect(k.stats.oopses).toBe(0);
  });
});
