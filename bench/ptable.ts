// Persistent radix table: the cost of one write (a path copy) at 1k and at
// 1M records. Targets: ratio <= 1.5, and <= 3 us per write at 1M.
//
// Two access patterns, because they answer different questions:
// - hot set: the same 1k records are written in both tables, so only the
//   table's size differs: this is whether the structure's write cost grows
//   with the number of records;
// - uniform: keys drawn over the whole table, so the 1M table's leaves
//   (about 8 MB) miss the CPU caches while the 1k table stays in L1: this
//   is the worst case a user would see, cache misses included; and each
//   new leaf and record outlives the young generation (it stays in the
//   table until that leaf is written again), where at 1k they die young.
// - two floors for the uniform writes: a mutable array (no copy: the new
//   record, the caches and the collector alone) and one 64-slot leaf
//   copied and kept per write, with no path above it (the least any
//   persistent write does). What the second costs more at 1M than at 1k
//   (a cold leaf read, a copy that outlives the young generation), every
//   persistent table costs more too: a 1M/1k ratio of 1.5 would need a
//   1k write dearer than twice that difference.
//
// Each figure is wall time and CPU time (of the process: the collector's
// threads too); on a shared machine wall time also counts waits for a core.

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

/** What writing one record costs, us: wall time, and CPU time of the whole process (the garbage collector's threads too). */
export interface WriteCost {
  readonly wall: number;
  readonly cpu: number;
}

/** The keys of `writes` overwrites of existing keys among `n` (`hot` > 0: within one run of `hot` keys). */
function keysFor(n: number, hot: number, writes: number, seed: number): number[] {
  const rng = new Rng(seed);
  const base = hot ? rng.int(0, n - hot) : 0;
  return Array.from({ length: writes }, () => (hot ? base + rng.int(0, hot - 1) : rng.int(0, n - 1)));
}

function measured(writes: number, body: () => void): WriteCost {
  const c0 = process.cpuUsage();
  const ms = timeMs(body);
  const c = process.cpuUsage(c0);
  return { wall: (ms * 1000) / writes, cpu: (c.user + c.system) / writes };
}

/** Cost per write over `writes` overwrites of the persistent table `t`. */
function writeCost(t: PTable<Rec>, hot: number, writes: number, seed: number): WriteCost {
  const keys = keysFor(t.size, hot, writes, seed);
  let cur = t;
  const cost = measured(writes, () => {
    for (const k of keys) cur = cur.set(k, { v: 1, size: k });
  });
  if (cur.size !== t.size) throw new Error('table size changed');
  return cost;
}

/**
 * The same writes into a plain mutable array: no table, no copy, only the
 * new record, the caches and the garbage collector. What its 1M/1k ratio
 * is, no table can beat: the part of the table's ratio that is the machine.
 */
function arrayWriteCost(a: Rec[], hot: number, writes: number, seed: number): WriteCost {
  const keys = keysFor(a.length, hot, writes, seed);
  return measured(writes, () => {
    for (const k of keys) a[k] = { v: 1, size: k };
  });
}

/**
 * The least any persistent write does: copy the leaf that holds the record
 * (64 slots, as the table's) and keep the copy, here in a mutable array of
 * leaves with no path above it. What it costs more at 1M than at 1k is a
 * cold leaf read and a copy that outlives the young generation, whatever
 * the tree above.
 */
function leafCopyCost(leaves: Rec[][], hot: number, writes: number, seed: number): WriteCost {
  const keys = keysFor(leaves.length * 64, hot, writes, seed);
  return measured(writes, () => {
    for (const k of keys) {
      const leaf = leaves[k >>> 6]!.slice();
      leaf[k & 63] = { v: 1, size: k };
      leaves[k >>> 6] = leaf;
    }
  });
}

function leavesOf(n: number): Rec[][] {
  return Array.from({ length: Math.ceil(n / 64) }, (_, l) => Array.from({ length: 64 }, (_, i) => ({ v: 1, size: l * 64 + i })));
}

export interface PtablePattern {
  readonly small: WriteCost;
  readonly large: WriteCost;
  /** large / small, wall and CPU. */
  readonly ratio: WriteCost;
}

function pattern<T>(small: T, large: T, cost: (t: T, hot: number, writes: number, seed: number) => WriteCost, hot: number, rounds: number, writes: number): PtablePattern {
  const s: WriteCost[] = [];
  const l: WriteCost[] = [];
  cost(small, hot, writes, 0);
  cost(large, hot, writes, 0);
  for (let i = 0; i < rounds; i++) {
    s.push(cost(small, hot, writes, i + 1));
    l.push(cost(large, hot, writes, i + 1));
  }
  const med = (xs: WriteCost[]): WriteCost => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  const sm = med(s);
  const lm = med(l);
  return { small: sm, large: lm, ratio: { wall: lm.wall / sm.wall, cpu: lm.cpu / sm.cpu } };
}

export function ptableBench(rounds = 7, writes = 200_000): { hot: PtablePattern; uniform: PtablePattern; array: PtablePattern; leaf: PtablePattern } {
  const small = build(1_000);
  const large = build(1_000_000);
  const hot = pattern(small, large, writeCost, 1_000, rounds, writes);
  const uniform = pattern(small, large, writeCost, 0, rounds, writes);
  const array = pattern(
    Array.from({ length: 1_000 }, (_, i) => ({ v: 1, size: i })),
    Array.from({ length: 1_000_000 }, (_, i) => ({ v: 1, size: i })),
    arrayWriteCost,
    0,
    rounds,
    writes,
  );
  const leaf = pattern(leavesOf(1_000), leavesOf(1_000_000), leafCopyCost, 0, rounds, writes);
  return { hot, uniform, array, leaf };
}

export function printPtableBench(r: ReturnType<typeof ptableBench>): void {
  console.log('persistent table write cost, us per write, wall / CPU (median of alternated runs)');
  console.log(`  ${''.padEnd(30)}  ${'1k records'.padStart(13)}  ${'1M records'.padStart(13)}  ratio (target <= 1.5)`);
  const pair = (c: WriteCost, d: number) => `${fmt(c.wall, d)} / ${fmt(c.cpu, d)}`;
  for (const [name, p] of [
    ['same 1k hot records', r.hot],
    ['uniform over table', r.uniform],
    ['uniform, mutable array', r.array],
    ['uniform, one leaf copied', r.leaf],
  ] as const) {
    console.log(`  ${name.padEnd(30)}  ${pair(p.small, 3).padStart(13)}  ${pair(p.large, 3).padStart(13)}  ${pair(p.ratio, 2)}`);
  }
  console.log(`  1M write, worst pattern: ${fmt(Math.max(r.hot.large.wall, r.uniform.large.wall), 3)} us wall, ${fmt(Math.max(r.hot.large.cpu, r.uniform.large.cpu), 3)} us CPU (target <= 3 us)`);
}

if (import.meta.url === `file://${process.argv[1]}`) printPtableBench(ptableBench());
