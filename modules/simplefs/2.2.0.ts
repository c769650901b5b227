// simplefs 2.2.0: allocate as you write, code only. Up to 2.1 a write that
// grows a file takes every block it needs up front and then writes them.
// 2.2 takes them run by run: each run of contiguous free blocks (at most one
// disk request) is allocated just before it is written, with the disk I/O of
// the run before it in between. So a write that fails part-way (a disk
// error) has taken only the runs up to the one that failed, never the rest
// of its range, and a long write holds free space only as it fills it:
// writers beside it are not refused for blocks it has not reached yet. It
// still refuses with ENOSPC up front when the volume lacks the space, so an
// uncontended write fails before it changes a byte, as 2.1's does; a writer
// beside it that takes the space meanwhile makes it fail ENOSPC part-way,
// and 1.1's fix gives back what it took. The state and everything else is
// 2.1's (times included).
//
// Why this change matters for quiescence: a thread in a 2.2 write sleeps on
// disk I/O between two allocations and then allocates again, from the
// free-space layout it was written for (1.0's bitmap). The allocation is
// reached through `FreeSpace` so that 2.3, which keeps free space as
// extents, reuses this write path; but a thread suspended in 2.2's code
// keeps 2.2's bitmap allocator. An update that changes the layout under it
// (2.3) is safe only once no thread is inside a 2.2 write.

import { type Ctx, defineModule, err, type KGen, MAX_REQUEST_SECTORS } from '../../kernel/module.js';
import { allocBlocks as allocBlocks10, bitmapWord, BS, inUse, setInode, freeBlocks as freeBlocks10, inode as inode10, type Inode, startWrite, truncateWith, type Volume, volume as volume10 } from './1.0.0.js';
import { releaseUnwritten } from './1.1.0.js';
import type { SfsState } from './1.2.0.js';
import { type Imports, readBlocks, writeBlocks } from './2.0.0.js';
import v21, { stamp } from './2.1.0.js';

/** What the write path reads of a volume, whatever its free-space layout. */
interface Counted {
  readonly volumes: Readonly<Record<string, { readonly blocks: number; readonly used: number; readonly mounted: boolean }>>;
}

/** Where free blocks come from and go back to. Both are plain functions: they never block. */
interface FreeSpace<S extends Counted> {
  /** Take the first run of free blocks, at most `max` long (at least 1); ENOSPC when no block is free. */
  allocRun(m: Ctx<S, Imports>, dev: string, max: number): number[];
  /** Give `blocks` back. */
  free(m: Ctx<S, Imports>, dev: string, blocks: readonly number[]): void;
}

type M = Ctx<SfsState, Imports>;

const inode = (m: Ctx<Counted, Imports>, dev: string, ino: number): Inode => inode10(m as never, dev, ino);

/** 1.0's check that `dev` is mounted; it reads only what every layout has. */
const mountedVolume = (m: Ctx<Counted, Imports>, dev: string): Counted['volumes'][string] => volume10(m as never, dev);

/**
 * Write `bytes` at `offset`, taking new blocks from `space` run by run, each
 * just before it goes to disk. Does not stamp the times (write and truncate
 * below do). Concurrency: the thread sleeps on disk I/O between two
 * allocations, and the state may change meanwhile (other writers allocate):
 * the inode and the volume are read again after every sleep.
 */
function* allocatingWrite<S extends Counted>(m: Ctx<S, Imports>, dev: string, ino: number, offset: number, bytes: Uint8Array, space: FreeSpace<S>): KGen<number> {
  const w = startWrite(m, dev, ino, offset, bytes);
  if (!w) return 0;
  const { node, off, data, end } = w;
  const had = node.blocks.length;
  const first = Math.floor(off / BS);
  const need = Math.ceil(end / BS);
  const vol = mountedVolume(m, dev);
  if (vol.blocks - vol.used < need - had) throw err('ENOSPC', `simplefs: ${dev} has ${vol.blocks - vol.used} free blocks, ${need - had} needed`);
  // Blocks first..need-1 as they must end up: an edge block that is only
  // partly written and holds data already is read first.
  const buf = new Uint8Array((need - first) * BS);
  const edges = new Set([off % BS ? first : -1, end % BS ? need - 1 : -1].filter((bi) => bi >= 0 && bi < had));
  for (const bi of edges) buf.set(yield* readBlocks(m as never, dev, [inode(m, dev, ino).blocks[bi]!]), (bi - first) * BS);
  buf.set(data, off - first * BS);
  try {
    // The blocks the file has, then those it lacks, one run at a time: each
    // allocated just before it goes to disk, after the I/O of the one before.
    yield* writeBlocks(m as never, dev, inode(m, dev, ino).blocks.slice(first, need), buf);
    for (let bi = Math.max(first, had); bi < need; ) {
      const run = space.allocRun(m, dev, Math.min(need - bi, MAX_REQUEST_SECTORS));
      setInode(m, ino, { blocks: [...inode(m, dev, ino).blocks, ...run] });
      yield* writeBlocks(m as never, dev, run, buf.subarray((bi - first) * BS, (bi - first + run.length) * BS));
      bi += run.length;
    }
  } catch (e) {
    releaseUnwritten(m, dev, ino, had, space.free as never); // 1.1's fix, in this layout
    throw e;
  }
  setInode(m, ino, { size: Math.max(inode(m, dev, ino).size, end) });
  return bytes.length;
}

/** A write through `space`, stamping mtime as 2.1's does. */
function* writeIn<S extends Counted>(m: Ctx<S, Imports>, dev: string, ino: number, offset: number, bytes: Uint8Array, space: FreeSpace<S>): KGen<number> {
  const n = yield* allocatingWrite(m, dev, ino, offset, bytes, space);
  stamp(m as never, ino, { mtime: m.k.now() });
  return n;
}

/** A truncate through `space` (growing it writes zeros as `allocatingWrite` does), stamping mtime as 2.1's does. */
function* truncateIn<S extends Counted>(m: Ctx<S, Imports>, dev: string, ino: number, size: number, space: FreeSpace<S>): KGen<void> {
  const grow = (c: Ctx<S, Imports>, d: string, i: number, o: number, b: Uint8Array) => allocatingWrite(c, d, i, o, b, space);
  yield* truncateWith(m as never, dev, ino, size, grow as never, space.free as never);
  stamp(m as never, ino, { mtime: m.k.now() });
}

// ---- 1.0's bitmap, run by run ----------------------------------------------

const isFree = (vol: Volume, b: number) => b < vol.blocks && !inUse(vol.freeMap, b);

/** The first free block and the free blocks right after it, at most `max`. */
function allocRun(m: M, dev: string, max: number): number[] {
  const vol = mountedVolume(m, dev) as Volume;
  let start = 0;
  while (start < vol.blocks && bitmapWord(vol.freeMap, start >>> 5) === -1) start += 32;
  while (start < vol.blocks && !isFree(vol, start)) start++;
  let n = 0;
  while (n < max && isFree(vol, start + n)) n++;
  // 1.0's allocator takes the first free blocks: exactly this run (or throws ENOSPC when there is none).
  return allocBlocks10(m as never, dev, Math.max(n, 1));
}

const BITMAP: FreeSpace<SfsState> = { allocRun, free: (m, dev, blocks) => freeBlocks10(m as never, dev, blocks) };

function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array): KGen<number> {
  return yield* writeIn(m, dev, ino, offset, bytes, BITMAP);
}

function* truncate(m: M, dev: string, ino: number, size: number): KGen<void> {
  yield* truncateIn(m, dev, ino, size, BITMAP);
}

/** Shared with later versions (the same module). */
export { type FreeSpace, mountedVolume, truncate, truncateIn, write, writeIn };

export default defineModule<SfsState>({
  ...v21,
  version: '2.2.0',
  description: 'simplefs allocating blocks run by run as a write goes to disk',
  ops: { 'fs:simplefs': { ...v21.ops!['fs:simplefs']!, write, truncate } },
  upgrade: { from: ['2.1.0'] },
  downgrade: { to: ['2.1.0'] },
});
