// Update state lives in the kernel, not in an updater object: the defects
// that followed when it did not. A second updater on a kernel after a lazy
// update reads every record (the pending steps are the store's); a module
// in a running update cannot be unloaded, and the update completes. (That a
// module reloaded since its update has nothing to revert is checked from the
// console, in cli/console.test.ts.)

import { describe, expect, it } from 'vitest';
import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import { bootWithModules } from '../catalog/boot.js';
import { loadModuleDef } from '../catalog/catalog.js';
import { Updater } from './updater.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('update state in the kernel', () => {
  it('a second updater object after a lazy update reads every record', async () => {
    const k = await bootWithModules(['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0'], { seed: 5 });
    runProgram(k, 'files', function* (sys: Sys) {
      yield* sys.mount('simplefs', 'disk0', '/mnt');
      for (let i = 0; i < 12; i++) yield* sys.writeFile(`/mnt/f${i}`, enc(`file ${i}`));
    });
    new Updater(k).run([await loadModuleDef('simplefs@2.1.0')], { lazy: true });
    expect(k.store.recordsBehind('simplefs', 'inodes')).toBe(13); // root and 12 files, all left behind
    const second = new Updater(k);
    const texts = runProgram<string[]>(k, 'reader', function* (sys: Sys) {
      const out: string[] = [];
      for (let i = 0; i < 12; i++) out.push(dec(yield* sys.readFile(`/mnt/f${i}`)));
      return out;
    });
    expect(texts).toEqual(Array.from({ length: 12 }, (_, i) => `file ${i}`));
    expect(k.stats.oopses).toBe(0);
    expect(k.store.recordsBehind('simplefs', 'inodes')).toBe(0);
    // The history is the kernel's too: the second updater sees the first one's update and can revert it.
    expect(second.history.map((r) => `${r.kind} ${r.modules[0]!.to} ${r.outcome}`)).toEqual(['update 2.1.0 committed']);
    expect(second.revertTarget('simplefs').def.version).toBe('2.0.0');
  });

  it('rmmod of a module in a running update is EBUSY naming the update, and the update completes', async () => {
    const k = await bootWithModules(['blkdev@1.0.0'], { seed: 2 });
    const u = new Updater(k);
    const { record, thread } = u.start([await loadModuleDef('blkdev@1.1.0')], { strategy: 'module' });
    k.run(200); // the update is in its FORWARD phase: nothing holds blkdev but the update itself
    expect(record.outcome).toBe('running');
    expect(() => k.loader.rmmod('blkdev')).toThrow(
      expect.objectContaining({ errno: 'EBUSY', message: 'module blkdev is part of update 1, which is still in progress' }),
    );
    k.runThread(thread);
    expect(record.outcome).toBe('committed');
    expect(k.loader.require('blkdev').def.version).toBe('1.1.0');
    k.loader.rmmod('blkdev'); // the pin ends with the update
    expect(k.loader.get('blkdev')).toBeUndefined();
  });

  it('an aborted update unpins its modules too', async () => {
    const k = await bootWithModules(['blkdev@1.0.0'], { seed: 2 });
    const { def } = await loadModuleDef('blkdev@1.1.0');
    const broken = { def: { ...def, version: '1.1.1', upgrade: { from: ['1.0.0'], state: () => { throw new Error('no'); } } }, source: 'test' };
    expect(() => new Updater(k).run([broken])).toThrow(expect.objectContaining({ errno: 'ECANCELED' }));
    expect(k.updates.history[0]!.outcome).toBe('aborted');
    k.loader.rmmod('blkdev');
    expect(k.loader.get('blkdev')).toBeUndefined();
  });
});
