// The persistent radix table against a Map, under random operations; old
// versions stay intact after writes. Its builder (the batch path) gives the
// table that the same writes one by one give, and never changes its base.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_KEY, PTable, PTableBuilder } from './ptable.js';
import { editBothWays } from './table-contract.js';

describe('PTable', () => {
  test.prop([fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_KEY })), fc.integer()), { maxLength: 200 })], { seed: 20261126 })(
    'builds from entries (PTable.from) the table that setting them one by one gives, and stays persistent after',
    (entries) => {
      const built = PTable.from(entries);
      let byOne = PTable.empty<number>();
      for (const [k, v] of entries) byOne = byOne.set(k, v);
      expect(built.size).toBe(byOne.size);
      expect([...built.entries()]).toEqual([...byOne.entries()]);
      const before = [...built.entries()];
      const after = built.set(7, -1).delete(entries[0]?.[0] ?? 0);
      expect([...built.entries()]).toEqual(before);
      expect(after.get(7)).toBe(-1);
    },
  );

  test.prop(
    [fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_KEY })), fc.integer()), { maxLength: 200 })],
    { seed: 20261125 },
  )('behaves like a Map and keeps every old version', (ops) => {
    let t = PTable.empty<number>();
    const model = new Map<number, number>();
    const versions: [PTable<number>, Map<number, number>][] = [];
    for (const [isSet, key, value] of ops) {
      if (isSet) {
        t = t.set(key, value);
        model.set(key, value);
      } else {
        t = t.delete(key);
        model.delete(key);
      }
      versions.push([t, new Map(model)]);
    }
    for (const [table, snapshot] of versions) {
      expect(table.size).toBe(snapshot.size);
      expect([...table.entries()]).toEqual([...snapshot.entries()].sort(([a], [b]) => a - b));
      for (const [k, v] of snapshot) expect(table.get(k)).toBe(v);
      const visited: [number, number][] = [];
      table.forEach((v, k) => visited.push([k, v]));
      expect(visited).toEqual([...table.entries()]); // nodes are only as long as their last used slot: both walks stop there
    }
  });

  it('refuses keys outside its range and undefined values', () => {
    const t = PTable.empty<number>();
    expect(() => t.set(-1, 1)).toThrow(RangeError);
    expect(() => t.set(MAX_KEY + 1, 1)).toThrow(RangeError);
    expect(() => t.set(1.5, 1)).toThrow(RangeError);
    expect(() => t.set(1, undefined as unknown as number)).toThrow(TypeError);
    expect(t.get(-3)).toBeUndefined();
  });

  it('deleting a missing key returns the same table', () => {
    const t = PTable.empty<string>().set(1, 'a');
    expect(t.delete(2)).toBe(t);
  });

  const key = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_KEY }));
  const ops = fc.array(fc.tuple(fc.boolean(), key, fc.integer()), { maxLength: 200 });
  const entriesOf = (t: PTable<number>) => [...t.entries()];

  test.prop([ops, ops], { seed: 20261127 })(
    'a builder from a base table gives what set and delete one by one give, and leaves the base as it was',
    (first, second) => {
      let base = PTable.empty<number>();
      for (const [isSet, k, v] of first) base = isSet ? base.set(k, v) : base.delete(k);
      const { byOne, built, baseBefore, baseAfter } = editBothWays(base, second);
      expect(built.size).toBe(byOne.size);
      expect(entriesOf(built)).toEqual(entriesOf(byOne));
      expect(baseAfter).toEqual(baseBefore); // not one node of the base was written
      expect(base.size).toBe(baseBefore.length);
      // The built table is persistent like any other.
      const after = built.set(5, -5);
      expect(entriesOf(built)).toEqual(entriesOf(byOne));
      expect(after.get(5)).toBe(-5);
    },
  );

  test.prop([ops], { seed: 20261128 })('forEach visits what entries() yields, in key order', (list) => {
    let t = PTable.empty<number>();
    for (const [isSet, k, v] of list) t = isSet ? t.set(k, v) : t.delete(k);
    const seen: [number, number][] = [];
    t.forEach((v, k) => seen.push([k, v]));
    expect(seen).toEqual(entriesOf(t));
    expect(seen.length).toBe(t.size);
  });

  it('a builder refuses bad entries and use after build', () => {
    const b = new PTableBuilder<number>();
    expect(() => b.set(-1, 1)).toThrow(RangeError);
    expect(() => b.set(1, undefined as unknown as number)).toThrow(TypeError);
    b.set(3, 3);
    const t = b.build();
    expect(t.get(3)).toBe(3);
    expect(() => b.set(4, 4)).toThrow(/used after build/);
    expect(() => b.build()).toThrow(/used after build/);
    expect(new PTableBuilder<number>().build()).toBe(PTable.empty());
  });
});

