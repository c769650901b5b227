// The rerooting table (rerooted.ts) against a model: writes and reads on any
// version, old or new, in any order, through chains long enough to reroot,
// materialize and cut; every version keeps what it held. Its builder gives
// what set and delete one by one give and never changes its base.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { editBothWays } from '../kernel/table-contract.js';
import { MAX_KEY, RTable, RTableBuilder } from './rerooted-table.js';

const key = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_KEY }));
const entriesOf = (t: RTable<number>) => [...t.entries()];
const sorted = (m: Map<number, number>) => [...m.entries()].sort(([a], [b]) => a - b);

function expectHolds(t: RTable<number>, model: Map<number, number>): void {
  expect(t.size).toBe(model.size);
  expect(entriesOf(t)).toEqual(sorted(model));
  const seen: [number, number][] = [];
  t.forEach((v, k) => seen.push([k, v]));
  expect(seen).toEqual(sorted(model));
}

describe('RTable', () => {
  test.prop(
    [fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'delete', 'get'), key, fc.integer()), { minLength: 1, maxLength: 3000 })],
    { seed: 20261126, numRuns: 40 },
  )('behaves like a Map on every version, written or read in any order', (ops) => {
    const versions: [RTable<number>, Map<number, number>][] = [[RTable.empty<number>(), new Map()]];
    for (const [pick, op, k, v] of ops) {
      // Mostly the newest version (as the store does), sometimes an old one.
      const i = pick % 4 === 0 ? pick % versions.length : versions.length - 1;
      const [t, model] = versions[i]!;
      if (op === 'get') {
        expect(t.get(k)).toBe(model.get(k));
        continue;
      }
      const m = new Map(model);
      if (op === 'set') m.set(k, v);
      else m.delete(k);
      const next = op === 'set' ? t.set(k, v) : t.delete(k);
      expect(next.size).toBe(m.size);
      versions.push([next, m]);
    }
    for (const [t, model] of versions.slice(-50)) expectHolds(t, model);
    for (const [t, model] of versions.filter((_, i) => i % 97 === 0)) expectHolds(t, model);
  });

  it('an old version kept across many writes (cuts and copies) stays as it was, and so does every one after it', () => {
    let t = RTable.empty<number>();
    for (let k = 0; k < 2000; k++) t = t.set(k, k);
    const kept = [t];
    for (let i = 0; i < 5000; i++) {
      t = t.set((i * 7919) % 2500, -i);
      if (i % 1000 === 0) kept.push(t);
    }
    const newest = t;
    // Alternate reads of the oldest and the newest: reroots until it has done a copy's worth, then copies.
    for (let round = 0; round < 20; round++) {
      expect(kept[0]!.get(1999)).toBe(1999);
      expect(newest.get((4999 * 7919) % 2500)).toBe(-4999);
    }
    const model = new Map<number, number>();
    for (let k = 0; k < 2000; k++) model.set(k, k);
    expectHolds(kept[0]!, model);
    for (let i = 0; i < 5000; i++) model.set((i * 7919) % 2500, -i);
    expectHolds(newest, model);
    // A write on the oldest leaves the newest alone.
    const branch = kept[0]!.set(1, 42);
    expect(branch.get(1)).toBe(42);
    expect(kept[0]!.get(1)).toBe(1);
    expectHolds(newest, model);
  });

  it('an old version and the newest read in turn (one family) reroot, then one gets a copy; both keep what they held', () => {
    let t = RTable.from(Array.from({ length: 2000 }, (_, k) => [k, k] as const)); // built in place: no diffs yet
    const old = t;
    for (let i = 0; i < 600; i++) t = t.set(i, -i - 1);
    for (let round = 0; round < 10; round++) {
      expect(old.get(599)).toBe(599);
      expect(t.get(599)).toBe(-600);
      t = t.set(1999, round); // the newest is written meanwhile: a write after a reroot reroots back first
    }
    const model = new Map<number, number>();
    for (let k = 0; k < 2000; k++) model.set(k, k);
    expectHolds(old, model);
    for (let i = 0; i < 600; i++) model.set(i, -i - 1);
    model.set(1999, 9);
    expectHolds(t, model);
  });

  test.prop([fc.array(fc.tuple(fc.boolean(), key, fc.integer()), { maxLength: 200 }), fc.array(fc.tuple(fc.boolean(), key, fc.integer()), { maxLength: 200 })], {
    seed: 20261127,
  })('a builder gives what set and delete one by one give, and leaves its base as it was', (first, second) => {
    for (const from of ['empty', 'base'] as const) {
      let base = RTable.empty<number>();
      if (from === 'base') for (const [isSet, k, v] of first) base = isSet ? base.set(k, v) : base.delete(k);
      const { byOne, built, baseBefore, baseAfter } = editBothWays(base, second);
      expect(entriesOf(built)).toEqual(entriesOf(byOne));
      expect(baseAfter).toEqual(baseBefore);
      const after = built.set(5, -5);
      expect(entriesOf(built)).toEqual(entriesOf(byOne));
      expect(after.get(5)).toBe(-5);
    }
  });

  it('entries() of an old version stays its own while the newest is written between steps', () => {
    let t = RTable.empty<number>();
    for (let k = 0; k < 3000; k++) t = t.set(k, k);
    const snapshot = t;
    const seen: number[] = [];
    for (const [k, v] of snapshot.entries()) {
      expect(v).toBe(k);
      seen.push(k);
      t = t.set(k, -1).set(k + 5000, 1); // as the lazy sweep's module does meanwhile
    }
    expect(seen.length).toBe(3000);
    expect(t.size).toBe(6000);
  });

  it('refuses bad keys and values, and a builder used after build', () => {
    const t = RTable.empty<number>();
    expect(() => t.set(-1, 1)).toThrow(RangeError);
    expect(() => t.set(MAX_KEY + 1, 1)).toThrow(RangeError);
    expect(() => t.set(1, undefined as unknown as number)).toThrow(TypeError);
    expect(t.delete(3)).toBe(t);
    const b = new RTableBuilder<number>().set(3, 3);
    expect(b.build().get(3)).toBe(3);
    expect(() => b.set(4, 4)).toThrow(/used after build/);
    expect(new RTableBuilder<number>().build()).toBe(RTable.empty());
  });
});
