// thrownMessage: the one-line report of anything module code throws, which must never throw itself.

import { describe, expect, it } from 'vitest';
import { thrownMessage } from './errno.js';

describe('thrownMessage', () => {
  it('reads an Error’s message and prints other values', () => {
    expect(thrownMessage(new TypeError('bad'))).toBe('bad');
    expect(thrownMessage('text')).toBe('text');
    expect(thrownMessage(undefined)).toBe('undefined');
    expect(thrownMessage(Symbol('s'))).toBe('Symbol(s)');
  });

  it('names a value that cannot be printed instead of throwing', () => {
    expect(thrownMessage(Object.create(null))).toBe('a thrown Object that cannot be printed');
    const bad = { toString: () => { throw new Error('no'); } };
    expect(thrownMessage(bad)).toBe('a thrown Object that cannot be printed');
    const getter = Object.create(Error.prototype, { message: { get: () => { throw new Error('no'); } } });
    expect(thrownMessage(getter)).toBe('a thrown Object that cannot be printed'); // Object.prototype.toString tags only real errors 'Error'
    const trap = new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } });
    expect(thrownMessage(trap)).toMatch(/cannot be printed$/);
  });
});
