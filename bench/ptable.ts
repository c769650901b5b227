// Persistent radix table: the cost of one write (a path copy) at 1k and at
// 1M records. Targets: ratio <= 1.5, and <= 3 us per write at 1M.
//
// Two access patterns, because they answer different questions:
// - hot set: the same 1k records are written in both tables, so only the
//   table's size differs: this is whether the structure's write cost grows
//   with the number of records;
// - uniform: keys drawn over the whole table, so the 1M table's leaves
//   (about 8 MB) miss the CPU caches while the 1k table stays in L1: this
//   is the worst case a user would see, cache misses included.

import { Rng } from '../hw/rng.js';
import { PTable } from '../kernel/ptable.js';
import { fmt, median, timeMs } from '../compare/timing.js';

interface Rec {
  readonly v: number;
  readonly size: number;
}

function build(n: number): PTable<Rec> {
  let t = PTable.empty<Rec>();
  for (let i = 0; i < n; i++) t = t.set(i, { v: 1, size: i });
  return t;
}

/** Microseconds per write over `writes` overwrites of existing keys (`hot` > 0: within one run of `hot` keys). */
function writeCost(t: PTable<Rec>, hot: number, writes: number, seed: number): number {
  const rng = new Rng(seed);
  const base = hot ? rng.int(0, t.size - hot) : 0;
  const keys = Array.from({ length: writes }, () => (hot ? base + rng.int(0, hot - 1) : rng.int(0, t.size - 1)));
  let cur = t;
  const ms = timeMs(() => {
    for (const k of keys) cur = cur.set(k, { v: 1, size: k });
  });
  if (cur.size !== t.size) throw new Error('table size changed');
  return (ms * 1000) / writes;
}

export interface PtablePattern {
  readonly small: number;
  readonly large: number;
  readonly ratio: number;
}

export function ptableBench(rounds = 7, writes = 200_000): { hot: PtablePattern; uniform: PtablePattern } {
  const small = build(1_000);
  const large = build(1_000_000);
  const pattern = (hot: number): PtablePattern => {
    const s: number[] = [];
    const l: number[] = [];
    writeCost(small, hot, writes, 0);
    writeCost(large, hot, writes, 0);
    for (let i = 0; i < rounds; i++) {
      s.push(writeCost(small, hot, writes, i + 1));
      l.push(writeCost(large, hot, writes, i + 1));
    }
    return { small: median(s), large: median(l), ratio: median(l) / median(s) };
  };
  return { hot: pattern(1_000), uniform: pattern(0) };
}

export function printPtableBench(r: ReturnType<typeof ptableBench>): void {
  console.log('persistent table write cost, us per write (median of alternated runs)');
  console.log('                        1k records   1M records   ratio (target <= 1.5)');
  for (const [name, p] of [['same 1k hot records', r.hot], ['uniform over table', r.uniform]] as const) {
    console.log(`  ${name.padEnd(20)}  ${fmt(p.small, 3).padStart(10)}   ${fmt(p.large, 3).padStart(10)}   ${fmt(p.ratio, 2)}`);
  }
  console.log(`  1M write, worst pattern: ${fmt(Math.max(r.hot.large, r.uniform.large), 3)} us (target <= 3 us)`);
}

if (import.meta.url === `file://${process.argv[1]}`) printPtableBench(ptableBench());
