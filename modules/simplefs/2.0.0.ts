// simplefs 2.0.0: moves to blkdev's multi-sector interface (`blk_submit@2`).
// A read or write of many blocks now issues one request per run of
// contiguous blocks instead of one per block. It can be applied alone once
// blkdev 2.0 runs (simplefs 1.x reaches @2 through blkdev's adaptor until
// then, and the adaptor goes away when this version takes over), or grouped
// with blkdev 2.0 in one update. The state is 1.2's; directories are 1.2's
// code. Only the I/O paths are new.

import { type Ctx, defineModule, err, type KGen, SECTOR_SIZE, sectorRuns } from '../../kernel/module.js';
import { allocBlocks as allocBlocks10, changeInode, getattr, inode as inode10, setInode, type Stamp, truncateWith, startWrite } from './1.0.0.js';
import { releaseUnwritten } from './1.1.0.js';
import v12, { LAYOUT as LAYOUT12, type SfsState } from './1.2.0.js';
import { type Layout, mountVolume, umountVolume } from './persist.js';

const BS = SECTOR_SIZE;

interface Imports {
  blk_submit(dev: string, op: 'read' | 'write', sector: number, count: number, buf: Uint8Array): KGen<void>;
  blk_capacity(dev: string): number;
}

type M = Ctx<SfsState, Imports>;

// 1.0's helpers touch volumes, blocks and inodes only.
const inode = (m: M, dev: string, ino: number) => inode10(m as never, dev, ino);
const allocBlocks = (m: M, dev: string, n: number) => allocBlocks10(m as never, dev, n);

/**
 * Transfer `blocks` to or from the front of `buf`, one request per run of
 * contiguous blocks, each on its own part of `buf` (a failed request throws,
 * and its caller drops `buf`). Not a generator itself: with a single run it
 * hands back that request's generator, so the caller's `yield*` resumes one
 * generator fewer at every step.
 */
function submitBlocks(m: M, dev: string, op: 'read' | 'write', blocks: readonly number[], buf: Uint8Array): KGen<void> {
  const runs = sectorRuns(blocks);
  if (runs.length !== 1) return submitRuns(m, dev, op, runs, buf);
  const n = runs[0]!.count;
  return m.imports.blk_submit(dev, op, runs[0]!.start, n, buf.length === n * BS ? buf : buf.subarray(0, n * BS));
}

function* submitRuns(m: M, dev: string, op: 'read' | 'write', runs: readonly { start: number; count: number; at: number }[], buf: Uint8Array): KGen<void> {
  for (const r of runs) yield* m.imports.blk_submit(dev, op, r.start, r.count, buf.subarray(r.at * BS, (r.at + r.count) * BS));
}

/** Read `blocks` into `out`, exactly as long as they are. */
const readInto = (m: M, dev: string, blocks: readonly number[], out: Uint8Array): KGen<void> => submitBlocks(m, dev, 'read', blocks, out);

function* readBlocks(m: M, dev: string, blocks: readonly number[]): KGen<Uint8Array> {
  const out = new Uint8Array(blocks.length * BS);
  yield* readInto(m, dev, blocks, out);
  return out;
}

/** Write the front of `data` to `blocks` (the disk copies what it is given). */
const writeBlocks = (m: M, dev: string, blocks: readonly number[], data: Uint8Array): KGen<void> => submitBlocks(m, dev, 'write', blocks, data);

function* read(m: M, dev: string, ino: number, off: number, len: number): KGen<Uint8Array> {
  const node = inode(m, dev, ino);
  if (node.type === 'dir') throw err('EISDIR', `inode ${ino} is a directory`);
  const end = Math.min(node.size, off + len);
  if (off >= end) return new Uint8Array(0);
  const first = Math.floor(off / BS);
  const blocks = node.blocks.slice(first, Math.ceil(end / BS));
  const data = new Uint8Array(blocks.length * BS);
  yield* readInto(m, dev, blocks, data);
  // A view of the blocks read, not a copy: nothing else holds `data` (a failed read threw above).
  return data.subarray(off - first * BS, end - first * BS);
}

/** Write `bytes` at `offset`; `stamp`'s fields (a later version's) are committed with the new size. */
function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array, stamp?: Stamp): KGen<number> {
  const w = startWrite(m, dev, ino, offset, bytes);
  if (!w) {
    if (stamp) setInode(m, ino, stamp(m));
    return 0;
  }
  const { node, off, data, end } = w;
  const had = node.blocks.length;
  const need = Math.ceil(end / BS);
  let all = node.blocks;
  if (need > had) {
    all = [...node.blocks, ...allocBlocks(m, dev, need - had)];
    changeInode(m, ino, node, { blocks: all }); // `node` is still the inode's record: nothing yielded since startWrite read it
  }
  try {
    const first = Math.floor(off / BS);
    const blocks = all.slice(first, need);
    const buf = new Uint8Array(blocks.length * BS);
    // Partial blocks at either edge that hold data already: read them first (the last one only if it is not the first).
    const last = blocks.length - 1;
    const head = off % BS !== 0 && first < had;
    if (head) yield* readInto(m, dev, [blocks[0]!], buf.subarray(0, BS));
    if (end % BS !== 0 && need - 1 < had && !(head && last === 0)) yield* readInto(m, dev, [blocks[last]!], buf.subarray(last * BS, (last + 1) * BS));
    buf.set(data, off - first * BS);
    yield* writeBlocks(m, dev, blocks, buf);
  } catch (e) {
    releaseUnwritten(m as never, dev, ino, had); // 1.1's fix
    throw e;
  }
  const now = inode(m, dev, ino);
  const size = Math.max(now.size, end);
  changeInode(m, ino, now, { size }, stamp?.(m));
  return bytes.length;
}

function* truncate(m: M, dev: string, ino: number, size: number, stamp?: Stamp): KGen<void> {
  yield* truncateWith(m as never, dev, ino, size, write as never, undefined, stamp);
}

/** 1.2's, through multi-sector requests. */
const LAYOUT: Layout = {
  ...LAYOUT12,
  read: (m: M, dev, blocks) => readBlocks(m, dev, blocks),
  write: (m: M, dev, blocks, data) => writeBlocks(m, dev, blocks, data),
};

function* mount(m: M, dev: string): KGen<number> {
  return (yield* mountVolume(m, dev, LAYOUT)).root;
}

function* umount(m: M, dev: string): KGen<void> {
  yield* umountVolume(m, dev, LAYOUT);
}

export { type Imports, LAYOUT, read, readBlocks, truncate, write, writeBlocks };

export default defineModule<SfsState>({
  ...v12,
  version: '2.0.0',
  description: 'simplefs on multi-sector block requests (blk_submit@2)',
  requires: { blk_submit: 2, blk_capacity: 1 },
  ops: { 'fs:simplefs': { ...v12.ops!['fs:simplefs']!, mount, umount, read, write, truncate, getattr } },
  upgrade: { from: ['1.2.0'] },
  downgrade: { to: ['1.2.0'] },
});
