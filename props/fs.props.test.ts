// Model-based property test of the filesystem through syscalls: random
// sequences of create, write, read, unlink, mkdir, rmdir and readdir from
// several threads at once, on machines with random seeds and CPU counts.
// Each thread works under its own directory, so whatever the interleaving,
// each thread's results must be exactly what the reference model gives for
// its own sequence. The property prints its seed; replay with
// LIVEMOD_PROP_SEED.

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DEFAULT_MODULES } from '../catalog/boot.js';
import { threadOps } from './arbitraries.js';
import { fsMachine, modelResults, startThreads } from './harness.js';
import { propParams } from './seed.js';

describe('filesystem through syscalls against the reference model', () => {
  test.prop({ seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), threads: threadOps() }, propParams('fs model, several threads'))(
    'every thread sees exactly what the model says',
    async ({ seed, cpus, threads }) => {
      const k = await fsMachine(DEFAULT_MODULES, seed, cpus, threads.length);
      const got: string[][] = threads.map(() => []);
      for (const w of startThreads(k, threads, got)) k.runThread(w);
      expect(got).toEqual(modelResults(threads));
      expect(k.stats.oopses).toBe(0);
    },
  );
});
