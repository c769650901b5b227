// A per-record field added two ways, measured against each other: simplefs
// 2.0 -> 2.0.1 keeps inode times in a shadow variable (a code-only update),
// 2.0 -> 2.1 adds the same times to the inode records (a record migration,
// eager or lazy). With 1k, 100k and 1M inode records (put in the table
// through the store, as bench/lazy.ts does):
// - pause: wall time of the update's atomic section, median of warm runs;
// - per record, at 100k: the first write of an inode's times after the
//   update (2.1 lazy: migrate the record, then stamp it; 2.0.1: allocate the
//   shadow), a later write, and a getattr, each through the versions' own
//   code, in wall time; and the simulated cycles each kind charges;
// - memory: heap retained once every inode has its times (records migrated
//   vs a shadow on every record), per record, at 100k and 1M.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ModuleImage } from '../kernel/store.js';
import { LAZY_RECORD_CYCLES } from '../kernel/migrations.js';
import { Updater } from '../updater/updater.js';
import { getattr as getattrShadow, stamp as stampShadow } from '../modules/simplefs/2.0.1.js';
import { getattr as getattrRecord, stamp as stampRecord } from '../modules/simplefs/2.1.0.js';
import { fmt, median, timeMs } from '../compare/timing.js';
import { imageWith, machine } from './lazy.js';

const PAUSE_SIZES = [1_000, 100_000, 1_000_000] as const;
const MEMORY_SIZES = [100_000, 1_000_000] as const;

type Way = 'shadow' | 'eager' | 'lazy';
const WAYS: readonly Way[] = ['shadow', 'eager', 'lazy'];

/** Update `k` (simplefs 2.0) the given way; the update's record. */
async function update(k: Kernel, way: Way) {
  const spec = way === 'shadow' ? 'simplefs@2.0.1' : 'simplefs@2.1.0';
  return new Updater(k).run([await loadModuleDef(spec)], way === 'shadow' ? {} : { lazy: way === 'lazy' });
}

/** A machine holding `image`, updated the given way. */
async function updated(image: ModuleImage, way: Way) {
  const k = await machine();
  k.store.restore('simplefs', image);
  return { k, r: await update(k, way) };
}

export interface ShadowPauseRow {
  readonly records: number;
  /** Median pause, us, per way. */
  readonly pauseUs: Readonly<Record<Way, number>>;
  /** Simulated cycles of the transfer phase, per way. */
  readonly transferCycles: Readonly<Record<Way, number>>;
}

export async function shadowPauseBench(sizes: readonly number[] = PAUSE_SIZES): Promise<ShadowPauseRow[]> {
  const rows: ShadowPauseRow[] = [];
  for (const n of sizes) {
    const image = await imageWith(n);
    const runs = n >= 1_000_000 ? 3 : 7;
    const pauseUs = {} as Record<Way, number>;
    const transferCycles = {} as Record<Way, number>;
    for (const way of WAYS) {
      const out: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        const { r } = await updated(image, way);
        if (i > 0) out.push(r.pauseWallUs);
        transferCycles[way] = r.phases.find((p) => p.phase === 'transfer')?.cycles ?? 0;
      }
      pauseUs[way] = median(out);
    }
    rows.push({ records: n, pauseUs, transferCycles });
  }
  return rows;
}

export interface PerRecordRow {
  readonly way: Way;
  /** us per record: the first write of its times after the update, a later one, a getattr. */
  readonly firstWriteUs: number;
  readonly writeUs: number;
  readonly getattrUs: number;
  /** Simulated cycles the store charges per record on first access. */
  readonly firstAccessCycles: number;
}

export async function perRecordBench(n = 100_000): Promise<PerRecordRow[]> {
  const image = await imageWith(n);
  const rows: PerRecordRow[] = [];
  for (const way of WAYS) {
    const { k } = await updated(image, way);
    const m = k.loader.require('simplefs').ctx as never;
    const inos = [...k.store.table('simplefs', 'inodes').entries()].map(([ino]) => ino);
    const stamp = way === 'shadow' ? (ino: number, t: number) => stampShadow(m, ino, { mtime: t }) : (ino: number, t: number) => void stampRecord(m, ino, { mtime: t });
    const getattr = way === 'shadow' ? (ino: number) => getattrShadow(m, 'disk0', ino) : (ino: number) => getattrRecord(m, 'disk0', ino);
    const perRecord = (f: (ino: number) => void) => (timeMs(() => inos.forEach(f)) * 1000) / inos.length;
    const firstWriteUs = perRecord((ino) => stamp(ino, 1));
    const writeUs = median([2, 3, 4].map((t) => perRecord((ino) => stamp(ino, t))));
    let sink = 0;
    const getattrUs = median([0, 1, 2].map(() => perRecord((ino) => void (sink += getattr(ino).mtime))));
    if (sink !== 4 * inos.length * 3) throw new Error(`getattr read back ${sink}, not every record's mtime`);
    rows.push({ way, firstWriteUs, writeUs, getattrUs, firstAccessCycles: way === 'lazy' ? LAZY_RECORD_CYCLES : 0 });
  }
  return rows;
}

/** The heap collector, reached without the `--expose-gc` flag on the command line. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface MemoryRow {
  readonly records: number;
  /** Heap bytes per record that the times add, per way (lazy after every record was touched is eager's). */
  readonly bytesPerRecord: Readonly<Record<'shadow' | 'migrated', number>>;
}

export async function shadowMemoryBench(sizes: readonly number[] = MEMORY_SIZES): Promise<MemoryRow[]> {
  const gc = collector();
  /** Heap in use once garbage is gone; after a turn of the event loop, so nothing of an earlier run is still held by a pending job. */
  const heap = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const rows: MemoryRow[] = [];
  for (const n of sizes) {
    // The old records stay referenced only by the machine, so after an eager migration they are garbage: what remains is what the times add.
    const grow = async (way: 'shadow' | 'eager'): Promise<number> => {
      const k = await machine();
      k.store.restore('simplefs', await imageWith(n));
      const before = await heap();
      await update(k, way);
      const m = k.loader.require('simplefs').ctx as never;
      if (way === 'shadow') for (const [ino] of k.store.table('simplefs', 'inodes').entries()) stampShadow(m, ino, { mtime: 1 });
      const bytes = (await heap()) - before;
      if (k.store.table('simplefs', 'inodes').size < n) throw new Error('records lost');
      return bytes / n;
    };
    const migrated = await grow('eager');
    rows.push({ records: n, bytesPerRecord: { shadow: await grow('shadow'), migrated } });
  }
  return rows;
}

export function printShadowBench(pause: readonly ShadowPauseRow[], perRecord: readonly PerRecordRow[], memory: readonly MemoryRow[]): void {
  console.log('inode times added to simplefs 2.0: through a shadow variable (2.0.1, code only) or a record migration (2.1, eager or lazy)');
  console.log(`  pause, us, median, warm       ${'inode records'.padStart(13)}  ${'shadow'.padStart(9)}  ${'eager'.padStart(10)}  ${'lazy'.padStart(9)}`);
  for (const r of pause) console.log(`  ${''.padEnd(28)} ${fmt(r.records).padStart(13)}  ${fmt(r.pauseUs.shadow).padStart(9)}  ${fmt(r.pauseUs.eager).padStart(10)}  ${fmt(r.pauseUs.lazy).padStart(9)}`);
  const last = pause.at(-1);
  if (last) console.log(`  transfer phase at ${fmt(last.records)} records, simulated cycles: shadow ${fmt(last.transferCycles.shadow)}, eager ${fmt(last.transferCycles.eager)}, lazy ${fmt(last.transferCycles.lazy)}`);
  console.log('  per record, us (first write of its times after the update / a later write / getattr), and cycles charged on first access:');
  for (const r of perRecord) console.log(`    ${r.way.padEnd(7)} ${fmt(r.firstWriteUs, 2).padStart(6)} / ${fmt(r.writeUs, 2).padStart(5)} / ${fmt(r.getattrUs, 2).padStart(5)}   ${r.firstAccessCycles} cycles`);
  console.log('  heap the times add once every inode has them, bytes per record:');
  for (const r of memory) console.log(`    ${fmt(r.records).padStart(9)} records: shadow ${fmt(r.bytesPerRecord.shadow)}, migrated ${fmt(r.bytesPerRecord.migrated)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) printShadowBench(await shadowPauseBench(), await perRecordBench(), await shadowMemoryBench());
