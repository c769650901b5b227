// Benchmark helpers: wall-clock timing, medians, and running two variants
// alternately in one process so that machine noise hits both alike.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds taken by `fn`. */
export function timeMs(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Run `a` and `b` alternately `rounds` times (after one warm-up each) and
 * return every measurement; each returns its own figure (e.g. ops/s).
 */
export function alternate(rounds: number, a: () => number, b: () => number): { a: number[]; b: number[] } {
  a();
  b();
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(a());
      out.b.push(b());
    } else {
      out.b.push(b());
      out.a.push(a());
    }
  }
  return out;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Quartiles (25th, 50th, 75th percentile) of a sample. */
export function quartiles(xs: readonly number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = (s.length - 1) * q;
    const lo = Math.floor(i);
    return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
  };
  return [at(0.25), at(0.5), at(0.75)];
}
