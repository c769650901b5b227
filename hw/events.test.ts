// Event ordering and the trace hash: the basis of determinism.

import { describe, expect, it } from 'vitest';
import { EventQueue } from './events.js';

describe('EventQueue', () => {
  it('runs events in time order, ties in insertion order', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.at(30, 'c', () => seen.push('c'));
    q.at(10, 'a1', () => seen.push('a1'));
    q.at(20, 'b', () => {
      seen.push('b');
      q.after(0, 'b-now', () => seen.push('b-now'));
      q.at(10, 'past', () => seen.push('past')); // clamped to now
    });
    q.at(10, 'a2', () => seen.push('a2'));
    q.runUntil(100);
    expect(seen).toEqual(['a1', 'a2', 'b', 'b-now', 'past', 'c']);
    expect(q.now).toBe(100);
  });

  it('stops at `until` and leaves later events queued', () => {
    const q = new EventQueue();
    let ran = 0;
    q.at(5, 'x', () => ran++);
    q.at(50, 'y', () => ran++);
    expect(q.runUntil(10)).toBe(1);
    expect(q.now).toBe(10);
    expect(q.pending).toBe(1);
    expect(q.runUntil(49)).toBe(0);
    expect(q.runUntil(50)).toBe(1);
    expect(ran).toBe(2);
  });

  it('hashes the trace: equal histories hash equal, any difference shows', () => {
    const run = (tags: string[], times: number[]) => {
      const q = new EventQueue();
      tags.forEach((t, i) => q.at(times[i]!, t, () => {}));
      q.runUntil(1000);
      return q.trace.hex();
    };
    const base = run(['a', 'b', 'c'], [1, 2, 3]);
    expect(run(['a', 'b', 'c'], [1, 2, 3])).toBe(base);
    expect(run(['a', 'b', 'd'], [1, 2, 3])).not.toBe(base);
    expect(run(['a', 'b', 'c'], [1, 2, 4])).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a cancelled event never runs nor enters the trace, and the heap sheds cancelled events', () => {
    const plain = new EventQueue();
    const withCancels = new EventQueue();
    const seen: string[] = [];
    for (let i = 0; i < 500; i++) {
      plain.at(i * 10, `e${i}`, () => {});
      withCancels.at(i * 10, `e${i}`, () => seen.push(`e${i}`));
      withCancels.cancel(withCancels.at(i * 10 + 5, `t${i}`, () => seen.push(`t${i}`)));
      withCancels.cancel(withCancels.at(i * 10 + 6, `u${i}`, () => seen.push(`u${i}`)));
    }
    expect(withCancels.pending).toBeLessThan(1000); // compacted: 500 live and fewer than 500 cancelled, not 1500
    plain.runUntil(10_000);
    withCancels.runUntil(10_000);
    expect(seen).toHaveLength(500);
    expect(seen.every((s) => s.startsWith('e'))).toBe(true);
    expect(withCancels.trace.hex()).toBe(plain.trace.hex());
    expect(withCancels.pending).toBe(0);
  });
});
