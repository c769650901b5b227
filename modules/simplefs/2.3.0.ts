// simplefs 2.3.0: free space as extents, a change to the module state. Up
// to 2.2 each volume keeps a bitmap of its blocks (`freeMap`, one bit a
// block) and finding a run of free blocks scans it bit by bit from the
// start. 2.3 keeps a sorted list of free extents `{ start, length }` per
// volume instead: 2.2's run-by-run allocation takes the front of the first
// extent (the same blocks the bitmap would give: first fit), and the list
// is as short as free space is fragmented, not as long as the disk. State
// schema 2 -> 4 (3 is 3.0's journal layout): `upgrade.state` turns each
// bitmap into extents, `downgrade.state` the extents back into the same
// bitmap, and each direction's `check` requires the free blocks it finds
// to match the volume's `used` count. The write path is 2.2's, given this
// layout's allocator; unlink, rmdir and truncate give blocks back to the
// extents; everything else is 2.2's.
//
// Why it depends on quiescence: the transfer is correct for the state at
// any moment, but a thread suspended inside a 2.2 write (on disk I/O,
// between two allocations) resumes in 2.2's code and allocates its next run
// from 2.2's bitmap, which the new state no longer has: its write fails
// (an oops, EIO to the caller) and leaves the blocks it had taken attached
// to the file past its end. The `module` and `stop-machine` strategies wait
// until no thread is inside simplefs 2.2; the `unsafe` control does not,
// and the tests show the difference (modules/simplefs/quiescence.test.ts,
// props/quiescence.props.test.ts). per-task is refused by the plan, as for
// any state change.

import { type Ctx, defineModule, err, type KGen } from '../../kernel/module.js';
import { bitmapFromWords, bitmapWords, type Volume as BitmapVolume, inUse, markUsed, newBitmap } from './1.0.0.js';
import { checkState, removeEntry, type SfsState as SfsState2 } from './1.2.0.js';
import type { Imports } from './2.0.0.js';
import { LAYOUT as LAYOUT21, mountIn } from './2.1.0.js';
import { type BitmapVolume as DiskVolume, type Layout, umountVolume } from './persist.js';
import v22, { mountedVolume, type FreeSpace, truncateIn, writeIn } from './2.2.0.js';

interface Extent {
  readonly start: number;
  readonly length: number;
}

interface Volume {
  readonly blocks: number;
  /** Free blocks, sorted by start; no two extents touch. Block 0 (the superblock) is never free. */
  readonly free: readonly Extent[];
  readonly used: number;
  readonly root: number;
  readonly mounted: boolean;
}

interface SfsState extends Omit<SfsState2, 'volumes'> {
  readonly volumes: Readonly<Record<string, Volume>>;
}

type M = Ctx<SfsState, Imports>;

/** The first free extent's front, at most `max` blocks. */
function allocRun(m: M, dev: string, max: number): number[] {
  const first = (mountedVolume(m, dev) as Volume).free[0];
  if (!first) throw err('ENOSPC', `simplefs: ${dev} has no free block`);
  const n = Math.min(first.length, max);
  m.commit((s) => {
    const v = s.volumes[dev]!;
    if (n === first.length) v.free.shift();
    else v.free[0] = { start: first.start + n, length: first.length - n };
    v.used += n;
  });
  return Array.from({ length: n }, (_, i) => first.start + i);
}

/** `free` with `blocks` added: sorted, touching extents merged. */
function withFree(free: readonly Extent[], blocks: readonly number[]): Extent[] {
  const runs = [...blocks].sort((a, b) => a - b).map((start) => ({ start, length: 1 }));
  const out: Extent[] = [];
  for (const e of [...free, ...runs].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.start + last.length === e.start) out[out.length - 1] = { start: last.start, length: last.length + e.length };
    else out.push(e);
  }
  return out;
}

function freeBlocks(m: M, dev: string, blocks: readonly number[]): void {
  if (blocks.length === 0) return;
  m.commit((s) => {
    const v = s.volumes[dev]!;
    v.free = withFree(v.free, blocks);
    v.used -= blocks.length;
  });
}

const EXTENTS: FreeSpace<SfsState> = { allocRun, free: freeBlocks };

// ---- the layouts, both ways -------------------------------------------------

function toExtents({ freeMap, ...vol }: BitmapVolume): Volume {
  const free: Extent[] = [];
  for (let b = 0; b < vol.blocks; b++) {
    if (inUse(freeMap, b)) continue;
    const last = free[free.length - 1];
    if (last && last.start + last.length === b) free[free.length - 1] = { start: last.start, length: last.length + 1 };
    else free.push({ start: b, length: 1 });
  }
  return { ...vol, free };
}

function toBitmap({ free, ...vol }: Volume): BitmapVolume {
  const freeMap = newBitmap(vol.blocks);
  let e = 0;
  for (let b = 0; b < vol.blocks; b++) {
    while (e < free.length && free[e]!.start + free[e]!.length <= b) e++;
    if (!(e < free.length && free[e]!.start <= b)) markUsed(freeMap, b);
  }
  return { ...vol, freeMap };
}

const mapVolumes = <A, B>(vols: Readonly<Record<string, A>>, f: (v: A) => B): Record<string, B> => Object.fromEntries(Object.entries(vols).map(([dev, v]) => [dev, f(v)]));

const toExtentState = (old: SfsState2): SfsState => ({ ...old, volumes: mapVolumes(old.volumes, toExtents) });
const toBitmapState = (cur: SfsState): SfsState2 => ({ ...cur, volumes: mapVolumes(cur.volumes, toBitmap) });

/** The directories as 1.2 checks them, and every volume's extents: sorted, apart, inside it, and as many free blocks as `used` says. */
function checkExtents(s: SfsState): string | undefined {
  for (const [dev, v] of Object.entries(s.volumes)) {
    let free = 0;
    let from = 1; // where the next extent may start: block 0 is the superblock, and extents never touch
    for (const e of v.free) {
      if (!(e.length > 0 && e.start >= from && e.start + e.length <= v.blocks)) return `${dev}: bad free extent ${e.start}+${e.length}`;
      free += e.length;
      from = e.start + e.length + 1;
    }
    if (free !== v.blocks - v.used) return `${dev}: ${free} blocks in free extents, but ${v.blocks - v.used} free by the count`;
  }
  return checkState(s as never);
}

/** The directories as 1.2 checks them, and every volume's bitmap has as many free blocks as `used` says. */
function checkBitmap(s: SfsState2): string | undefined {
  for (const [dev, v] of Object.entries(s.volumes)) {
    let free = 0;
    for (let b = 0; b < v.blocks; b++) if (!inUse(v.freeMap, b)) free++;
    if (free !== v.blocks - v.used) return `${dev}: ${free} blocks free in the bitmap, but ${v.blocks - v.used} by the count`;
  }
  return checkState(s);
}

// ---- fs:simplefs operations that touch free space ---------------------------

/** 2.1's, with free space as extents. */
const LAYOUT: Layout = {
  ...LAYOUT21,
  // The disk keeps the bitmap as flat words (format.ts); 2.2's chunks sit between them and the extents.
  volume: (v: DiskVolume) => toExtents({ ...v, freeMap: bitmapFromWords(v.freeMap) }),
  bitmapVolume: (v: Volume) => {
    const b = toBitmap(v);
    return { ...b, freeMap: bitmapWords(b.freeMap, b.blocks) };
  },
};

function* mount(m: M, dev: string): KGen<number> {
  return yield* mountIn(m, dev, LAYOUT);
}

function* umount(m: M, dev: string): KGen<void> {
  yield* umountVolume(m, dev, LAYOUT);
}

function unlink(m: M, dev: string, dir: number, name: string): void {
  removeEntry(m as never, dev, dir, name, 'file', freeBlocks as never);
}

function rmdir(m: M, dev: string, dir: number, name: string): void {
  removeEntry(m as never, dev, dir, name, 'dir', freeBlocks as never);
}

function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array): KGen<number> {
  return yield* writeIn(m, dev, ino, offset, bytes, EXTENTS);
}

function* truncate(m: M, dev: string, ino: number, size: number): KGen<void> {
  yield* truncateIn(m, dev, ino, size, EXTENTS);
}

/** For 3.0, which keeps the bitmap. */
export { type SfsState, toBitmapState };

export default defineModule<SfsState>({
  name: 'simplefs',
  version: '2.3.0',
  description: 'simplefs keeping free space as a list of extents',
  license: v22.license!,
  requires: v22.requires!,
  records: v22.records!,
  opsVersions: v22.opsVersions!,
  state: { schema: 4, initial: () => ({ volumes: {}, nextIno: 1, dirs: {} }) },
  ops: { 'fs:simplefs': { ...v22.ops!['fs:simplefs']!, mount, umount, unlink, rmdir, write, truncate } },
  upgrade: { from: ['2.2.0'], state: toExtentState, check: checkExtents },
  downgrade: { to: ['2.2.0'], state: toBitmapState, check: checkBitmap },
});
