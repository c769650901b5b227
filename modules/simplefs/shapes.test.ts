// The literal copies of shapes.ts against the spreads they replace: for
// every source (the shapes simplefs makes, frozen or not, and shapes it does
// not know: a user's extra field, keys in another order), the copy has the
// spread's keys in the spread's order and its values, and the source is
// left as it was.

import { describe, expect, it } from 'vitest';
import { inodeWith, stateWith, volumeWith } from './shapes.js';

const plain = { ino: 4, dev: 'disk0', type: 'file', size: 10, nlink: 1, blocks: [7], v: 1 };
const timed = { ino: 4, dev: 'disk0', type: 'file', size: 10, nlink: 1, blocks: [7], ctime: 3, mtime: 5, v: 2 };
/** As 2.1's lazy step makes it: the times after `v`. */
const migrated = { ino: 4, dev: 'disk0', type: 'file', size: 10, nlink: 1, blocks: [7], v: 2, ctime: 0, mtime: 0 };
/** A user's version with a field of its own. */
const owned = { ...timed, uid: 1000 };
const fewer = { ino: 4, dev: 'disk0', type: 'file', size: 10, blocks: [7], v: 1 };

const sources = { plain, timed, migrated, owned, fewer };
/** What a later version sets after them (2.1's times; a user's field; one that overrides a change). */
const stamps = [{ mtime: 11 }, { gen: 2 }, { size: 40, mtime: 12 }];
const changes = [{ size: 20 }, { blocks: [7, 8], size: 1024 }, { size: 30, mtime: 9 }, { ctime: 1, mtime: 2 }, { uid: 7 }, { v: 3 }, {}];

/** The copy as it must be: the same keys in the same order, with the same values. */
function expectSpread(got: object, want: object): void {
  expect(Object.entries(got)).toEqual(Object.entries(want));
}

describe('simplefs literal copies', () => {
  for (const [name, src] of Object.entries(sources)) {
    for (const frozen of [false, true]) {
      it(`copies a ${frozen ? 'frozen ' : ''}${name} inode record as { ...cur, ...fields, ...more } does`, () => {
        const cur = frozen ? Object.freeze({ ...src }) : { ...src };
        const before = Object.entries(cur);
        for (const fields of changes) {
          const next = inodeWith(cur, fields);
          expectSpread(next, { ...cur, ...fields });
          expect(next).not.toBe(cur);
          expect(Object.isFrozen(next)).toBe(false); // a new record, for the store to freeze
          for (const more of stamps) expectSpread(inodeWith(cur, fields, more), { ...cur, ...fields, ...more });
        }
        expect(Object.entries(cur)).toEqual(before);
      });
    }
  }

  it('copies a volume as { ...v, freeMap, used } does, whatever its shape', () => {
    const freeMap = [[1]];
    for (const v of [
      { blocks: 64, freeMap: [[0]], used: 1, root: 1, mounted: true },
      Object.freeze({ blocks: 64, freeMap: [[0]], used: 1, root: 1, mounted: true }),
      { blocks: 64, freeMap: [[0]], used: 1, root: 1, mounted: true, label: 'x' },
      { freeMap: [[0]], blocks: 64, used: 1, root: 1, mounted: true },
    ]) {
      expectSpread(volumeWith(v, freeMap, 2), { ...v, freeMap, used: 2 });
    }
  });

  it('copies the state as { ...s, volumes, nextIno, dirs } does, with or without a journal or fields of a user', () => {
    const volumes = { disk0: {} };
    const dirs = { 1: {} };
    for (const s of [
      { volumes: {}, nextIno: 2, dirs: {} },
      Object.freeze({ volumes: {}, nextIno: 2, dirs: {}, journal: 64 }),
      { volumes: {}, nextIno: 2, dirs: {}, journal: 64, quota: 5 },
      { nextIno: 2, volumes: {}, dirs: {} },
    ]) {
      expectSpread(stateWith(s, volumes, 3, dirs), { ...s, volumes, nextIno: 3, dirs });
    }
  });
});
