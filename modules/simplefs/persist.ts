// simplefs's mount and umount, shared by every version: what makes a volume
// outlive the module. umount writes the volume's metadata (inodes,
// directories, the free-block bitmap) to the disk in the on-disk format
// (format.ts) and then drops the volume from the module state; mount reads
// it back, or formats a disk that holds no superblock. So the module state
// holds only mounted volumes, and `umount; rmmod; insmod (any version);
// mount` finds every file and every byte.
//
// Each version passes its `Layout`: how it keeps a directory and a volume in
// its state (converted to and from 1.0's sorted lists and bitmap, the form
// the image is built from), what inode record it keeps, and its block I/O.
//
// Concurrency: both operations sleep on disk I/O. The VFS takes a mount out
// of the namespace before it calls umount, and umount marks the volume
// unmounted before it writes, so nothing changes the volume while its
// metadata goes to disk; a failed write marks it mounted again. A mount of a
// device whose volume is still in the state (its umount is writing) is
// refused with EBUSY, before and after the mount's own reads.

import { type Ctx, err, type KGen, SECTOR_SIZE } from '../../kernel/module.js';
import { checksum, decodeImage, decodeSuperblock, type DirEntry, type DiskInode, encodeImage, encodeSuperblock, extentBlocks, FORMAT_VERSION, metadataExtents, type VolumeImage } from './format.js';

const BS = SECTOR_SIZE;

/** A volume as 1.0 keeps it: the form every version's layout converts to and from. */
export interface BitmapVolume {
  readonly blocks: number;
  /** One bit per block, 32 per word; 1 = in use. Block 0 is the superblock. */
  readonly freeMap: readonly number[];
  readonly used: number;
  readonly root: number;
  readonly mounted: boolean;
}

/** An inode record as every version keeps it, times from 2.1 on. */
interface InodeRecord extends DiskInode {
  readonly dev: string;
}

/** How one version keeps volumes in its state and reaches the disk. */
export interface Layout {
  /** Read `blocks` into one buffer, in the order given. */
  read(m: Ctx<any, any>, dev: string, blocks: readonly number[]): KGen<Uint8Array>;
  /** Write `data` (a block each) to `blocks`, in the order given. */
  write(m: Ctx<any, any>, dev: string, blocks: readonly number[], data: Uint8Array): KGen<void>;
  /** A directory in this version's form, from its entries sorted by name; and back. */
  dir(entries: readonly DirEntry[]): unknown;
  entries(dir: any): readonly DirEntry[];
  /** A volume in this version's form, from 1.0's; and back. */
  volume(v: BitmapVolume): unknown;
  bitmapVolume(v: any): BitmapVolume;
  /** The inode record this version keeps for `n` on `dev`. */
  record(n: DiskInode, dev: string): object;
}

/** What every version's state has, whatever form its directories and volumes take. */
interface AnyState {
  readonly volumes: Readonly<Record<string, { readonly mounted: boolean }>>;
  readonly nextIno: number;
  readonly dirs: Readonly<Record<number, unknown>>;
}

type M = Ctx<AnyState, { blk_capacity(dev: string): number }>;

/** 1.0's record: no times. */
export const plainRecord = (n: DiskInode, dev: string): object => ({ ino: n.ino, dev, type: n.type, size: n.size, nlink: n.nlink, blocks: n.blocks });

/** 2.1's record: times, 0 ("unknown") when the volume was last written without them. */
export const timedRecord = (n: DiskInode, dev: string): object => ({ ...plainRecord(n, dev), ctime: n.ctime ?? 0, mtime: n.mtime ?? 0 });

const being = (dev: string) => err('EBUSY', `simplefs: ${dev} is being unmounted`, 'mount it again once its umount has finished');

/**
 * Mount `dev`: read its metadata from the disk, or format it when it has no
 * superblock. The root directory's inode, and whether it was formatted.
 */
export function* mountVolume(m: Ctx<any, any>, dev: string, layout: Layout): KGen<{ root: number; formatted: boolean }> {
  const mc = m as M;
  if (mc.state().volumes[dev] !== undefined) throw being(dev);
  const capacity = mc.imports.blk_capacity(dev);
  const sb = decodeSuperblock(yield* layout.read(m, dev, [0]));
  if (!sb) {
    if (mc.state().volumes[dev] !== undefined) throw being(dev);
    return { root: format(mc, dev, layout, capacity), formatted: true };
  }
  if (sb.version !== FORMAT_VERSION) throw err('EINVAL', `simplefs: ${dev} is in on-disk format ${sb.version}; this simplefs reads format ${FORMAT_VERSION}`, 'mount it with the simplefs version that wrote it');
  if (sb.blocks !== capacity) throw err('EIO', `simplefs: the superblock of ${dev} says ${sb.blocks} blocks, but the disk has ${capacity}`);
  const where = extentBlocks(sb.extents);
  if (where.some((b) => b <= 0 || b >= capacity) || sb.bytes > where.length * BS) throw err('EIO', `simplefs: the superblock of ${dev} is damaged (its metadata lies outside the volume)`);
  const bytes = (yield* layout.read(m, dev, where)).subarray(0, sb.bytes);
  if (checksum(bytes) !== sb.checksum) throw err('EIO', `simplefs: the metadata of ${dev} does not match its checksum`, 'the volume cannot be mounted');
  let img: VolumeImage;
  try {
    img = decodeImage(bytes);
  } catch (e) {
    throw err('EIO', `simplefs: the metadata of ${dev} is damaged: ${(e as Error).message}`);
  }
  if (mc.state().volumes[dev] !== undefined) throw being(dev);
  return { root: load(mc, dev, layout, img, capacity), formatted: false };
}

/** A fresh volume on `dev`: the superblock in use, an empty root directory. */
function format(m: M, dev: string, layout: Layout, blocks: number): number {
  const root = m.state().nextIno;
  m.k.work(1000);
  m.records<object>('inodes').put(root, layout.record({ ino: root, type: 'dir', size: 0, nlink: 2, blocks: [] }, dev));
  const freeMap = new Array<number>(Math.ceil(blocks / 32)).fill(0);
  freeMap[0] = 1; // the superblock
  m.commit((s) => {
    (s.volumes as Record<string, unknown>)[dev] = layout.volume({ blocks, freeMap, used: 1, root, mounted: true });
    s.nextIno = root + 1;
    (s.dirs as Record<number, unknown>)[root] = layout.dir([]);
  });
  m.k.printk(`formatted ${dev}: ${blocks} blocks`);
  return root;
}

/**
 * Put a volume read from the disk into the state. Its inodes keep their
 * numbers unless one is taken (by a volume on another device mounted
 * meanwhile): then they are all numbered afresh from `nextIno`.
 */
function load(m: M, dev: string, layout: Layout, img: VolumeImage, blocks: number): number {
  const table = m.records<object>('inodes');
  const clash = img.inodes.some((n) => table.get(n.ino) !== undefined);
  const renumber = new Map(img.inodes.map((n, i) => [n.ino, clash ? m.state().nextIno + i : n.ino]));
  const ino = (n: number): number => {
    const to = renumber.get(n);
    if (to === undefined) throw err('EIO', `simplefs: the metadata of ${dev} names inode ${n}, which it does not hold`);
    return to;
  };
  const root = ino(img.root);
  const dirs = new Map([...img.dirs].map(([d, entries]) => [ino(d), layout.dir(entries.map((e) => ({ name: e.name, ino: ino(e.ino) })))]));
  let used = 0;
  for (let b = 0; b < blocks; b++) if (img.bitmap[b >>> 5]! & (1 << (b & 31))) used++;
  m.k.work(50 * img.inodes.length);
  for (const n of img.inodes) table.put(ino(n.ino), layout.record({ ...n, ino: ino(n.ino) }, dev));
  let next = m.state().nextIno;
  for (const to of renumber.values()) next = Math.max(next, to + 1);
  m.commit((s) => {
    (s.volumes as Record<string, unknown>)[dev] = layout.volume({ blocks, freeMap: img.bitmap, used, root, mounted: true });
    s.nextIno = Math.max(s.nextIno, next);
    for (const [d, dir] of dirs) (s.dirs as Record<number, unknown>)[d] = dir;
  });
  return root;
}

/**
 * Unmount `dev`: write its metadata to the disk, then drop it from the
 * state. ENOSPC (still mounted, nothing lost) when the volume has no free
 * blocks left to hold its metadata; a disk error fails it the same way.
 */
export function* umountVolume(m: Ctx<any, any>, dev: string, layout: Layout): KGen<void> {
  const mc = m as M;
  const vol = mc.state().volumes[dev];
  if (!vol || !vol.mounted) throw err('EINVAL', `simplefs: ${dev} is not mounted`);
  const img = imageOf(mc, dev, layout);
  const { blocks } = layout.bitmapVolume(vol);
  setMounted(mc, dev, false);
  try {
    const bytes = encodeImage(img);
    m.k.work(bytes.length);
    const count = Math.ceil(bytes.length / BS);
    const extents = metadataExtents(img.bitmap, blocks, count);
    if (!extents) throw err('ENOSPC', `simplefs: ${dev} has no room for its metadata (${count} free blocks needed)`, 'remove some files, then umount again');
    const padded = new Uint8Array(count * BS);
    padded.set(bytes);
    yield* layout.write(m, dev, extentBlocks(extents), padded);
    yield* layout.write(m, dev, [0], encodeSuperblock({ blocks, bytes: bytes.length, checksum: checksum(bytes), extents }));
  } catch (e) {
    setMounted(mc, dev, true);
    throw e;
  }
  forgetVolume(m, dev);
}

/** The volume on `dev` as the disk keeps it. */
function imageOf(m: M, dev: string, layout: Layout): VolumeImage {
  const vol = layout.bitmapVolume(m.state().volumes[dev]);
  const inodes: DiskInode[] = [];
  const dirs = new Map<number, readonly DirEntry[]>();
  for (const [, r] of m.records<InodeRecord>('inodes').entries()) {
    if (r.dev !== dev) continue;
    const timed = typeof r.ctime === 'number' && typeof r.mtime === 'number';
    inodes.push({ ino: r.ino, type: r.type, size: r.size, nlink: r.nlink, blocks: r.blocks, ...(timed ? { ctime: r.ctime!, mtime: r.mtime! } : {}) });
    if (r.type === 'dir') dirs.set(r.ino, layout.entries(m.state().dirs[r.ino] ?? layout.dir([])));
  }
  return { root: vol.root, inodes, dirs, bitmap: vol.freeMap };
}

function setMounted(m: M, dev: string, mounted: boolean): void {
  m.commit((s) => {
    const v = s.volumes[dev];
    if (v) v.mounted = mounted;
  });
}

/** Drop the volume on `dev`, its inodes and directories from the state (the disk is not touched). */
export function forgetVolume(m: Ctx<any, any>, dev: string): void {
  const mc = m as M;
  const table = mc.records<InodeRecord>('inodes');
  const gone = [...table.entries()].filter(([, r]) => r.dev === dev).map(([, r]) => r);
  for (const r of gone) table.delete(r.ino);
  mc.commit((s) => {
    delete (s.volumes as Record<string, unknown>)[dev];
    for (const r of gone) if (r.type === 'dir') delete (s.dirs as Record<number, unknown>)[r.ino];
  });
}
