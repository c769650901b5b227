// Model-based property test of the filesystem through syscalls: random
// sequences of create, write, read, unlink, mkdir, rmdir and readdir from
// several threads at once, on machines with random seeds and CPU counts.
// Each thread works under its own directory, so whatever the interleaving,
// each thread's results must be exactly what the reference model gives for
// its own sequence. The property prints its seed; replay with
// LIVEMOD_PROP_SEED.
//
// A second property puts `umount; rmmod simplefs; insmod simplefs@V; mount`
// (from any 1.x/2.x version to any other) between the first and second half of each
// thread's sequence: the results must still be the model's, which knows
// nothing of the reload, so the volume must come back exactly.

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DEFAULT_MODULES } from '../catalog/boot.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import { fsck } from './fsck.js';
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

  const RELOAD_VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0', '2.2.0', '2.3.0'];
  test.prop({ seed: fc.nat(), cpus: fc.integer({ min: 1, max: 4 }), threads: threadOps(), from: fc.constantFrom(...RELOAD_VERSIONS), version: fc.constantFrom(...RELOAD_VERSIONS) }, propParams('fs model, unload and reload in the middle', 20))(
    'an unload and reload of simplefs between two halves changes no result',
    async ({ seed, cpus, threads, from, version }) => {
      const k = await fsMachine(['kmsg', 'blkdev', `simplefs@${from}`], seed, cpus, threads.length);
      const halves = [threads.map((ops) => ops.slice(0, Math.ceil(ops.length / 2))), threads.map((ops) => ops.slice(Math.ceil(ops.length / 2)))];
      const got: string[][] = threads.map(() => []);
      for (const w of startThreads(k, halves[0]!, got)) k.runThread(w);
      runProgram(k, 'umount', (sys: Sys) => sys.umount('/mnt'));
      k.loader.rmmod('simplefs');
      const { def, source } = await loadModuleDef(`simplefs@${version}`);
      k.loader.insmod(def, {}, source);
      runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
      for (const w of startThreads(k, halves[1]!, got)) k.runThread(w);
      expect(got).toEqual(modelResults(threads));
      expect(fsck(k)).toEqual([]);
      expect(k.stats.oopses).toBe(0);
    },
  );
});
