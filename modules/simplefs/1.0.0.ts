// simplefs 1.0.0: a filesystem on a block device. File data lives in disk
// blocks (one sector each) reached through blkdev's `blk_submit@1`; the
// metadata lives in the module state: per volume the block count, the
// free-block bitmap and the root inode, and per directory its entries as a
// list sorted by name (lookup is a linear scan). Inodes are per-instance
// records. Later versions reuse the functions exported at the bottom.
//
// The module state holds mounted volumes only: umount writes a volume's
// metadata to the disk and mount reads it back (persist.ts, in the on-disk
// format of format.ts), so a remount, by this or any other version, sees
// the same files.

import { type Ctx, defineModule, err, type KGen, SECTOR_SIZE } from '../../kernel/module.js';
import { type Layout, mountVolume, plainRecord, umountVolume } from './persist.js';
import { inodeWith, stateWith, volumeWith } from './shapes.js';

const BS = SECTOR_SIZE;

interface DirEntry {
  readonly name: string;
  readonly ino: number;
}

/**
 * The free-block bitmap: one bit per block, 1 = in use, 32 blocks per word
 * and 32 words (1,024 blocks) per chunk. An allocation copies only the
 * chunks it touches and the short list of chunks, sharing the rest with
 * the snapshot before it, as the radix table does for records: copying the
 * whole map on every allocate and free was the largest single cost of a
 * write. Read and change it only through the functions below.
 */
type Bitmap = readonly (readonly number[])[];

const CHUNK_SHIFT = 10; // blocks per chunk: 1 << 10
const CHUNK_WORDS = 32;

/** A bitmap of `blocks` blocks, all free (the caller marks the superblock), to fill before it is committed. */
function newBitmap(blocks: number): number[][] {
  return Array.from({ length: Math.ceil(blocks / (1 << CHUNK_SHIFT)) }, () => new Array<number>(CHUNK_WORDS).fill(0));
}

/** The word holding blocks 32w..32w+31. */
function bitmapWord(map: Bitmap, w: number): number {
  return map[w >>> 5]![w & 31]!;
}

/** Whether block `b` is in use. */
function inUse(map: Bitmap, b: number): boolean {
  return (map[b >>> CHUNK_SHIFT]![(b >>> 5) & 31]! & (1 << (b & 31))) !== 0;
}

/** Mark `b` used in a bitmap being built (newBitmap's, not yet committed). */
function markUsed(map: number[][], b: number): void {
  map[b >>> CHUNK_SHIFT]![(b >>> 5) & 31]! |= 1 << (b & 31);
}

/** The bitmap of flat words (one bit a block, 32 a word: the on-disk form, format.ts) as chunks. */
function bitmapFromWords(words: readonly number[]): Bitmap {
  return Array.from({ length: Math.ceil(words.length / CHUNK_WORDS) }, (_, c) => Array.from({ length: CHUNK_WORDS }, (_, w) => words[c * CHUNK_WORDS + w] ?? 0));
}

/** The chunks as flat words, as many as `blocks` needs (the on-disk form). */
function bitmapWords(map: Bitmap, blocks: number): number[] {
  return Array.from({ length: Math.ceil(blocks / 32) }, (_, w) => bitmapWord(map, w));
}

/** `map` with the bits of `blocks` set (`used`) or cleared: a new bitmap sharing every chunk it does not touch. */
function withBits(map: Bitmap, blocks: readonly number[], used: boolean): Bitmap {
  const next = map.slice() as (readonly number[])[];
  for (const blk of blocks) {
    const c = blk >>> CHUNK_SHIFT;
    if (next[c] === map[c]) next[c] = map[c]!.slice(); // copied once: a copy is never the chunk it came from
    const chunk = next[c] as number[];
    const w = (blk >>> 5) & 31;
    chunk[w] = used ? chunk[w]! | (1 << (blk & 31)) : chunk[w]! & ~(1 << (blk & 31));
  }
  return next;
}

interface Volume {
  readonly blocks: number;
  /** Which blocks are in use. Block 0 is the superblock. */
  readonly freeMap: Bitmap;
  readonly used: number;
  readonly root: number;
  readonly mounted: boolean;
}

interface SfsState {
  readonly volumes: Readonly<Record<string, Volume>>;
  readonly nextIno: number;
  /** Directory entries, by directory inode. */
  readonly dirs: Readonly<Record<number, readonly DirEntry[]>>;
}

interface Inode {
  readonly ino: number;
  readonly dev: string;
  readonly type: 'file' | 'dir';
  readonly size: number;
  readonly nlink: number;
  readonly blocks: readonly number[];
}

interface Imports {
  blk_submit(dev: string, op: 'read' | 'write', sector: number, buf: Uint8Array): KGen<void>;
  blk_capacity(dev: string): number;
}

type M = Ctx<SfsState, Imports>;

function inode(m: M, dev: string, ino: number): Inode {
  const rec = m.records<Inode>('inodes').get(ino);
  if (!rec || rec.dev !== dev) throw err('ENOENT', `simplefs: no inode ${ino} on ${dev}`);
  return rec;
}

/**
 * Commit new values of some of inode `ino`'s fields, without an immer
 * draft: the write path changes an inode two or three times per write, and
 * a draft's fixed cost was most of that. Commits nothing when every field
 * already has its value (as a recipe that changes nothing).
 */
function setInode(m: Ctx<object, object>, ino: number, fields: Partial<Omit<Inode, 'ino'>> & object): void {
  const cur = m.records<Inode>('inodes').get(ino);
  if (cur === undefined) throw new RangeError(`simplefs/inodes: no record ${ino}`);
  changeInode(m, ino, cur, fields);
}

/**
 * setInode for a caller that holds inode `ino`'s current record `cur`, read
 * in the same step (no yield since): one table read fewer. `more`'s fields
 * (a later version's stamp) are set after `fields`'. The new record is
 * built once (shapes.ts), already stamped with `cur`'s `v`, and handed to
 * the table without a second copy.
 */
function changeInode(m: Ctx<object, object>, ino: number, cur: Inode, fields: Partial<Omit<Inode, 'ino'>> & object, more?: object): void {
  if (changes(cur, fields, more) || (more !== undefined && changes(cur, more))) m.records<Inode>('inodes').putNew(ino, inodeWith(cur, fields, more));
}

/** Whether some field of `fields` that `over` does not set again has another value in `cur`. */
function changes(cur: object, fields: object, over?: object): boolean {
  for (const key in fields) {
    if ((fields as Record<string, unknown>)[key] !== (cur as Record<string, unknown>)[key] && (over === undefined || !Object.hasOwn(over, key))) return true;
  }
  return false;
}

function volume(m: M, dev: string): Volume {
  const v = m.state().volumes[dev];
  if (!v || !v.mounted) throw err('EINVAL', `simplefs: ${dev} is not mounted`);
  return v;
}

function entries(m: M, dev: string, dir: number): readonly DirEntry[] {
  if (inode(m, dev, dir).type !== 'dir') throw err('ENOTDIR', `simplefs: inode ${dir} is not a directory`);
  return m.state().dirs[dir] ?? [];
}

function findEntry(m: M, dev: string, dir: number, name: string): DirEntry | undefined {
  const list = entries(m, dev, dir);
  m.k.work(20 * list.length); // a linear scan of the directory
  return list.find((e) => e.name === name);
}

function allocBlocks(m: M, dev: string, n: number): number[] {
  const vol = volume(m, dev);
  // Read once: volumes of several shapes pass here, so every read of a field is a megamorphic load.
  const { blocks, freeMap } = vol;
  if (blocks - vol.used < n) throw err('ENOSPC', `simplefs: ${dev} has ${blocks - vol.used} free blocks, ${n} needed`);
  const got: number[] = [];
  for (let w = 0; w * 32 < blocks && got.length < n; w++) {
    const word = bitmapWord(freeMap, w);
    if (word === -1) continue;
    for (let b = 0; b < 32 && got.length < n; b++) {
      const blk = w * 32 + b;
      if (blk < blocks && !(word & (1 << b))) got.push(blk);
    }
  }
  if (got.length > 0) putBits(m, dev, got, true);
  return got;
}

function freeBlocks(m: M, dev: string, blocks: readonly number[]): void {
  if (blocks.length === 0) return;
  putBits(m, dev, blocks, false);
}

/**
 * Set (`used`) or clear the bits of `blocks` in the volume's bitmap and
 * count them, committed without an immer draft: drafting the bitmap made
 * immer walk every word of it on each allocate and free.
 */
function putBits(m: M, dev: string, blocks: readonly number[], used: boolean): void {
  const s = m.state();
  const v = s.volumes[dev]!;
  const freeMap = withBits(v.freeMap, blocks, used);
  // Copied, then the volume (an own entry already) assigned: V8 defines the computed key of
  // `{ ...volumes, [dev]: v }` through the runtime, which was most of this function's time.
  const volumes = { ...s.volumes };
  volumes[dev] = volumeWith(v, freeMap, used ? v.used + blocks.length : v.used - blocks.length);
  m.put(stateWith(s, volumes, s.nextIno, s.dirs));
}

function* readBlock(m: M, dev: string, blk: number): KGen<Uint8Array> {
  const buf = new Uint8Array(BS);
  yield* m.imports.blk_submit(dev, 'read', blk, buf);
  return buf;
}

// ---- fs:simplefs operations (defineModule checks them against FsOps) -----

/** Lists and a bitmap, one sector per request (blk_submit@1): how 1.0 and 1.1 keep and reach a volume. */
const LAYOUT: Layout = {
  *read(m: M, dev, blocks) {
    const out = new Uint8Array(blocks.length * BS);
    for (const [i, blk] of blocks.entries()) out.set(yield* readBlock(m, dev, blk), i * BS);
    return out;
  },
  *write(m: M, dev, blocks, data) {
    for (const [i, blk] of blocks.entries()) yield* m.imports.blk_submit(dev, 'write', blk, data.slice(i * BS, (i + 1) * BS));
  },
  dir: (entries) => entries,
  entries: (dir: readonly DirEntry[]) => dir,
  // The disk keeps the bitmap as flat words; the state, in chunks.
  volume: (v) => ({ ...v, freeMap: bitmapFromWords(v.freeMap) }),
  bitmapVolume: (v: Volume) => ({ ...v, freeMap: bitmapWords(v.freeMap, v.blocks) }),
  record: plainRecord,
};

function* mount(m: M, dev: string): KGen<number> {
  return (yield* mountVolume(m, dev, LAYOUT)).root;
}

function* umount(m: M, dev: string): KGen<void> {
  yield* umountVolume(m, dev, LAYOUT);
}

function lookup(m: M, dev: string, dir: number, name: string): number {
  const e = findEntry(m, dev, dir, name);
  if (!e) throw err('ENOENT', `${name} does not exist`);
  return e.ino;
}

function create(m: M, dev: string, dir: number, name: string, type: 'file' | 'dir'): number {
  volume(m, dev);
  if (findEntry(m, dev, dir, name)) throw err('EEXIST', `${name} exists`);
  const ino = m.state().nextIno;
  m.records<Inode>('inodes').put(ino, { ino, dev, type, size: 0, nlink: type === 'dir' ? 2 : 1, blocks: [] });
  if (type === 'dir') m.records<Inode>('inodes').update(dir, (d) => void (d.nlink += 1));
  m.commit((s) => {
    s.nextIno = ino + 1;
    const list = s.dirs[dir] ?? [];
    const at = list.findIndex((e) => e.name > name);
    s.dirs[dir] = at < 0 ? [...list, { name, ino }] : [...list.slice(0, at), { name, ino }, ...list.slice(at)];
    if (type === 'dir') s.dirs[ino] = [];
  });
  return ino;
}

function removeEntry(m: M, dev: string, dir: number, name: string, want: 'file' | 'dir'): void {
  const e = findEntry(m, dev, dir, name);
  if (!e) throw err('ENOENT', `${name} does not exist`);
  const node = inode(m, dev, e.ino);
  if (want === 'file' && node.type === 'dir') throw err('EISDIR', `${name} is a directory`, 'use rmdir');
  if (want === 'dir' && node.type !== 'dir') throw err('ENOTDIR', `${name} is not a directory`);
  if (want === 'dir' && (m.state().dirs[e.ino]?.length ?? 0) > 0) throw err('ENOTEMPTY', `${name} is not empty`);
  freeBlocks(m, dev, node.blocks);
  m.records<Inode>('inodes').delete(e.ino);
  if (want === 'dir') m.records<Inode>('inodes').update(dir, (d) => void (d.nlink -= 1));
  m.commit((s) => {
    s.dirs[dir] = (s.dirs[dir] ?? []).filter((x) => x.name !== name);
    if (want === 'dir') delete s.dirs[e.ino];
  });
}

function unlink(m: M, dev: string, dir: number, name: string): void {
  removeEntry(m, dev, dir, name, 'file');
}

function rmdir(m: M, dev: string, dir: number, name: string): void {
  removeEntry(m, dev, dir, name, 'dir');
}

function getattr(m: M, dev: string, ino: number): { ino: number; type: 'file' | 'dir'; size: number; nlink: number } {
  const n = inode(m, dev, ino);
  return { ino: n.ino, type: n.type, size: n.size, nlink: n.nlink };
}

function readdir(m: M, dev: string, ino: number): string[] {
  return entries(m, dev, ino).map((e) => e.name); // kept sorted
}

function* read(m: M, dev: string, ino: number, off: number, len: number): KGen<Uint8Array> {
  const first = inode(m, dev, ino);
  if (first.type === 'dir') throw err('EISDIR', `inode ${ino} is a directory`);
  const end = Math.min(first.size, off + len);
  if (off >= end) return new Uint8Array(0);
  const out = new Uint8Array(end - off);
  for (let bi = Math.floor(off / BS); bi * BS < end; bi++) {
    const blk = inode(m, dev, ino).blocks[bi]; // read again: we may have slept
    if (blk === undefined) return out.subarray(0, Math.max(0, bi * BS - off)); // truncated under us
    const data = yield* readBlock(m, dev, blk);
    const from = Math.max(off, bi * BS);
    const to = Math.min(end, (bi + 1) * BS);
    out.set(data.subarray(from - bi * BS, to - bi * BS), from - off);
  }
  return out;
}

/**
 * What a write of `bytes` at `offset` really does, or null when it writes
 * nothing: writing past the end of a file leaves a hole that must read as
 * zeros, so the zeros are written too, from the old end.
 */
function startWrite(m: Ctx<object, object>, dev: string, ino: number, offset: number, bytes: Uint8Array): { node: Inode; off: number; data: Uint8Array; end: number } | null {
  const node = inode(m as never, dev, ino);
  if (node.type === 'dir') throw err('EISDIR', `inode ${ino} is a directory`);
  if (bytes.length === 0) return null;
  if (offset <= node.size) return { node, off: offset, data: bytes, end: offset + bytes.length };
  const data = new Uint8Array(offset - node.size + bytes.length);
  data.set(bytes, offset - node.size);
  return { node, off: node.size, data, end: node.size + data.length };
}

function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array): KGen<number> {
  const w = startWrite(m, dev, ino, offset, bytes);
  if (!w) return 0;
  const { node, off, data, end } = w;
  const need = Math.ceil(end / BS);
  const fresh = new Set<number>();
  if (need > node.blocks.length) {
    const got = allocBlocks(m, dev, need - node.blocks.length);
    for (const b of got) fresh.add(b);
    setInode(m, ino, { blocks: [...node.blocks, ...got] });
  }
  for (let bi = Math.floor(off / BS); bi < need; bi++) {
    const blk = inode(m, dev, ino).blocks[bi];
    if (blk === undefined) throw err('EIO', `simplefs: inode ${ino} lost block ${bi} during a write`);
    const from = Math.max(off, bi * BS) - bi * BS;
    const to = Math.min(end, (bi + 1) * BS) - bi * BS;
    let buf: Uint8Array;
    if (from === 0 && to === BS) buf = data.slice(bi * BS - off, bi * BS - off + BS);
    else {
      buf = fresh.has(blk) ? new Uint8Array(BS) : yield* readBlock(m, dev, blk);
      buf.set(data.subarray(bi * BS + from - off, bi * BS + to - off), from);
    }
    yield* m.imports.blk_submit(dev, 'write', blk, buf);
  }
  setInode(m, ino, { size: Math.max(inode(m, dev, ino).size, end) });
  return bytes.length;
}

function* truncate(m: M, dev: string, ino: number, size: number): KGen<void> {
  yield* truncateWith(m, dev, ino, size, write);
}

/**
 * More fields of an inode that a later version commits in the same record
 * write as a change of its size or blocks (2.1's mtime), made at that
 * moment: one record write instead of two, each a path copy of the table.
 */
type Stamp = (m: Ctx<object, object>) => object;

/** Truncate, growing the file through `writer` and giving blocks back through `free` (versions differ in their write path and free-space layout only); `stamp`'s fields are committed with the new size. */
function* truncateWith<C extends M>(m: C, dev: string, ino: number, size: number, writer: (m: C, dev: string, ino: number, off: number, bytes: Uint8Array, stamp?: Stamp) => KGen<number>, free: (m: C, dev: string, blocks: readonly number[]) => void = freeBlocks, stamp?: Stamp): KGen<void> {
  const node = inode(m, dev, ino);
  if (node.type === 'dir') throw err('EISDIR', `inode ${ino} is a directory`);
  if (!Number.isInteger(size) || size < 0) throw err('EINVAL', `bad size ${size}`);
  if (size > node.size) {
    yield* writer(m, dev, ino, node.size, new Uint8Array(size - node.size), stamp);
    return;
  }
  const keep = Math.ceil(size / BS);
  free(m, dev, node.blocks.slice(keep));
  const fields = node.blocks.length > keep ? { blocks: node.blocks.slice(0, keep), size } : { size };
  changeInode(m, ino, node, fields, stamp?.(m)); // `free` changed free space, not the inode
}

/** Shared with later versions (the same module): what they do not change. */
export { type Bitmap, type Inode, type Imports, type SfsState, type Stamp, type Volume, BS, LAYOUT, allocBlocks, bitmapFromWords, changeInode, bitmapWord, bitmapWords, inUse, markUsed, newBitmap, setInode, withBits, freeBlocks, getattr, inode, startWrite, read, readBlock, truncate, truncateWith, volume, write };

export default defineModule<SfsState>({
  name: 'simplefs',
  version: '1.0.0',
  description: 'a simple filesystem: data in disk blocks through blkdev, metadata in module state, inodes as records',
  license: 'MIT',
  requires: { blk_submit: 1, blk_capacity: 1 },
  state: { schema: 1, initial: () => ({ volumes: {}, nextIno: 1, dirs: {} }) },
  records: { inodes: 1 },
  ops: {
    'fs:simplefs': { mount, umount, lookup, create, unlink, rmdir, getattr, readdir, read, write, truncate },
  },
});
