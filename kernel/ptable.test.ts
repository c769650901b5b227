// The persistent radix table against a Map, under random operations; old
// versions stay intact after writes.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_KEY, PTable } from './ptable.js';

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
});
