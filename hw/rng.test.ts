// The seeded RNG: same seed, same sequence; ranges respected.

import { describe, expect, it } from 'vitest';
import { derivedBytes, Rng } from './rng.js';

describe('Rng', () => {
  it('is a pure function of its seed', () => {
    const a = new Rng(99);
    const b = new Rng(99);
    const c = new Rng(100);
    const xs = Array.from({ length: 50 }, () => a.u32());
    expect(Array.from({ length: 50 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.u32())).not.toEqual(xs);
  });

  it('keeps int() inside its bounds and reaches both ends', () => {
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('derives bytes from a key, differently for different keys', () => {
    expect(derivedBytes(37, 1, 2, 3)).toEqual(derivedBytes(37, 1, 2, 3));
    expect(derivedBytes(37, 1, 2, 3)).not.toEqual(derivedBytes(37, 1, 2, 4));
    expect(derivedBytes(5, 9)).toHaveLength(5);
  });
});
