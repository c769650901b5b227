// fsck for simplefs, read from the outside: every block of a volume is the
// superblock, free, or in exactly one file, the volume's `used` count agrees,
// and every file holds exactly the blocks its size needs (none missing, and
// none kept past its end once no write is in flight). It reads either free-space layout: 1.0's bitmap (`freeMap`) or
// 2.3's extents (`free`). The tests of update timing use it to see damage
// that the syscall results alone would show only later.

import type { Kernel } from '../kernel/kernel.js';
import { type Bitmap, inUse } from '../modules/simplefs/1.0.0.js';

const BS = 512;

interface AnyVolume {
  readonly blocks: number;
  readonly used: number;
  readonly freeMap?: Bitmap;
  readonly free?: readonly { readonly start: number; readonly length: number }[];
}

interface FileRecord {
  readonly ino: number;
  readonly dev: string;
  readonly type: 'file' | 'dir';
  readonly size: number;
  readonly blocks: readonly number[];
}

/** The free blocks of a volume, whichever layout it is in. */
export function freeBlocksOf(v: AnyVolume): Set<number> {
  const free = new Set<number>();
  if (v.free) for (const e of v.free) for (let b = e.start; b < e.start + e.length; b++) free.add(b);
  else for (let b = 0; b < v.blocks; b++) if (!inUse(v.freeMap!, b)) free.add(b);
  return free;
}

/**
 * What is wrong with simplefs's volumes and files on `k`: an empty list when
 * nothing is. A write in flight holds blocks past its file's end until it
 * ends, so with `writesInFlight` that is not counted as wrong.
 */
export function fsck(k: Kernel, { writesInFlight = false } = {}): string[] {
  const problems: string[] = [];
  const { volumes } = k.store.state('simplefs') as { volumes: Record<string, AnyVolume> };
  const files = [...k.store.table('simplefs', 'inodes').entries()].map(([, r]) => r as unknown as FileRecord);
  for (const [dev, v] of Object.entries(volumes)) {
    const free = freeBlocksOf(v);
    const owner = new Map<number, number>();
    for (const f of files.filter((x) => x.dev === dev)) {
      if (writesInFlight ? f.blocks.length < Math.ceil(f.size / BS) : f.blocks.length !== Math.ceil(f.size / BS)) problems.push(`${dev}: inode ${f.ino} has ${f.blocks.length} blocks for ${f.size} bytes`);
      for (const b of f.blocks) {
        if (b <= 0 || b >= v.blocks) problems.push(`${dev}: inode ${f.ino} holds block ${b}, outside the volume`);
        else if (owner.has(b)) problems.push(`${dev}: block ${b} is in inodes ${owner.get(b)} and ${f.ino}`);
        else if (free.has(b)) problems.push(`${dev}: block ${b} of inode ${f.ino} is also free`);
        owner.set(b, f.ino);
      }
    }
    if (free.has(0)) problems.push(`${dev}: the superblock is free`);
    const lost = v.blocks - 1 - free.size - owner.size;
    if (lost !== 0) problems.push(`${dev}: ${lost} blocks neither free nor in a file`);
    if (v.used !== v.blocks - free.size) problems.push(`${dev}: used is ${v.used}, but ${v.blocks - free.size} blocks are not free`);
  }
  return problems;
}
