// What a record transfer gets and what becomes of what it returns, the same
// eager and lazy: its input is the record's data frozen (a transfer that
// writes into it fails), the object it returns becomes the record, stamped
// in place, while an input handed back or a shared constant is copied; a
// transfer that returns no object fails either way. An eager transfer that
// aborts leaves the table the very same reference.

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../catalog/boot.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import type { Kernel } from '../kernel/kernel.js';
import { Updater } from './updater.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function withFiles(n: number) {
  const k = await bootWithModules(['kmsg@1.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0'], { seed: 5 });
  runProgram(k, 'files', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
    for (let i = 0; i < n; i++) yield* sys.writeFile(`/mnt/f${i}`, enc(`file ${i}`));
  });
  return { k, u: new Updater(k) };
}

/** simplefs 2.1 with `fn` as its inode transfer. */
async function withTransfer(fn: (old: any) => any) {
  const { def } = await loadModuleDef('simplefs@2.1.0');
  return { def: { ...def, version: '2.1.8', upgrade: { ...def.upgrade!, instance: { inodes: fn } } }, source: 'test' };
}

/** `fn` throws a kernel error with `errno` and a message matching `message`. */
const throwsErrno = (fn: () => unknown, errno: string, message: RegExp) => expect(fn).toThrow(expect.objectContaining({ errno, message: expect.stringMatching(message) }));

const records = (k: Kernel) => [...k.store.table('simplefs', 'inodes').entries()];
/** Read every record through the store (a lazy table migrates them). */
const readAll = (k: Kernel) => records(k).map(([key]) => k.store.getRecord('simplefs', 'inodes', key));

describe.each([false, true])('record transfers (lazy: %s)', (lazy) => {
  it('get the record frozen: a transfer that writes into its input fails', async () => {
    const { k, u } = await withFiles(3);
    const before = k.store.image('simplefs');
    const v = await withTransfer((old) => {
      old.ctime = 0;
      return old;
    });
    throwsErrno(() => u.run([v], { lazy }), 'ECANCELED', /transfer of inodes record \d+: Cannot add property ctime, object is not extensible/);
    expect(k.store.image('simplefs')).toBe(before); // the very same image: tables untouched
    expect(k.loader.require('simplefs').def.version).toBe('2.0.0');
  });

  it('stamp the object a transfer made, and copy an input handed back or a shared constant', async () => {
    const made: object[] = [];
    const shared = { ctime: 7, mtime: 7 };
    const { k, u } = await withFiles(3);
    const old = records(k).map(([, r]) => r);
    const v = await withTransfer((rec) => {
      if (rec.ino % 3 === 0) return rec; // handed back (frozen): copied
      if (rec.ino % 3 === 1) return shared; // the same object for several records: the first is stamped, the rest copied
      const out = { ...rec, ctime: 1, mtime: 1 };
      made.push(out);
      return out;
    });
    expect(u.run([v], { lazy }).outcome).toBe('committed');
    const now = readAll(k);
    expect(now.length).toBe(old.length);
    for (const [i, r] of now.entries()) {
      const ino = old[i]!.ino as number;
      expect(r!.v).toBe(2);
      expect(Object.isFrozen(r)).toBe(true);
      if (ino % 3 === 0) expect(r).toEqual(old[i]!.v === 1 ? { ...old[i], v: 2 } : old[i]);
      if (ino % 3 === 1) expect(r).toEqual({ ctime: 7, mtime: 7, v: 2 });
      if (ino % 3 === 2) expect(made).toContain(r); // the transfer's own object is the record
    }
  });

  it('refuse a result that is not an object', async () => {
    const { k, u } = await withFiles(2);
    const v = await withTransfer((rec) => (rec.ino === 1 ? rec : 42));
    if (!lazy) {
      throwsErrno(() => u.run([v], { lazy }), 'ECANCELED', /transfer of inodes record 2: did not return an object/);
      return;
    }
    expect(u.run([v], { lazy }).outcome).toBe('committed'); // tried on the first record only (the root, ino 1)
    throwsErrno(() => readAll(k), 'EIO', /record 2 of inodes could not be migrated: .*did not return an object/);
  });
});
