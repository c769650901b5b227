// The state store: immutable snapshots, O(1) snapshot and exact restore,
// versioned records, and the migration hook that lazy updates will use.

import { describe, expect, it } from 'vitest';
import { RecordTable } from './records.js';
import { defaultFreezePolicy, MAX_UNFROZEN } from './freezing.js';
import { StateStore } from './store.js';

interface S {
  readonly n: number;
  readonly list: readonly number[];
  readonly other: { readonly x: number };
}

describe('StateStore', () => {
  it('commits with immer: a new deep-frozen snapshot, the old one untouched, unchanged parts shared', () => {
    const st = new StateStore(undefined, 'commits');
    st.create('m', { n: 0, list: [], other: { x: 1 } }, {});
    const before = st.state<S>('m');
    const after = st.commit<S>('m', (d) => {
      d.n++;
      d.list.push(4);
    });
    expect(before).toEqual({ n: 0, list: [], other: { x: 1 } });
    expect(after).toEqual({ n: 1, list: [4], other: { x: 1 } });
    expect(after.other).toBe(before.other);
    expect(Object.isFrozen(after)).toBe(true);
    expect(Object.isFrozen(after.list)).toBe(true);
    expect(() => (after.list as number[]).push(5)).toThrow();
  });

  it('under the snapshots policy, leaves a commit unfrozen until an image of it is taken, which freezes it whole', () => {
    const st = new StateStore(undefined, 'snapshots');
    st.create('m', { n: 0, list: [], other: { x: 1 } }, {});
    const first = st.put<S>('m', { ...st.state<S>('m'), list: [1] });
    const after = st.commit<S>('m', (d) => {
      d.n++;
      d.list.push(2);
    });
    expect(after).toEqual({ n: 1, list: [1, 2], other: { x: 1 } });
    expect(first.list).toEqual([1]);
    expect(Object.isFrozen(after)).toBe(false);
    expect(Object.isFrozen(after.list)).toBe(false);
    const image = st.image('m');
    expect(image.state).toBe(after);
    expect(Object.isFrozen(after)).toBe(true);
    expect(Object.isFrozen(after.list)).toBe(true);
    expect(() => (after.list as number[]).push(5)).toThrow();
    st.commit<S>('m', (d) => void (d.n = 9));
    st.restore('m', image);
    expect(st.state('m')).toBe(after);
  });

  it('under the snapshots policy, freezes a record when an image is taken, and never one overwritten or deleted before', () => {
    const st = new StateStore(undefined, 'snapshots');
    st.create('m', {}, { files: 1 });
    const files = new RecordTable<{ size: number; blocks: number[] }>(st, 'm', 'files');
    const first = files.put(1, { size: 0, blocks: [] });
    const second = files.put(1, { size: 1, blocks: [7] });
    const gone = files.put(2, { size: 2, blocks: [8] });
    files.delete(2);
    expect(Object.isFrozen(second)).toBe(false);
    expect(st.unfrozenRecords('m')).toBe(1);
    const image = st.image('m');
    expect(st.unfrozenRecords('m')).toBe(0);
    expect(Object.isFrozen(second)).toBe(true);
    expect(Object.isFrozen(second.blocks)).toBe(true);
    expect(() => (second.blocks as number[]).push(9)).toThrow();
    expect(Object.isFrozen(first)).toBe(false);
    expect(Object.isFrozen(gone)).toBe(false);
    // Written after the image: waits again, and a rollback to the image freezes it (whoever kept the replaced image may read it).
    const third = files.put(1, { size: 3, blocks: [7] });
    expect(Object.isFrozen(third)).toBe(false);
    st.restore('m', image);
    expect(Object.isFrozen(third)).toBe(true);
    expect(files.get(1)).toBe(second);
  });

  it('under the snapshots policy, freezes every waiting record once more than MAX_UNFROZEN wait', () => {
    const st = new StateStore(undefined, 'snapshots');
    st.create('m', {}, { files: 1 });
    const files = new RecordTable<{ n: number }>(st, 'm', 'files');
    const recs = Array.from({ length: MAX_UNFROZEN }, (_, i) => files.put(i, { n: i }));
    expect(st.unfrozenRecords('m')).toBe(MAX_UNFROZEN);
    expect(recs.some((r) => Object.isFrozen(r))).toBe(false);
    files.put(MAX_UNFROZEN, { n: 0 });
    expect(st.unfrozenRecords('m')).toBe(0);
    expect(recs.every((r) => Object.isFrozen(r))).toBe(true);
  });

  it('under the commits policy, freezes a record as it is written', () => {
    const st = new StateStore(undefined, 'commits');
    st.create('m', {}, { files: 1 });
    const rec = new RecordTable<{ blocks: number[] }>(st, 'm', 'files').put(1, { blocks: [1] });
    expect(Object.isFrozen(rec)).toBe(true);
    expect(Object.isFrozen(rec.blocks)).toBe(true);
    expect(st.unfrozenRecords('m')).toBe(0);
  });

  it('stores a record given up by putNew as it is, stamped, unless it is frozen or carries another schema', () => {
    const st = new StateStore(undefined, 'snapshots');
    st.create('m', {}, { files: 3 });
    const files = new RecordTable<{ size: number; v?: number }>(st, 'm', 'files');
    const fresh = { size: 1 };
    expect(files.putNew(1, fresh)).toBe(fresh); // no copy: stamped in place
    expect(files.get(1)).toEqual({ size: 1, v: 3 });
    const stamped = { size: 2, v: 3 };
    expect(files.putNew(1, stamped)).toBe(stamped);
    const frozen = Object.freeze({ size: 3 });
    expect(files.putNew(2, frozen)).not.toBe(frozen);
    expect(files.get(2)).toEqual({ size: 3, v: 3 });
    const old = { size: 4, v: 1 };
    const copy = files.putNew(3, old);
    expect(copy).not.toBe(old);
    expect(old).toEqual({ size: 4, v: 1 }); // another schema's record is not stamped in place
    expect(files.get(3)).toEqual({ size: 4, v: 3 });
    st.image('m');
    expect(Object.isFrozen(files.get(1))).toBe(true); // frozen with the snapshot, as put's copies are
  });

  it('never changes the tables of an image it handed out: writes and deletes after it go to a copy', () => {
    const st = new StateStore(undefined, 'snapshots');
    st.create('m', {}, { a: 1, b: 1 });
    const a = new RecordTable<{ n: number }>(st, 'm', 'a');
    const b = new RecordTable<{ n: number }>(st, 'm', 'b');
    a.put(1, { n: 1 });
    const image = st.image('m');
    const [ta, tb] = [image.tables.a, image.tables.b];
    expect(Object.isFrozen(image.tables)).toBe(true);
    a.put(1, { n: 2 });
    a.put(2, { n: 3 }); // a second write after the image: into the copy, which is not frozen
    b.delete(7);
    expect(image.tables.a).toBe(ta);
    expect(image.tables.b).toBe(tb);
    expect(image.tables.a!.get(1)).toEqual({ n: 1, v: 1 });
    expect(image.tables.a!.get(2)).toBeUndefined();
    const next = st.image('m');
    expect(next.tables).not.toBe(image.tables);
    expect(next.tables.a!.get(2)).toEqual({ n: 3, v: 1 });
    st.restore('m', image);
    a.put(3, { n: 4 }); // a restored image is shared with the cell: the write copies it too
    expect(image.tables.a).toBe(ta);
    expect(st.table('m', 'a').get(3)).toEqual({ n: 4, v: 1 });
  });

  it('takes its freezing policy from LIVEMOD_FREEZE, else every commit under vitest only', () => {
    expect(defaultFreezePolicy({ VITEST: 'true' })).toBe('commits');
    expect(defaultFreezePolicy({})).toBe('snapshots');
    expect(defaultFreezePolicy({ LIVEMOD_FREEZE: 'commits' })).toBe('commits');
    expect(defaultFreezePolicy({ VITEST: 'true', LIVEMOD_FREEZE: 'snapshots' })).toBe('snapshots');
    expect(new StateStore().freezing).toBe(defaultFreezePolicy());
  });

  it('restores an image taken earlier as the very same references', () => {
    const st = new StateStore();
    st.create('m', { n: 0, list: [], other: { x: 1 } }, { recs: 1 });
    const recs = new RecordTable<{ a: number }>(st, 'm', 'recs');
    recs.put(1, { a: 1 });
    const image = st.image('m');
    st.commit<S>('m', (d) => void (d.n = 9));
    recs.put(2, { a: 2 });
    recs.update(1, (r) => void (r.a = 100));
    st.restore('m', image);
    expect(st.image('m')).toBe(image);
    expect(st.state('m')).toBe(image.state);
    expect(st.table('m', 'recs')).toBe(image.tables.recs);
    expect(recs.get(1)).toEqual({ a: 1, v: 1 });
    expect(recs.get(2)).toBeUndefined();
  });

  it('stamps records with the table schema and migrates stale ones on read through the pending steps', () => {
    const charged: number[] = [];
    const st = new StateStore({ charge: (c) => charged.push(c), oops: () => {} });
    st.create('fs', {}, { inodes: 1 });
    const t = new RecordTable<{ size: number; mtime?: number }>(st, 'fs', 'inodes');
    t.put(7, { size: 10 });
    expect(t.get(7)).toEqual({ size: 10, v: 1 });
    st.restore('fs', st.image('fs'), { inodes: 2 });
    const seen: number[] = [];
    st.lazy.add('fs', 'inodes', {
      from: 1,
      to: 2,
      update: 1,
      fn: (old: { size: number }) => {
        seen.push(old.size);
        return { ...old, mtime: 0 };
      },
    });
    expect(st.recordsBehind('fs', 'inodes')).toBe(1);
    expect(t.get(7)).toEqual({ size: 10, mtime: 0, v: 2 });
    expect(t.get(7)).toEqual({ size: 10, mtime: 0, v: 2 });
    expect(seen).toEqual([10]); // migrated once, then current
    expect(charged).toHaveLength(1);
    expect(st.recordsBehind('fs', 'inodes')).toBe(0);
  });

  it('fails a read with EIO and reports an oops when a lazy step throws, and forgets the steps with the module', () => {
    const oopses: string[] = [];
    const st = new StateStore({ charge: () => {}, oops: (where) => oopses.push(where) });
    st.create('fs', {}, { inodes: 1 });
    const t = new RecordTable<{ size: number }>(st, 'fs', 'inodes');
    t.put(3, { size: 1 });
    st.restore('fs', st.image('fs'), { inodes: 2 });
    st.lazy.add('fs', 'inodes', { from: 1, to: 2, update: 1, fn: () => { throw new Error('bad step'); } });
    expect(() => t.get(3)).toThrow(expect.objectContaining({ errno: 'EIO', message: expect.stringMatching(/record 3 of inodes could not be migrated: bad step/) }));
    expect(oopses).toEqual(['lazy migration of fs/inodes[3]']);
    st.remove('fs');
    expect(st.lazy.pending('fs', 'inodes')).toEqual([]);
  });

  it('refuses tables a module did not declare', () => {
    const st = new StateStore();
    st.create('m', {}, {});
    expect(() => st.table('m', 'nope')).toThrow(/declares no record table 'nope'/);
    expect(() => st.create('m', {}, {})).toThrow(/already exists/);
  });
});
