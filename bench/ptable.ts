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
// - floors for the uniform writes: a mutable array (no copy: the new
//   record, the caches and the collector alone); the same array with the
//   slot read before it is written, as any table must that keeps the old
//   value or counts its records (at 1M a load that misses the caches,
//   where a blind store waits in the store buffer); the write path of a
//   persistent table that never reads its slot (a blind store, a log entry
//   for the old versions, a presence bit for the size; a design not built,
//   measured here at its most optimistic); and one leaf copied
//   and kept per write, 64 slots and 8, with no path above it (the least
//   any path-copying write does). What the leaf costs more at 1M than at
//   1k (a cold leaf read, a copy that outlives the young generation),
//   every path-copying table costs more too: a 1M/1k ratio of 1.5 would
//   need a 1k write dearer than twice that difference.
// - a table that copies nothing: the rerooting candidate (kernel/
//   rerooted.ts), whose newest version owns a mutable tree and whose old
//   versions are diffs. Its write is a slot read and written, a handle and
//   a diff; what it costs the kernel elsewhere (old versions, scans, heap)
//   is in bench/ptable-kernel.ts.
// Only the newest version is kept between writes, as in the store.
//
// Each figure is wall time and CPU time (of the process: the collector's
// threads too); on a shared machine wall time also counts waits for a core.

import { Rng } from '../hw/rng.js';
import { PTable } from '../kernel/ptable.js';
import { RTable } from './rerooted-table.js';
import { fmt, median, timeMs } from '../compare/timing.js';

interface Rec {
  readonly v: number;
  readonly size: number;
}

/** What the write benchmark needs of a persistent table (PTable and the candidates). */
interface Table<T> {
  readonly size: number;
  set(key: number, value: Rec): T;
}

function build(n: number): PTable<Rec> {
  let t = PTable.empty<Rec>();
  for (let i = 0; i < n; i++) t = t.set(i, { v: 1, size: i });
  return t;
}

function buildRerooted(n: number): RTable<Rec> {
  return RTable.from(Array.from({ length: n }, (_, i) => [i, { v: 1, size: i }] as const));
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

/**
 * Cost per write over `writes` overwrites of the persistent table in `h`,
 * which then holds the newest version. Nothing keeps an older version, as
 * in the store, which writes only its current table and drops the one
 * before (keeping one is measured apart, in bench/ptable-kernel.ts).
 */
function writeCost<T extends Table<T>>(h: { t: T | null }, hot: number, writes: number, seed: number): WriteCost {
  let cur = h.t!;
  const size = cur.size;
  const keys = keysFor(size, hot, writes, seed);
  h.t = null;
  const cost = measured(writes, () => {
    for (const k of keys) cur = cur.set(k, { v: 1, size: k });
  });
  if (cur.size !== size) throw new Error('table size changed');
  h.t = cur;
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
 * The same writes into a mutable array, each reading the slot first, as
 * any table must that keeps the old value (for the old version) or knows
 * whether the key was there (for its size). Not dereferenced: the slot
 * only. At 1M it is a load that misses the caches and that the write must
 * wait for, where the blind store above sits in the store buffer.
 */
function arrayReadWriteCost(a: Rec[], hot: number, writes: number, seed: number): WriteCost {
  const keys = keysFor(a.length, hot, writes, seed);
  let added = 0;
  const cost = measured(writes, () => {
    for (const k of keys) {
      const old = a[k];
      a[k] = { v: 1, size: k };
      if (old === undefined) added++;
    }
  });
  if (added !== 0) throw new Error('a key was missing');
  return cost;
}

/**
 * The write path of a persistent table that never reads the slot it
 * writes, a design not built: the newest version's tree is written blind,
 * each write is logged (key, new value) for older versions, which a read
 * would rebuild from a base copy of the tree and the log (O(records) each,
 * once), and a presence bit per key keeps the size (one word read: at 1M
 * the bitmap is 128 KB, within L2). Here the tree is a flat array and the
 * bitmap flat: the optimistic floor of such a table, and a new handle per
 * write as a version needs. What it costs more at 1M than at 1k is the
 * blind array's difference and nothing else that grows.
 */
class BlindWrite {
  /** Log slots before a rebase: a write each for max(1024, records) writes, as the rerooting table's cut. */
  private readonly log: unknown[];
  private logged = 0;
  private readonly present: Int32Array;
  constructor(readonly slots: Rec[]) {
    this.log = Array.from({ length: 2 * Math.max(1024, slots.length) }, () => 0); // not new Array(n): past 100k slots that is a dictionary
    this.present = new Int32Array((slots.length >>> 5) + 1).fill(-1);
  }
  write(key: number, rec: Rec, size: number): { size: number; at: number } {
    this.slots[key] = rec;
    if (this.logged === this.log.length) this.logged = 0; // where a table would rebase, copying its tree as the new base (left out: a slot per write)
    this.log[this.logged++] = key;
    this.log[this.logged++] = rec;
    const word = this.present[key >>> 5]!;
    const bit = 1 << (key & 31);
    if ((word & bit) === 0) this.present[key >>> 5] = word | bit;
    return { size: (word & bit) === 0 ? size + 1 : size, at: this.logged };
  }
}

function blindWriteCost(b: BlindWrite, hot: number, writes: number, seed: number): WriteCost {
  const keys = keysFor(b.slots.length, hot, writes, seed);
  let version = { size: 0, at: 0 };
  return measured(writes, () => {
    for (const k of keys) version = b.write(k, { v: 1, size: k }, version.size);
  });
}

/**
 * The least any persistent write does: copy the leaf that holds the record
 * (64 slots, as the table's) and keep the copy, here in a mutable array of
 * leaves with no path above it. What it costs more at 1M than at 1k is a
 * cold leaf read and a copy that outlives the young generation, whatever
 * the tree above (a narrower leaf, 8 slots, is measured too).
 */
function leafCopyCost(leaves: Rec[][], hot: number, writes: number, seed: number): WriteCost {
  const width = leaves[0]!.length;
  const bits = Math.log2(width);
  const keys = keysFor(leaves.length * width, hot, writes, seed);
  return measured(writes, () => {
    for (const k of keys) {
      const leaf = leaves[k >>> bits]!.slice();
      leaf[k & (width - 1)] = { v: 1, size: k };
      leaves[k >>> bits] = leaf;
    }
  });
}

/** `n` records in leaves of `width` slots (a power of two). */
function leavesOf(n: number, width = 64): Rec[][] {
  return Array.from({ length: Math.ceil(n / width) }, (_, l) => Array.from({ length: width }, (_, i) => ({ v: 1, size: l * width + i })));
}

/** The uniform writes measured here, by name: each makes its structure of `n` records and returns one measured run (bench/ptable-apart.ts runs them a process each). */
export const UNIFORM_WRITES: Readonly<Record<string, (n: number) => (writes: number, seed: number) => WriteCost>> = {
  'path copying (PTable)': (n) => {
    const h: { t: PTable<Rec> | null } = { t: build(n) };
    return (writes, seed) => writeCost(h, 0, writes, seed);
  },
  'rerooting (RTable)': (n) => {
    const h: { t: RTable<Rec> | null } = { t: buildRerooted(n) };
    return (writes, seed) => writeCost(h, 0, writes, seed);
  },
  'mutable array': (n) => {
    const a = records(n);
    return (writes, seed) => arrayWriteCost(a, 0, writes, seed);
  },
  'array, slot read first': (n) => {
    const a = records(n);
    return (writes, seed) => arrayReadWriteCost(a, 0, writes, seed);
  },
  'blind write path only': (n) => {
    const b = new BlindWrite(records(n));
    return (writes, seed) => blindWriteCost(b, 0, writes, seed);
  },
  'one leaf copied': (n) => {
    const leaves = leavesOf(n);
    return (writes, seed) => leafCopyCost(leaves, 0, writes, seed);
  },
};

function records(n: number): Rec[] {
  return Array.from({ length: n }, (_, i) => ({ v: 1, size: i }));
}

export interface PtablePattern {
  readonly small: WriteCost;
  readonly large: WriteCost;
  /** large / small, wall and CPU. */
  readonly ratio: WriteCost;
  /** The mean of the large runs (what a rare costly write, as a copy of the whole tree, adds over all). */
  readonly largeMean: WriteCost;
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
  const mean = (xs: WriteCost[]): WriteCost => ({ wall: xs.reduce((a, x) => a + x.wall, 0) / xs.length, cpu: xs.reduce((a, x) => a + x.cpu, 0) / xs.length });
  const sm = med(s);
  const lm = med(l);
  return { small: sm, large: lm, ratio: { wall: lm.wall / sm.wall, cpu: lm.cpu / sm.cpu }, largeMean: mean(l) };
}

export interface PtableBench {
  readonly hot: PtablePattern;
  readonly uniform: PtablePattern;
  readonly array: PtablePattern;
  readonly arrayRead: PtablePattern;
  readonly blind: PtablePattern;
  readonly leaf: PtablePattern;
  readonly leaf8: PtablePattern;
  readonly rerootedHot: PtablePattern;
  readonly rerootedUniform: PtablePattern;
}

/**
 * Each kind of table is built, measured and dropped before the next is
 * built: a 1M structure left alive makes every later write dearer (the
 * collector marks it, and writes pay its barrier while it does).
 */
export function ptableBench(rounds = 7, writes = 200_000): PtableBench {
  const [hot, uniform] = tablePatterns(build, rounds, writes);
  const array = pattern(records(1_000), records(1_000_000), arrayWriteCost, 0, rounds, writes);
  const arrayRead = pattern(records(1_000), records(1_000_000), arrayReadWriteCost, 0, rounds, writes);
  const blind = pattern(new BlindWrite(records(1_000)), new BlindWrite(records(1_000_000)), blindWriteCost, 0, rounds, writes);
  const leaf = pattern(leavesOf(1_000), leavesOf(1_000_000), leafCopyCost, 0, rounds, writes);
  const leaf8 = pattern(leavesOf(1_000, 8), leavesOf(1_000_000, 8), leafCopyCost, 0, rounds, writes);
  // The rerooting candidate (kernel/rerooted.ts): 8 runs of 200k writes at 1M include a copy of the tree (a cut) every 1M writes.
  const [rerootedHot, rerootedUniform] = tablePatterns(buildRerooted, rounds, writes);
  return { hot, uniform, array, arrayRead, blind, leaf, leaf8, rerootedHot, rerootedUniform };
}

/** The hot and uniform patterns of one kind of table, at 1k and 1M records. */
function tablePatterns<T extends Table<T>>(make: (n: number) => T, rounds: number, writes: number): [PtablePattern, PtablePattern] {
  const small: { t: T | null } = { t: make(1_000) };
  const large: { t: T | null } = { t: make(1_000_000) };
  return [pattern(small, large, writeCost, 1_000, rounds, writes), pattern(small, large, writeCost, 0, rounds, writes)];
}

export function printPtableBench(r: PtableBench): void {
  console.log('persistent table write cost, us per write, wall / CPU (median of alternated runs)');
  console.log(`  ${''.padEnd(32)}  ${'1k records'.padStart(13)}  ${'1M records'.padStart(13)}  ${'ratio (<= 1.5)'.padStart(14)}  ${'1M, mean'.padStart(13)}`);
  const pair = (c: WriteCost, d: number) => `${fmt(c.wall, d)} / ${fmt(c.cpu, d)}`;
  for (const [name, p] of [
    ['same 1k hot records', r.hot],
    ['uniform over table', r.uniform],
    ['uniform, mutable array', r.array],
    ['uniform, array, slot read first', r.arrayRead],
    ['uniform, blind write path only', r.blind],
    ['uniform, one leaf copied', r.leaf],
    ['uniform, one 8-slot leaf copied', r.leaf8],
    ['rerooting: same 1k hot records', r.rerootedHot],
    ['rerooting: uniform over table', r.rerootedUniform],
  ] as const) {
    console.log(`  ${name.padEnd(32)}  ${pair(p.small, 3).padStart(13)}  ${pair(p.large, 3).padStart(13)}  ${pair(p.ratio, 2).padStart(14)}  ${pair(p.largeMean, 3).padStart(13)}`);
  }
  console.log(`  1M write, worst pattern: ${fmt(Math.max(r.hot.large.wall, r.uniform.large.wall), 3)} us wall, ${fmt(Math.max(r.hot.large.cpu, r.uniform.large.cpu), 3)} us CPU (target <= 3 us)`);
}

if (import.meta.url === `file://${process.argv[1]}`) printPtableBench(ptableBench());
