// thrownMessage and oneLine: the one-line report of anything module code throws or a user typed, which must never throw or break the line itself.

import { describe, expect, it } from 'vitest';
import { KernelError, oneLine, thrownMessage } from './errno.js';

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

describe('KernelError.describe is one line', () => {
  it('shows a newline, a tab, NUL, a terminal escape and a bidi override the message quotes as escapes', () => {
    const e = new KernelError('ENOENT', "no module named 'a\nb\t\u0000\u001b[31m\u202eevil'", 'check\r\nthe name');
    expect(e.describe()).toBe("ENOENT: no module named 'a\\nb\\t\\u0000\\u001b[31m\\u202eevil' (check\\r\\nthe name)");
    expect(e.message).toContain('\n'); // the message itself (and --json's) keeps what was typed
  });

  it('leaves printable unicode alone', () => {
    expect(oneLine('שלום 😀 e\u0301 ǅ')).toBe('שלום 😀 e\u0301 ǅ');
  });
});
