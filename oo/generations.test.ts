// Thread generations: a marker elapses only when every thread in the kernel
// at the time it was set has left, whatever enters after.

import { describe, expect, it } from 'vitest';
import type { Thread } from '../exec/thread.js';
import { Generations } from './generations.js';

const thread = (tid: number) => ({ tid }) as Thread;

describe('generations', () => {
  it('elapses at once when no thread is in the kernel', () => {
    const g = new Generations();
    let elapsed = false;
    g.marker(() => (elapsed = true));
    expect(elapsed).toBe(true);
  });

  it('waits for the threads inside at marker time, not for those that enter after', () => {
    const g = new Generations();
    const [a, b, c] = [thread(1), thread(2), thread(3)];
    g.enter(a);
    g.enter(b);
    let elapsed = false;
    g.marker(() => (elapsed = true));
    g.enter(c); // after the marker: must not hold it
    g.leave(a);
    expect(elapsed).toBe(false);
    expect(g.threadsSince(g.current - 1).map((t) => t.tid)).toEqual([2]);
    g.leave(b);
    expect(elapsed).toBe(true);
    expect(g.inKernel().size).toBe(1); // c is still inside
  });

  it('a thread that leaves and re-enters joins the newer generation', () => {
    const g = new Generations();
    const a = thread(1);
    const b = thread(2);
    g.enter(a);
    let elapsed = 0;
    g.marker(() => elapsed++);
    g.enter(b);
    g.leave(b);
    g.enter(b);
    expect(elapsed).toBe(0);
    g.leave(a);
    expect(elapsed).toBe(1);
    g.cancel(() => undefined); // cancelling an unknown marker changes nothing
    expect(g.inKernel().size).toBe(1);
  });
});
