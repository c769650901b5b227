// What the kernel needs of its persistent table besides a write of the
// newest version (bench/ptable.ts): the path-copying table the kernel uses
// (kernel/ptable.ts) against the rerooting candidate (kernel/rerooted.ts),
// at 1k and 1M records:
// - reads of the newest version (every record read in the kernel);
// - a snapshot kept (a rollback image, the lazy sweep's table) and read
//   after N writes of the newest: the first read of it (the rerooting table
//   reroots or copies there), the next write of the newest (which reroots
//   back, or not, if the read copied), and reads of it after;
// - writes of the newest while that snapshot is kept (the rerooting table
//   keeps one diff per write alive, and copies its tree every max(1024,
//   size) writes);
// - a table built by a builder from empty (eager transfer), a visit of
//   every record (forEach: eager transfer, snapshots' scans), and 1k edits
//   of a 1M table by a builder;
// - heap retained by a table, and by a snapshot kept over 100k writes.
// Each is CPU time of the process per operation, median of 5 runs, after a
// full collection (the file runs itself again with --expose-gc for that).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../hw/rng.js';
import { PTable } from '../kernel/ptable.js';
import { RTable } from './rerooted-table.js';
import { fmt, median } from '../compare/timing.js';

interface Rec {
  readonly v: number;
  readonly size: number;
}

/** The API both tables share (kernel/ptable.ts's). */
interface Table<T> {
  readonly size: number;
  get(key: number): Rec | undefined;
  set(key: number, value: Rec): T;
  forEach(fn: (value: Rec, key: number) => void): void;
  edit(): { set(key: number, value: Rec): unknown; build(): T };
}

interface Kind<T extends Table<T>> {
  readonly name: string;
  from(entries: Iterable<readonly [number, Rec]>): T;
}

const KINDS: readonly Kind<any>[] = [
  { name: 'path copying (PTable)', from: (e: Iterable<readonly [number, Rec]>) => PTable.from<Rec>(e) },
  { name: 'rerooting (RTable)', from: (e: Iterable<readonly [number, Rec]>) => RTable.from<Rec>(e) },
];

function entries(n: number): [number, Rec][] {
  return Array.from({ length: n }, (_, i) => [i, { v: 1, size: i }]);
}

function keys(n: number, count: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.int(0, n - 1));
}

/** CPU microseconds per operation of `body`, which does `ops` of them. */
function cpuPer(ops: number, body: () => void): number {
  const c0 = process.cpuUsage();
  body();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / ops;
}

function med5(run: (round: number) => number): number {
  run(0);
  return median([1, 2, 3, 4, 5].map(run));
}

let sink = 0;

/** Reads of the newest version, uniform keys. */
function reads<T extends Table<T>>(t: T): number {
  return med5((round) => {
    const ks = keys(t.size, 200_000, round);
    return cpuPer(ks.length, () => {
      for (const k of ks) sink += t.get(k)!.size;
    });
  });
}

export interface SnapshotCosts {
  /** The first read of the snapshot, us (includes a reroot or a copy). */
  readonly firstRead: number;
  /** The next write of the newest after it, us. */
  readonly nextWrite: number;
  /** Reads of the snapshot after, then of the newest, in turn: us per read. */
  readonly alternating: number;
}

/** A snapshot kept, `writes` writes of the newest, then the snapshot read. */
function snapshotRead<T extends Table<T>>(kind: Kind<T>, n: number, writes: number): SnapshotCosts {
  const firsts: number[] = [];
  const nexts: number[] = [];
  const alts: number[] = [];
  for (let round = 0; round < 5; round++) {
    const snapshot = kind.from(entries(n));
    let cur = snapshot;
    for (const k of keys(n, writes, round)) cur = cur.set(k, { v: 2, size: k });
    const probe = keys(n, 1_000, round + 100);
    firsts.push(cpuPer(1, () => void (sink += snapshot.get(probe[0]!)!.size)));
    nexts.push(cpuPer(1, () => void (cur = cur.set(probe[1]!, { v: 3, size: 0 }))));
    alts.push(
      cpuPer(2 * probe.length, () => {
        for (const k of probe) sink += snapshot.get(k)!.size + cur.get(k)!.size;
      }),
    );
  }
  return { firstRead: median(firsts), nextWrite: median(nexts), alternating: median(alts) };
}

/** Writes of the newest, uniform keys, while the first version is kept: us per write over `total` writes. */
function writesWhileKept<T extends Table<T>>(kind: Kind<T>, n: number, total: number): number {
  const kept = kind.from(entries(n));
  let cur = kept;
  const ks = keys(n, total, 7);
  const us = cpuPer(total, () => {
    for (const k of ks) cur = cur.set(k, { v: 2, size: k });
  });
  sink += kept.get(0)!.size + cur.size;
  return us;
}

function bulk<T extends Table<T>>(kind: Kind<T>, n: number): { build: number; visit: number; edit: number } {
  const es = entries(n);
  const build = med5(() => cpuPer(n, () => void (sink += kind.from(es).size)));
  const t = kind.from(es);
  const visit = med5(() =>
    cpuPer(n, () =>
      t.forEach((r) => {
        sink += r.size;
      }),
    ),
  );
  const edit = med5((round) => {
    const ks = keys(n, 1_000, round);
    return cpuPer(ks.length, () => {
      const b = t.edit();
      for (const k of ks) b.set(k, { v: 2, size: k });
      sink += b.build().size;
    });
  });
  return { build, visit, edit };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
}

/** memory() in a process of its own (with --expose-gc): what earlier measurements left on the heap does not count. */
function memoryApart(kind: number, n: number): { table: number; kept: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory', String(kind), String(n)], { encoding: 'utf8' });
  return JSON.parse(out) as { table: number; kept: number };
}

/** Heap bytes per record retained by a table of `n` (its records apart), and what 100k uniform writes of the newest add while the first version is kept. */
function memory<T extends Table<T>>(kind: Kind<T>, n: number): { table: number; kept: number } {
  const recs = Array.from({ length: n }, (_, i): Rec => ({ v: 1, size: i }));
  function* pairs(): Iterable<readonly [number, Rec]> {
    for (let i = 0; i < recs.length; i++) yield [i, recs[i]!];
  }
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const kept = kind.from(pairs());
  gc();
  const h1 = process.memoryUsage().heapUsed;
  let cur = kept;
  for (const k of keys(n, 100_000, 3)) cur = cur.set(k, { v: 2, size: k });
  gc();
  const h2 = process.memoryUsage().heapUsed;
  sink += cur.get(0)!.size + kept.size + recs.length; // all alive past the measurement
  return { table: (h1 - h0) / n, kept: h2 - h1 };
}

export function ptableKernelBench(): void {
  const pad = (s: string) => s.padStart(14);
  for (const n of [1_000, 1_000_000]) {
    console.log(`${fmt(n)} records, CPU us per operation (median of 5)`);
    console.log(`  ${''.padEnd(48)}${KINDS.map((k) => pad(k.name.split(' ')[0]!)).join('')}`);
    const once = new Map<string, unknown>();
    const memo = <R>(key: string, f: () => R): R => {
      if (!once.has(key)) once.set(key, f());
      return once.get(key) as R;
    };
    const snap = (k: Kind<any>, writes: number) => memo(`${k.name} snapshot ${writes}`, () => snapshotRead(k, n, writes));
    const bulkOf = (k: Kind<any>) => memo(`${k.name} bulk`, () => bulk(k, n));
    const rows: [string, (k: Kind<any>) => number][] = [
      ['read of the newest', (k) => reads(k.from(entries(n)))],
      ['snapshot kept, 1k writes: first read of it', (k) => snap(k, 1_000).firstRead],
      ['  then the next write of the newest', (k) => snap(k, 1_000).nextWrite],
      ['  then reads of it and the newest in turn', (k) => snap(k, 1_000).alternating],
      ['snapshot kept, 100k writes: first read of it', (k) => snap(k, 100_000).firstRead],
      ['  then the next write of the newest', (k) => snap(k, 100_000).nextWrite],
      ['write of the newest, first version kept (2M)', (k) => writesWhileKept(k, n, 2_000_000)],
      ['build from empty by a builder, per record', (k) => bulkOf(k).build],
      ['forEach, per record', (k) => bulkOf(k).visit],
      ['1k edits by a builder, per edit', (k) => bulkOf(k).edit],
    ];
    // A full collection before each figure: what the one before left is not collected during it.
    const figure = (f: (k: Kind<any>) => number, k: Kind<any>) => {
      gc();
      return f(k);
    };
    for (const [name, f] of rows) console.log(`  ${name.padEnd(48)}${KINDS.map((k) => pad(fmt(figure(f, k), 3))).join('')}`);
    if (n < 100_000) continue; // a small table's heap is below the collector's noise
    const mem = KINDS.map((_, i) => memoryApart(i, n));
    console.log(`  ${'heap per record of a table, bytes'.padEnd(48)}${mem.map((m) => pad(fmt(m.table, 1))).join('')}`);
    console.log(`  ${'heap added by 100k writes, first version kept, MB'.padEnd(48)}${mem.map((m) => pad(fmt(m.kept / 1e6, 1))).join('')}`);
  }
  if (sink === 0.5) console.log(sink);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--memory') console.log(JSON.stringify(memory(KINDS[Number(process.argv[3])]!, Number(process.argv[4]))));
  else if (!(globalThis as { gc?: unknown }).gc) execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  else ptableKernelBench();
}
