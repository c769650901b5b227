// simplefs's on-disk format: the bytes a volume's metadata becomes on the
// disk at umount and is read back from at mount. It is independent of how
// any version keeps the volume in its module state (sorted lists or maps
// for directories, a bitmap or extents for free space): every version
// converts its own layout to and from the `VolumeImage` below, so any
// version can mount what another wrote. Pure functions only, no I/O.
//
// Layout (all numbers little-endian u32 unless said otherwise):
//
//   block 0, the superblock:
//     magic 'LMSF', format version (u16), reserved (u16), volume blocks,
//     metadata length in bytes, FNV-1a checksum of the metadata, number of
//     metadata extents, then that many (start, length) pairs: the blocks
//     that hold the metadata, in order
//   the metadata (in blocks that are free in its own bitmap: after a mount
//   has read it, they are ordinary free space again):
//     root inode, inode count, per inode: number, type (u8: 0 file, 1 dir),
//     flags (u8: 1 = has times), nlink, size (f64), ctime and mtime (f64
//     each, 0 without times), block count, the blocks;
//     directory count, per directory: its inode, entry count, per entry:
//     name length in UTF-16 code units, the code units (u16), the inode;
//     the bitmap: word count, the words (one bit a block, 1 = in use).
//
// A new format version gets a new number; a reader refuses a number it does
// not know (EINVAL at mount) rather than guess.

export const FORMAT_VERSION = 1;
const MAGIC = 0x46534d4c; // 'LMSF' read as a little-endian u32
const SECTOR = 512;
const HEADER = 24;
/** Most extents the superblock can list. */
export const MAX_META_EXTENTS = (SECTOR - HEADER) / 8;

export interface DiskInode {
  readonly ino: number;
  readonly type: 'file' | 'dir';
  readonly size: number;
  readonly nlink: number;
  readonly blocks: readonly number[];
  /** Creation and last data change, in cycles; absent for volumes last written by a version without times. */
  readonly ctime?: number;
  readonly mtime?: number;
}

export interface DirEntry {
  readonly name: string;
  readonly ino: number;
}

/** A volume's metadata, as the disk holds it. */
export interface VolumeImage {
  readonly root: number;
  readonly inodes: readonly DiskInode[];
  /** Each directory's entries, sorted by name, by directory inode. */
  readonly dirs: ReadonlyMap<number, readonly DirEntry[]>;
  /** One bit per block, 32 per word; 1 = in use (the superblock and any reserved area included, the metadata's own blocks not). */
  readonly bitmap: readonly number[];
}

export interface Extent {
  readonly start: number;
  readonly length: number;
}

export interface Superblock {
  readonly version: number;
  readonly blocks: number;
  readonly bytes: number;
  readonly checksum: number;
  readonly extents: readonly Extent[];
}

/** FNV-1a, 32 bits: enough to tell metadata from whatever data overwrote it. */
export function checksum(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193) >>> 0;
  return h;
}

// ---- the superblock -----------------------------------------------------------

export function encodeSuperblock(sb: Omit<Superblock, 'version'>): Uint8Array {
  if (sb.extents.length > MAX_META_EXTENTS) throw new RangeError(`simplefs: ${sb.extents.length} metadata extents, at most ${MAX_META_EXTENTS} fit`);
  const buf = new Uint8Array(SECTOR);
  const v = new DataView(buf.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint16(4, FORMAT_VERSION, true);
  v.setUint32(8, sb.blocks, true);
  v.setUint32(12, sb.bytes, true);
  v.setUint32(16, sb.checksum, true);
  v.setUint32(20, sb.extents.length, true);
  sb.extents.forEach((e, i) => {
    v.setUint32(HEADER + 8 * i, e.start, true);
    v.setUint32(HEADER + 8 * i + 4, e.length, true);
  });
  return buf;
}

/** The superblock in `buf` (block 0), or null when there is none (a disk never unmounted by simplefs). */
export function decodeSuperblock(buf: Uint8Array): Superblock | null {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < SECTOR || v.getUint32(0, true) !== MAGIC) return null;
  const count = Math.min(v.getUint32(20, true), MAX_META_EXTENTS);
  const extents = Array.from({ length: count }, (_, i) => ({ start: v.getUint32(HEADER + 8 * i, true), length: v.getUint32(HEADER + 8 * i + 4, true) }));
  return { version: v.getUint16(4, true), blocks: v.getUint32(8, true), bytes: v.getUint32(12, true), checksum: v.getUint32(16, true), extents };
}

// ---- the metadata -------------------------------------------------------------

/** A growing little-endian byte buffer. */
class Writer {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(x: number): void {
    this.room(1);
    this.view.setUint8(this.at++, x);
  }
  u16(x: number): void {
    this.room(2);
    this.view.setUint16(this.at, x, true);
    this.at += 2;
  }
  u32(x: number): void {
    this.room(4);
    this.view.setUint32(this.at, x >>> 0, true);
    this.at += 4;
  }
  f64(x: number): void {
    this.room(8);
    this.view.setFloat64(this.at, x, true);
    this.at += 8;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

/** Reads what Writer wrote; a read past the end throws (the metadata is cut short). */
class Reader {
  private readonly view: DataView;
  private at = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private take(n: number): number {
    if (this.at + n > this.buf.length) throw new RangeError(`metadata cut short at byte ${this.at}`);
    const at = this.at;
    this.at += n;
    return at;
  }
  u8 = () => this.view.getUint8(this.take(1));
  u16 = () => this.view.getUint16(this.take(2), true);
  u32 = () => this.view.getUint32(this.take(4), true);
  f64 = () => this.view.getFloat64(this.take(8), true);
  /** A count of items each at least `min` bytes long, refused when the rest could not hold them. */
  count(min: number): number {
    const n = this.u32();
    if (n * min > this.buf.length - this.at) throw new RangeError(`a count of ${n} at byte ${this.at - 4} is more than the metadata holds`);
    return n;
  }
}

export function encodeImage(img: VolumeImage): Uint8Array {
  const w = new Writer();
  w.u32(img.root);
  w.u32(img.inodes.length);
  for (const n of img.inodes) {
    w.u32(n.ino);
    w.u8(n.type === 'dir' ? 1 : 0);
    const timed = n.ctime !== undefined && n.mtime !== undefined;
    w.u8(timed ? 1 : 0);
    w.u32(n.nlink);
    w.f64(n.size);
    w.f64(timed ? n.ctime! : 0);
    w.f64(timed ? n.mtime! : 0);
    w.u32(n.blocks.length);
    for (const b of n.blocks) w.u32(b);
  }
  w.u32(img.dirs.size);
  for (const [ino, entries] of img.dirs) {
    w.u32(ino);
    w.u32(entries.length);
    for (const e of entries) {
      w.u32(e.name.length);
      for (let i = 0; i < e.name.length; i++) w.u16(e.name.charCodeAt(i));
      w.u32(e.ino);
    }
  }
  w.u32(img.bitmap.length);
  for (const word of img.bitmap) w.u32(word);
  return w.bytes();
}

/** The image encoded in `bytes`; throws RangeError when they are not one. */
export function decodeImage(bytes: Uint8Array): VolumeImage {
  const r = new Reader(bytes);
  const root = r.u32();
  const inodes: DiskInode[] = [];
  for (let i = 0, n = r.count(38); i < n; i++) {
    const ino = r.u32();
    const type = r.u8() === 1 ? 'dir' : 'file';
    const timed = r.u8() === 1;
    const nlink = r.u32();
    const size = r.f64();
    const ctime = r.f64();
    const mtime = r.f64();
    const blocks = Array.from({ length: r.count(4) }, () => r.u32());
    inodes.push({ ino, type, size, nlink, blocks, ...(timed ? { ctime, mtime } : {}) });
  }
  const dirs = new Map<number, DirEntry[]>();
  for (let d = 0, n = r.count(8); d < n; d++) {
    const ino = r.u32();
    const entries: DirEntry[] = [];
    for (let i = 0, m = r.count(8); i < m; i++) {
      let name = '';
      for (let u = 0, len = r.count(2); u < len; u++) name += String.fromCharCode(r.u16());
      entries.push({ name, ino: r.u32() });
    }
    dirs.set(ino, entries);
  }
  const bitmap = Array.from({ length: r.count(4) }, () => r.u32() | 0);
  return { root, inodes, dirs, bitmap };
}

/**
 * Where `n` blocks of metadata go: the last `n` blocks free in `bitmap`,
 * in ascending order, as extents (free space at the end of a volume is the
 * least fragmented, and a first-fit allocator reaches it last). Null when
 * there are fewer free blocks, or they would take more extents than the
 * superblock can list.
 */
export function metadataExtents(bitmap: readonly number[], blocks: number, n: number): Extent[] | null {
  const chosen: number[] = [];
  for (let b = blocks - 1; b > 0 && chosen.length < n; b--) if (!(bitmap[b >>> 5]! & (1 << (b & 31)))) chosen.push(b);
  if (chosen.length < n) return null;
  const out: Extent[] = [];
  for (const b of chosen.reverse()) {
    const last = out[out.length - 1];
    if (last && last.start + last.length === b) out[out.length - 1] = { start: last.start, length: last.length + 1 };
    else out.push({ start: b, length: 1 });
  }
  return out.length <= MAX_META_EXTENTS ? out : null;
}

/** The blocks of `extents`, in order. */
export const extentBlocks = (extents: readonly Extent[]): number[] => extents.flatMap((e) => Array.from({ length: e.length }, (_, i) => e.start + i));
