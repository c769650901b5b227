// Lazy migration and adaptors:
// - the pause (wall time of the atomic section) of simplefs 2.0 -> 2.1, whose
//   inode records gain fields, migrated eagerly and lazily, with 1k, 100k
//   and 1M inode records. Target: lazy stays flat, <= 1 ms at 1M; eager
//   grows linearly. The records are put in the table through the store (a
//   million files through syscalls would take minutes); each run restores the
//   same immutable image into a fresh machine, which costs O(1).
// - the cost of a first access that migrates a record, against a read of a
//   record already migrated.
// - a call through a compat adaptor against a direct call to the new
//   interface (plain functions, so that only the call path is measured).

import { bootKernel } from '../kernel/kernel.js';
import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { ModuleImage, Rec } from '../kernel/store.js';
import type { Sys } from '../exec/abi.js';
import { Updater } from '../updater/updater.js';
import { fmt, median, timeMs } from '../compare/timing.js';

const SIZES = [1_000, 100_000, 1_000_000] as const;

/** simplefs 2.0 on blkdev 2.0, mounted: the machine the per-record updates start from (bench/shadow.ts too). */
export async function machine() {
  const k = await bootWithModules(['blkdev@2.0.0', 'simplefs@2.0.0'], { seed: 1 });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return k;
}

/** simplefs's image with `n` more inode records. */
export async function imageWith(n: number): Promise<ModuleImage> {
  const k = await machine();
  const first = (k.store.state('simplefs') as { nextIno: number }).nextIno;
  for (let i = 0; i < n; i++) {
    const ino = first + i;
    k.store.putRecord('simplefs', 'inodes', ino, { ino, dev: 'disk0', type: 'file', size: 0, nlink: 1, blocks: [], v: 1 } as Rec);
  }
  return k.store.image('simplefs');
}

export interface LazyRow {
  readonly records: number;
  readonly eagerUs: number;
  readonly lazyUs: number;
}

export async function lazyPauseBench(): Promise<LazyRow[]> {
  const v21 = await loadModuleDef('simplefs@2.1.0');
  const rows: LazyRow[] = [];
  for (const n of SIZES) {
    const image = await imageWith(n);
    const runs = n >= 1_000_000 ? 3 : 7;
    const pause = async (lazy: boolean) => {
      const out: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        const k = await machine();
        k.store.restore('simplefs', image);
        const r = new Updater(k).run([v21], { lazy });
        if (i > 0) out.push(r.pauseWallUs);
      }
      return median(out);
    };
    rows.push({ records: n, eagerUs: await pause(false), lazyUs: await pause(true) });
  }
  return rows;
}

export async function accessBench(n = 100_000): Promise<{ migrateUs: number; readUs: number }> {
  const image = await imageWith(n);
  const k = await machine();
  k.store.restore('simplefs', image);
  new Updater(k).run([await loadModuleDef('simplefs@2.1.0')], { lazy: true });
  const keys = [...k.store.table('simplefs', 'inodes').entries()].map(([key]) => key);
  const migrateMs = timeMs(() => {
    for (const key of keys) k.store.getRecord('simplefs', 'inodes', key);
  });
  const readMs = timeMs(() => {
    for (const key of keys) k.store.getRecord('simplefs', 'inodes', key);
  });
  return { migrateUs: (migrateMs * 1000) / keys.length, readUs: (readMs * 1000) / keys.length };
}

/** ns per call: importer bound to add@1 (through the adaptor) vs add@2 (direct). */
export function adaptorBench(calls = 2_000_000, rounds = 7): { adaptorNs: number; directNs: number; ratio: number } {
  const k = bootKernel({ seed: 1 });
  const add2 = (_m: unknown, a: number, b: number, c: number) => a + b + c;
  k.loader.insmod({
    name: 'calc',
    version: '2.0.0',
    description: 'adds (interface 2 takes three numbers)',
    exports: { calc_add: { version: 2, fn: add2 } },
    compat: { 'calc_add@1': (m: unknown, a: number, b: number) => add2(m, a, b, 0) },
  });
  k.loader.insmod({ name: 'old_user', version: '1.0.0', description: 'written for calc_add@1', requires: { calc_add: 1 } });
  k.loader.insmod({ name: 'new_user', version: '1.0.0', description: 'written for calc_add@2', requires: { calc_add: 2 } });
  const viaAdaptor = k.loader.require('old_user').ctx.imports.calc_add! as (a: number, b: number) => number;
  const direct = k.loader.require('new_user').ctx.imports.calc_add! as (a: number, b: number, c: number) => number;
  let sink = 0;
  const time = (f: () => void) => (timeMs(f) * 1e6) / calls;
  const a: number[] = [];
  const d: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const ta = time(() => {
      for (let i = 0; i < calls; i++) sink += viaAdaptor(i, 1);
    });
    const td = time(() => {
      for (let i = 0; i < calls; i++) sink += direct(i, 1, 0);
    });
    if (r > 0) {
      a.push(ta);
      d.push(td);
    }
  }
  if (sink === 42) console.log(''); // keep the loops from being optimised away
  return { adaptorNs: median(a), directNs: median(d), ratio: median(a) / median(d) };
}

export function printLazyBench(rows: readonly LazyRow[], access: Awaited<ReturnType<typeof accessBench>>, adaptor: ReturnType<typeof adaptorBench>): void {
  console.log('pause of simplefs 2.0 -> 2.1 (inode records gain fields), us, median, warm');
  console.log(`  ${'inode records'.padStart(13)}  ${'eager'.padStart(12)}  ${'lazy'.padStart(10)}`);
  for (const r of rows) console.log(`  ${fmt(r.records).padStart(13)}  ${fmt(r.eagerUs, 0).padStart(12)}  ${fmt(r.lazyUs, 0).padStart(10)}`);
  console.log('  target: lazy flat and <= 1,000 us at 1M; eager grows linearly');
  console.log('');
  console.log(`first access to a record not yet migrated: ${fmt(access.migrateUs, 2)} us (migrate and commit); read of a migrated record: ${fmt(access.readUs, 2)} us`);
  console.log('');
  console.log(`call through a compat adaptor: ${fmt(adaptor.adaptorNs, 1)} ns; direct call to the new interface: ${fmt(adaptor.directNs, 1)} ns; ratio ${fmt(adaptor.ratio, 2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) printLazyBench(await lazyPauseBench(), await accessBench(), adaptorBench());
