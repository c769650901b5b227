// The object twin's update pause as the number of instances grows: simplefs
// 2.0 -> 2.1 (every Inode object changes class version) with 1k, 10k and
// 100k inode objects, eager (K42's hot-swap of every instance at once) and
// lazy (each instance swapped on its next call). The pause is the wall time
// of TRANSFER and COMPLETE; "installing" is the wall time of the whole
// update, which includes putting a mediator in front of every instance
// (FORWARD): callers are not held then, but it is work that grows with the
// number of instances in both variants. Inode objects are made through the
// factory, not through syscalls, so that large counts stay quick to set up.

import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import { bootObjectKernel } from '../oo/kernel.js';
import { ObjectUpdater } from '../oo/updater.js';
import { fmt, median, timeMs } from '../compare/timing.js';

const SIZES = [1_000, 10_000, 100_000] as const;

function machineWith(n: number) {
  const k = bootObjectKernel({ seed: 1 }, { releases: { blkdev: '2.0.0', simplefs: '2.0.0' } });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  const fs = k.volume('disk0')!;
  for (let i = 0; i < n; i++) {
    const ino = k.ott.callPlain(fs, 'allocIno', []) as number;
    const id = k.env.create('Inode', 'new', { ino, type: 'file', fs, blk: k.blockDevice, now: 0 });
    k.ott.callPlain(fs, 'addInode', [ino, id]);
  }
  return k;
}

export interface TwinPauseRow {
  readonly instances: number;
  readonly eagerPauseUs: number;
  readonly lazyPauseUs: number;
  readonly eagerUpdateMs: number;
  readonly lazyUpdateMs: number;
}

export function twinPauseBench(rounds = 3): TwinPauseRow[] {
  return SIZES.map((n) => {
    const runs = { eagerPause: [] as number[], lazyPause: [] as number[], eagerAll: [] as number[], lazyAll: [] as number[] };
    for (let r = 0; r < rounds + 1; r++) {
      for (const lazy of r % 2 ? [true, false] : [false, true]) {
        const k = machineWith(n);
        const u = new ObjectUpdater(k);
        let pause = 0;
        const all = timeMs(() => {
          pause = u.run(['simplefs@2.1.0'], { lazy }).pauseWallUs;
        });
        if (r === 0) continue; // warm-up
        (lazy ? runs.lazyPause : runs.eagerPause).push(pause);
        (lazy ? runs.lazyAll : runs.eagerAll).push(all);
      }
    }
    return { instances: n, eagerPauseUs: median(runs.eagerPause), lazyPauseUs: median(runs.lazyPause), eagerUpdateMs: median(runs.eagerAll), lazyUpdateMs: median(runs.lazyAll) };
  });
}

export function printTwinPauseBench(rows: readonly TwinPauseRow[]): void {
  console.log('object twin: simplefs 2.0 -> 2.1 pause (TRANSFER + COMPLETE) and whole update, by inode objects');
  for (const r of rows) {
    console.log(`  ${fmt(r.instances).padStart(7)} objects: eager pause ${fmt(r.eagerPauseUs)} us (update ${fmt(r.eagerUpdateMs, 1)} ms); lazy pause ${fmt(r.lazyPauseUs)} us (update ${fmt(r.lazyUpdateMs, 1)} ms)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printTwinPauseBench(twinPauseBench());
