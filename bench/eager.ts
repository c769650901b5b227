// Eager record transfer: what migrating one record in the switch costs, per
// record, at 1k, 100k and 1M inode records (simplefs 2.0 -> 2.1, whose
// inodes gain two fields; the image is built through the store, as in
// bench/lazy.ts). Target: <= 1.5 us per record at 1M.
//
// Two figures per size, each the median over fresh machines restored from
// the same image: the pause (wall time of the atomic section, which is
// what a user waits for) and the CPU time of the whole update, both divided
// by the number of records. On a shared machine the wall time also counts
// waits for a core; the CPU time (every thread of the process, so the
// garbage collector's helpers too) does not.

import { loadModuleDef } from '../catalog/catalog.js';
import { Updater } from '../updater/updater.js';
import { fmt, median } from '../compare/timing.js';
import { imageWith, machine } from './lazy.js';

export interface EagerRow {
  readonly records: number;
  /** Wall-clock pause per record, us. */
  readonly pauseUs: number;
  /** CPU time of the update per record, us. */
  readonly cpuUs: number;
}

export async function eagerTransferBench(sizes: readonly number[] = [1_000, 100_000, 1_000_000]): Promise<EagerRow[]> {
  const v21 = await loadModuleDef('simplefs@2.1.0');
  const rows: EagerRow[] = [];
  for (const n of sizes) {
    const image = await imageWith(n);
    const runs = n >= 1_000_000 ? 3 : 7;
    const pause: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const k = await machine();
      k.store.restore('simplefs', image);
      const c0 = process.cpuUsage();
      const r = new Updater(k).run([v21], { lazy: false });
      const c = process.cpuUsage(c0);
      if (r.outcome !== 'committed' || r.migrated < n) throw new Error(`update ${r.outcome}, ${r.migrated} of ${n} records migrated`);
      if (i === 0) continue; // warm-up
      pause.push(r.pauseWallUs / n);
      cpu.push((c.user + c.system) / n);
    }
    rows.push({ records: n, pauseUs: median(pause), cpuUs: median(cpu) });
  }
  return rows;
}

export function printEagerBench(rows: readonly EagerRow[]): void {
  console.log('eager record transfer of simplefs 2.0 -> 2.1 (inode records gain fields), us per record, median');
  console.log(`  ${'inode records'.padStart(13)}  ${'pause'.padStart(8)}  ${'cpu'.padStart(8)}`);
  for (const r of rows) console.log(`  ${fmt(r.records).padStart(13)}  ${fmt(r.pauseUs, 2).padStart(8)}  ${fmt(r.cpuUs, 2).padStart(8)}`);
  console.log('  target: <= 1.5 us per record at 1M');
}

if (import.meta.url === `file://${process.argv[1]}`) printEagerBench(await eagerTransferBench(process.argv.slice(2).map(Number).filter((n) => n > 0).length ? process.argv.slice(2).map(Number) : undefined));
