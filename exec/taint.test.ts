// Taint flags: set once, first reason kept, letters in a fixed order, logged.
import { describe, expect, it } from 'vitest';
import { Taint } from './taint.js';

describe('Taint', () => {
  it('keeps the first reason, logs each flag once, and prints letters in a fixed order', () => {
    const log: string[] = [];
    let now = 10;
    const t = new Taint(() => now, (l) => log.push(l));
    expect(t.letters()).toBe('');
    t.add('soft-lockup', 'foo: init');
    now = 20;
    t.add('unsigned', 'foo');
    t.add('soft-lockup', 'bar: exit');
    expect(t.letters()).toBe('EL');
    expect(t.has('forced')).toBe(false);
    expect(t.entries().map((e) => [e.flag, e.at, e.reason])).toEqual([
      ['unsigned', 20, 'foo'],
      ['soft-lockup', 10, 'foo: init'],
    ]);
    expect(log).toEqual(['taint: soft-lockup (L): foo: init', 'taint: unsigned (E): foo']);
  });
});
