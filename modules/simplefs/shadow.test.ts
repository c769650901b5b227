// simplefs 2.0.1, inode times in a shadow variable, against 2.1.0, the same
// times through a record migration: the same operations after either update
// report the same times; 2.0.1 migrates no record and changes no schema; an
// inode's shadow goes with the inode; the revert frees every shadow.

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../../catalog/boot.js';
import { loadModuleDef } from '../../catalog/catalog.js';
import type { Attr, Sys } from '../../exec/abi.js';
import { runProgram } from '../../exec/executive.js';
import type { KGen } from '../../exec/thread.js';
import type { Kernel } from '../../kernel/kernel.js';
import { shadowCounts } from '../../kernel/shadow.js';
import { Updater } from '../../updater/updater.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function machine(): Promise<Kernel> {
  const k = await bootWithModules(['blkdev@2.0.0', 'simplefs@2.0.0'], { seed: 4, cpus: 2 });
  runProgram(k, 'before', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    yield* sys.writeFile('/mnt/old', enc('from before'));
    yield* sys.writeFile('/mnt/touched', enc('from before'));
  });
  return k;
}

/** The same operations, then the mtime of every file, counted from when the operations began (0: unknown). */
function afterUpdate(k: Kernel): Record<string, number | undefined> {
  const start = k.now;
  const times = runProgram<Record<string, number | undefined>>(k, 'after', function* (sys: Sys): KGen<Record<string, number | undefined>> {
    yield* sys.writeFile('/mnt/new', enc('made after'));
    yield* sys.writeFile('/mnt/touched', enc('changed after'));
    yield* sys.writeFile('/mnt/gone', enc('soon removed'));
    yield* sys.unlink('/mnt/gone');
    const out: Record<string, number | undefined> = {};
    for (const name of yield* sys.readdir('/mnt')) out[name] = ((yield* sys.stat(`/mnt/${name}`)) as Attr).mtime;
    return out;
  });
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, t === undefined || t === 0 ? t : t - start]));
}

describe('simplefs 2.0.1: inode times in a shadow variable', () => {
  it('reports the times 2.1.0 reports after the same operations, with no record migrated', async () => {
    const viaShadow = await machine();
    const tables = viaShadow.store.image('simplefs').tables;
    const r = new Updater(viaShadow).run([await loadModuleDef('simplefs@2.0.1')]);
    expect(r.migrated).toBe(0);
    expect(viaShadow.store.image('simplefs').tables).toBe(tables); // not one record touched by the update
    expect(viaShadow.store.schemaOf('simplefs', 'inodes')).toBe(1);

    const viaMigration = await machine();
    new Updater(viaMigration).run([await loadModuleDef('simplefs@2.1.0')], { lazy: false });

    const times = afterUpdate(viaShadow);
    expect(times.old).toBe(0); // from before the update: unknown
    expect(times.new).toBeGreaterThan(0);
    expect(times.touched).toBeGreaterThan(0);
    const other = afterUpdate(viaMigration);
    // The same files with the same known and unknown times; the machines differ in when the update ended, not in what the times say.
    expect(Object.keys(other)).toEqual(Object.keys(times));
    expect(other.old).toBe(0);
    expect(other.touched! - other.new!).toBe(times.touched! - times.new!);
  });

  it('an inode takes its shadow with it, and the revert frees every one', async () => {
    const k = await machine();
    const u = new Updater(k);
    u.run([await loadModuleDef('simplefs@2.0.1')]);
    afterUpdate(k);
    // new and touched carry times; gone had one and took it along; the root and old never had one
    expect(shadowCounts(k.store.shadows('simplefs'))).toEqual([['times', 'inodes', 2]]);
    u.revert('simplefs');
    expect(shadowCounts(k.store.shadows('simplefs'))).toEqual([]);
    const attr = runProgram<Attr>(k, 'stat', (sys: Sys) => sys.stat('/mnt/new'));
    expect(attr.mtime).toBeUndefined(); // 2.0.0 keeps no times
  });
});
