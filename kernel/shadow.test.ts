// Shadow variables on a store: attached to existing records only, plain and
// frozen, freed with their record, by key, and taken back by a restore of
// the image (the rollback of an aborted update).

import { describe, expect, it } from 'vitest';
import { ModuleShadows, keepTables, shadowCounts } from './shadow.js';
import { RecordTable } from './records.js';
import { freezeNew } from './freezing.js';
import { StateStore } from './store.js';

function setup() {
  const st = new StateStore();
  st.create('m', { n: 0 }, { inodes: 1, other: 1 });
  const inodes = new RecordTable<{ size: number }>(st, 'm', 'inodes');
  for (let i = 1; i <= 3; i++) inodes.put(i, { size: i * 10 });
  return { st, inodes, sh: new ModuleShadows(st, 'm', freezeNew) };
}

const ino = (id: number) => ({ table: 'inodes', id });

describe('ModuleShadows', () => {
  it('getOrAlloc runs the constructor once; get then returns the same frozen data; set replaces it', () => {
    const { sh } = setup();
    expect(sh.get(ino(1), 'times')).toBeUndefined();
    let made = 0;
    const a = sh.getOrAlloc(ino(1), 'times', () => ({ mtime: ++made * 100, list: [1] }));
    const b = sh.getOrAlloc(ino(1), 'times', () => ({ mtime: ++made * 100, list: [2] }));
    expect(made).toBe(1);
    expect(b).toBe(a);
    expect(sh.get(ino(1), 'times')).toEqual({ mtime: 100, list: [1] });
    expect(Object.isFrozen(a) && Object.isFrozen(a.list)).toBe(true);
    expect(sh.get(ino(2), 'times')).toBeUndefined(); // another instance
    expect(sh.get(ino(1), 'other-key')).toBeUndefined(); // another key
    expect(sh.getOrAlloc(ino(3), 'double', (rec: { size: number }) => rec.size * 2)).toBe(60); // made from the record
    sh.set(ino(1), 'times', { mtime: 7, list: [] });
    expect(sh.get(ino(1), 'times')).toEqual({ mtime: 7, list: [] });
  });

  it('leaves the record and the snapshot as they were', () => {
    const { st, sh, inodes } = setup();
    const state = st.state('m');
    const table = st.table('m', 'inodes');
    sh.set(ino(2), 'times', { mtime: 1 });
    expect(st.state('m')).toBe(state);
    expect(st.table('m', 'inodes')).toBe(table);
    expect(inodes.get(2)).toEqual({ size: 20, v: 1 });
  });

  it('free removes one shadow, freeAll every shadow of a key, each saying what it removed', () => {
    const { sh } = setup();
    for (const id of [1, 2, 3]) sh.set(ino(id), 'times', { mtime: id });
    sh.set(ino(1), 'tag', 'x');
    expect(sh.free(ino(2), 'times')).toBe(true);
    expect(sh.free(ino(2), 'times')).toBe(false);
    expect(sh.get(ino(2), 'times')).toBeUndefined();
    expect(sh.get(ino(3), 'times')).toEqual({ mtime: 3 });
    expect(sh.freeAll('times')).toBe(2);
    expect(sh.get(ino(1), 'times')).toBeUndefined();
    expect(sh.get(ino(1), 'tag')).toBe('x'); // other keys stay
    expect(sh.freeAll('times')).toBe(0);
  });

  it('a shadow is freed with its record, and a new record under the same key starts with none', () => {
    const { st, sh, inodes } = setup();
    sh.set(ino(1), 'times', { mtime: 1 });
    sh.set(ino(1), 'tag', 'a');
    sh.set(ino(2), 'times', { mtime: 2 });
    inodes.delete(1);
    expect(shadowCounts(st.shadows('m'))).toEqual([['times', 'inodes', 1]]);
    inodes.put(1, { size: 0 });
    expect(sh.get(ino(1), 'times')).toBeUndefined();
    expect(sh.get(ino(2), 'times')).toEqual({ mtime: 2 });
  });

  it('restoring an image taken earlier takes back the shadow changes made since', () => {
    const { st, sh } = setup();
    sh.set(ino(1), 'times', { mtime: 1 });
    const image = st.image('m');
    sh.set(ino(1), 'times', { mtime: 2 });
    sh.set(ino(3), 'times', { mtime: 3 });
    sh.freeAll('times');
    st.restore('m', image);
    expect(sh.get(ino(1), 'times')).toEqual({ mtime: 1 });
    expect(sh.get(ino(3), 'times')).toBeUndefined();
  });

  it('refuses what is not a shadow of an existing instance, with the errno, and changes nothing', () => {
    const { st, sh } = setup();
    const before = st.image('m');
    expect(() => sh.set(ino(9), 'times', 1)).toThrow(expect.objectContaining({ errno: 'ENOENT', message: "m: no record 9 in inodes to attach shadow 'times' to" }));
    let called = false;
    expect(() => sh.getOrAlloc(ino(9), 'times', () => (called = true))).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    expect(called).toBe(false);
    expect(() => sh.get({ table: 'nope', id: 1 }, 'times')).toThrow(expect.objectContaining({ errno: 'EINVAL', message: "m declares no record table 'nope'" }));
    expect(() => sh.get(ino(1), '')).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => sh.get({ table: 'inodes', id: 1.5 }, 'k')).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => sh.set(ino(1), 'k', { f: () => 1 })).toThrow(expect.objectContaining({ errno: 'EINVAL', message: "m: shadow 'k' of inodes[1].f is a function, not plain data" }));
    expect(() => sh.set(ino(1), 'k', new Uint8Array(2))).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => sh.set(ino(1), 'k', undefined)).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => sh.freeAll('')).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(st.image('m')).toBe(before);
  });

  it('takes any string as a key, those Object.prototype has too', () => {
    const { sh } = setup();
    for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(sh.get(ino(1), key)).toBeUndefined();
      sh.set(ino(1), key, key.length);
      expect(sh.get(ino(1), key)).toBe(key.length);
      expect(sh.get(ino(2), key)).toBeUndefined();
    }
    expect(sh.freeAll('__proto__')).toBe(1);
    expect(sh.free(ino(1), 'toString')).toBe(true);
    expect(sh.get(ino(1), 'constructor')).toBe(11);
    expect(() => sh.get({ table: 'toString', id: 1 }, 'k')).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
  });

  it('gives module code no way to the store through it', () => {
    const { sh } = setup();
    expect(Object.keys(sh)).toEqual([]);
    expect((sh as unknown as Record<string, unknown>).host).toBeUndefined();
    expect(Object.isFrozen(sh)).toBe(true);
  });

  it('keepTables drops the shadows of tables no longer there, and keeps the same value when none go', () => {
    const { st, sh } = setup();
    new RecordTable<{ a: number }>(st, 'm', 'other').put(5, { a: 1 });
    sh.set(ino(1), 'times', 1);
    sh.set({ table: 'other', id: 5 }, 'times', 2);
    const img = st.shadows('m');
    expect(keepTables(img, ['inodes', 'other'])).toBe(img);
    const kept = keepTables(img, ['inodes']);
    expect(shadowCounts(kept)).toEqual([['times', 'inodes', 1]]);
    expect(shadowCounts(img)).toEqual([['times', 'inodes', 1], ['times', 'other', 1]]);
    expect(shadowCounts(keepTables(img, []))).toEqual([]);
  });
});
