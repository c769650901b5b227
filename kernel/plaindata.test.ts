// The plain-data rule, case by case: what passes, and each thing that would
// be lost or changed by copying and freezing, refused with its path named.

import { describe, expect, it } from 'vitest';
import { checkPlainData } from './plaindata.js';

describe('checkPlainData', () => {
  it('accepts primitives, arrays and plain objects, nested', () => {
    expect(() => checkPlainData({ a: [1, 'x', true, null, { b: [] }], c: {} }, 'state')).not.toThrow();
    expect(() => checkPlainData([], 'state')).not.toThrow();
  });

  const sparse = [1, 2, 3];
  delete sparse[1];
  const tagged = Object.assign([1], { extra: 2 });
  const hidden = {};
  Object.defineProperty(hidden, 'secret', { value: 1, enumerable: false });
  const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  it.each([
    ['a symbol-keyed property', { a: { [Symbol('tag')]: 1, b: 2 } }, /state\.a has a property keyed by Symbol\(tag\)/],
    ['a sparse array', { list: sparse }, /state\.list is a sparse array: element 1 is a hole/],
    ['an array made with a length only', { list: new Array(3) }, /state\.list is a sparse array: element 0 is a hole/],
    ['a property on an array', { list: tagged }, /state\.list has a property 'extra' besides its elements/],
    ['a null-prototype object', { dir: nullProto }, /state\.dir has a null prototype/],
    ['a getter', { get n() { return 1; } }, /state\.n is a getter or setter/],
    ['a non-enumerable property', { h: hidden }, /state\.h\.secret is not enumerable/],
    ['a class instance', { m: new Map() }, /state\.m is a Map instance/],
    ['a function', { f: () => 1 }, /state\.f is a function/],
    ['undefined', { u: undefined }, /state\.u is a undefined/],
    ['NaN', { n: NaN }, /state\.n is NaN/],
    ['a cycle', cyclic, /state\.self is reached twice/],
  ])('refuses %s, naming where', (_what, value, message) => {
    expect(() => checkPlainData(value, 'state')).toThrow(message);
  });

  const elementGetter = [1, 2];
  Object.defineProperty(elementGetter, 1, { get: () => 2, enumerable: true });
  const hiddenElement = [1, 2];
  Object.defineProperty(hiddenElement, 0, { value: 1, enumerable: false });

  const setterOnly = {};
  Object.defineProperty(setterOnly, 's', { set: () => {}, enumerable: true });

  it.each([
    ['a setter alone', { o: setterOnly }, /state\.o\.s is a getter or setter/],
    ['a getter on an array element', { list: elementGetter }, /state\.list\.1 is a getter or setter/],
    ['a non-enumerable array element', { list: hiddenElement }, /state\.list\.0 is not enumerable/],
    ['a bad value deep in an array', { a: [{ b: [1, { c: Infinity }] }] }, /state\.a\[0\]\.b\[1\]\.c is Infinity/],
  ])('refuses %s, naming where', (_what, value, message) => {
    expect(() => checkPlainData(value, 'state')).toThrow(message);
  });

  it('names the value only when something is wrong', () => {
    let named = 0;
    const where = () => `record ${++named}`;
    checkPlainData({ a: [1, { b: 'x' }] }, where);
    expect(named).toBe(0);
    expect(() => checkPlainData({ a: () => 1 }, where)).toThrow(/^record 1\.a is a function/);
  });

  describe('what a pure transfer passed through', () => {
    const frozenOdd = Object.freeze({ m: new Map() });
    const input = { kept: frozenOdd, loose: { m: new Map() } };

    it('is not walked again when it is the frozen value of the same key', () => {
      expect(() => checkPlainData({ ...input, loose: 1 }, 'r', input)).not.toThrow();
      expect(() => checkPlainData({ ...input, loose: 1 }, 'r')).toThrow(/r\.kept\.m is a Map instance/);
    });

    it('is walked when it is not frozen, sits under another key, or was made by the transfer', () => {
      expect(() => checkPlainData({ kept: 1, loose: input.loose }, 'r', input)).toThrow(/r\.loose\.m is a Map instance/);
      expect(() => checkPlainData({ renamed: frozenOdd }, 'r', input)).toThrow(/r\.renamed\.m is a Map instance/);
      expect(() => checkPlainData({ kept: Object.freeze({ m: new Set() }) }, 'r', input)).toThrow(/r\.kept\.m is a Set instance/);
    });

    it('is only the top level: the record object itself is always checked', () => {
      expect(() => checkPlainData(Object.assign(Object.create(null) as object, input), 'r', input)).toThrow(/r has a null prototype/);
    });
  });
});

