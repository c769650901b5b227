// Lazy migration: records move to the new schema on first access; the
// switch does not copy the table, so its pause does not grow with the number
// of records; a sweep finishes the rest; revert works whether or not records
// were migrated; a transfer that fails on records still aborts the update.

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Sys } from '../exec/abi.js';
import type { Attr } from '../exec/abi.js';
import { Updater } from './updater.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function withFiles(n: number, seed = 3) {
  const k = await bootWithModules(['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0'], { seed });
  runProgram(k, 'files', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    yield* sys.mkdir('/mnt/d');
    for (let i = 0; i < n; i++) yield* sys.writeFile(`/mnt/d/f${i}`, enc(`file ${i}`));
  });
  return { k, u: new Updater(k) };
}

const inodes = (k: Kernel) => [...k.store.table('simplefs', 'inodes').entries()];

describe('lazy migration of inodes (simplefs 2.0 -> 2.1)', () => {
  it('leaves every record at the old schema at the switch, without copying the table', async () => {
    const { k, u } = await withFiles(50);
    const before = k.store.table('simplefs', 'inodes');
    const r = u.run([await loadModuleDef('simplefs@2.1.0')]);
    expect(r.lazy).toBe(true); // 2.1 says lazy by default
    expect(r.migrated).toBe(0);
    expect(k.store.table('simplefs', 'inodes')).toBe(before); // the very same table: O(1)
    expect(k.store.schemaOf('simplefs', 'inodes')).toBe(2);
    expect(u.k.store.recordsBehind('simplefs', 'inodes')).toBe(52); // root, d, 50 files
  });

  it('migrates and commits a record when it is read, and only that one', async () => {
    const { k, u } = await withFiles(10);
    u.run([await loadModuleDef('simplefs@2.1.0')]);
    const st = runProgram<Attr>(k, 'stat', (sys: Sys) => sys.stat('/mnt/d/f3'));
    expect(st).toMatchObject({ size: 6, mtime: 0 }); // existed before the update: time unknown
    // root and d were read to resolve the path, and f3 itself: three records migrated
    expect(u.k.store.recordsBehind('simplefs', 'inodes')).toBe(12 - 3);
    expect(k.store.table('simplefs', 'inodes').get(st.ino)).toMatchObject({ v: 2, ctime: 0, mtime: 0 });
    // A file written after the update carries real times.
    const fresh = runProgram<{ mtime?: number }>(k, 'new', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/d/new', enc('x'));
      return yield* sys.stat('/mnt/d/new');
    });
    expect(fresh.mtime).toBeGreaterThan(0);
  });

  it('does not grow the switch with the number of records', async () => {
    const small = await withFiles(20);
    const large = await withFiles(400);
    const rs = small.u.run([await loadModuleDef('simplefs@2.1.0')], { lazy: true });
    const rl = large.u.run([await loadModuleDef('simplefs@2.1.0')], { lazy: true });
    const cycles = (r: typeof rs) => r.phases.find((e) => e.phase === 'transfer')!.cycles;
    expect(cycles(rl)).toBe(cycles(rs));
    // Eager, by contrast, migrates every record in the switch.
    const eagerS = (await withFiles(20)).u;
    const eagerL = (await withFiles(400)).u;
    const es = eagerS.run([await loadModuleDef('simplefs@2.1.0')], { lazy: false });
    const el = eagerL.run([await loadModuleDef('simplefs@2.1.0')], { lazy: false });
    expect(es.migrated).toBe(22);
    expect(el.migrated).toBe(402);
    expect(cycles(el)).toBeGreaterThan(cycles(es) + 300 * 30 - 1);
  });

  it('finishes the rest with a background sweep', async () => {
    const { k, u } = await withFiles(200);
    u.run([await loadModuleDef('simplefs@2.1.0')], { lazy: true, sweep: true });
    expect(u.k.store.recordsBehind('simplefs', 'inodes')).toBe(202);
    k.run(50_000);
    expect(u.k.store.recordsBehind('simplefs', 'inodes')).toBeLessThan(202);
    k.run(500_000);
    expect(u.k.store.recordsBehind('simplefs', 'inodes')).toBe(0);
    expect(u.k.store.lazy.pending('simplefs', 'inodes')).toEqual([]);
  });

  it('reverts to an equal state whether records were migrated or not', async () => {
    for (const touched of [0, 5, 12]) {
      const { k, u } = await withFiles(10);
      const original = { state: k.store.state('simplefs'), inodes: inodes(k) };
      u.run([await loadModuleDef('simplefs@2.1.0')], { lazy: true });
      runProgram(k, 'touch', function* (sys: Sys) {
        for (let i = 0; i < touched && i < 10; i++) yield* sys.stat(`/mnt/d/f${i}`);
      });
      u.revert('simplefs');
      expect(k.store.schemaOf('simplefs', 'inodes')).toBe(1);
      expect(k.store.state('simplefs')).toEqual(original.state);
      expect(inodes(k)).toEqual(original.inodes);
    }
  });

  it('aborts the update when the record transfer fails, even lazily, changing nothing', async () => {
    const { k, u } = await withFiles(5);
    const before = k.store.image('simplefs');
    const { def } = await loadModuleDef('simplefs@2.1.0');
    const broken = { ...def, version: '2.1.9', upgrade: { ...def.upgrade!, instance: { inodes: () => { throw new Error('bad inode'); } } } };
    expect(() => u.run([{ def: broken, source: 'test' }], { lazy: true })).toThrow(/transfer of inodes record \d+: bad inode/);
    expect(k.store.image('simplefs')).toBe(before);
    expect(u.k.store.lazy.pending('simplefs', 'inodes')).toEqual([]);
  });
});
