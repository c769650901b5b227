// The inode object of the object twin: one per file or directory, holding its
// size, its blocks and (for a directory) its entries, in the versions of
// simplefs's history:
//   1.0.0  directory entries as a sorted list scanned from the front;
//   1.1.0  bug fix, code only: a failed write gives back the blocks it added;
//   1.2.0  directory entries as a hash map (a change of the object's state:
//          the transfer rebuilds the map from the exported list);
//   2.0.0  reads and writes runs of blocks through block-device interface 2;
//   2.1.0  inode times (transfer format inode-v2), lazily swapped by default.
// A version that brings a new transfer format still exports the old one, so
// a revert has a format in common with the version it goes back to.

import { err } from '../../exec/errno.js';
import type { Attr } from '../../exec/abi.js';
import type { KGen } from '../../exec/thread.js';
import { SECTOR_SIZE, sectorRuns } from '../../hw/disk.js';
import type { ObjClass, ObjEnv } from '../objclass.js';
import type { ObjId } from '../ott.js';

const BS = SECTOR_SIZE;
const HASH_LOOKUP_CYCLES = 20;

type Kind = 'file' | 'dir';

/** inode-v1; inode-v2 adds the times. */
interface InodeData {
  readonly ino: number;
  readonly type: Kind;
  readonly size: number;
  readonly nlink: number;
  readonly blocks: readonly number[];
  readonly entries: readonly (readonly [string, number])[];
  readonly fs: ObjId;
  readonly blk: ObjId;
  readonly ctime?: number;
  readonly mtime?: number;
}

/** What a new inode is made from (format `new`). */
interface NewInode {
  readonly ino: number;
  readonly type: Kind;
  readonly fs: ObjId;
  readonly blk: ObjId;
  readonly now: number;
}

export class Inode10 {
  /** The block-device interface this version calls. */
  protected readonly blkIface: number = 1;
  readonly ino: number;
  readonly type: Kind;
  size: number;
  nlink: number;
  blocks: number[];
  protected entries: [string, number][];
  readonly fs: ObjId;
  readonly blk: ObjId;
  /** Set when the inode is removed: a call still in flight on it fails with ENOENT after it wakes. */
  protected dead = false;

  constructor(
    protected readonly env: ObjEnv,
    d: InodeData,
  ) {
    this.ino = d.ino;
    this.type = d.type;
    this.size = d.size;
    this.nlink = d.nlink;
    this.blocks = [...d.blocks];
    this.entries = d.entries.map(([n, i]) => [n, i]);
    this.fs = d.fs;
    this.blk = d.blk;
  }

  /** inode-v1. */
  export(): InodeData {
    return { ino: this.ino, type: this.type, size: this.size, nlink: this.nlink, blocks: [...this.blocks], entries: this.entryList(), fs: this.fs, blk: this.blk };
  }

  // ---- directory operations ----------------------------------------------

  lookup(name: string): number {
    const ino = this.find(name);
    if (ino === undefined) throw err('ENOENT', `${name} does not exist`);
    return ino;
  }

  create(name: string, type: Kind): number {
    if (this.find(name) !== undefined) throw err('EEXIST', `${name} exists`);
    const ino = this.env.callPlain(this.fs, 'allocIno') as number;
    const id = this.env.create('Inode', 'new', { ino, type, fs: this.fs, blk: this.blk, now: this.env.now() } satisfies NewInode);
    this.env.callPlain(this.fs, 'addInode', ino, id);
    if (type === 'dir') this.nlink++;
    this.addEntry(name, ino);
    return ino;
  }

  unlink(name: string): void {
    this.remove(name, 'file');
  }

  rmdir(name: string): void {
    this.remove(name, 'dir');
  }

  readdir(): string[] {
    this.checkDir();
    return this.entryList().map(([n]) => n);
  }

  /** How many entries a directory has (its parent asks before rmdir). */
  entryCount(): number {
    return this.entryList().length;
  }

  // ---- file operations ----------------------------------------------------

  getattr(): Attr {
    this.checkAlive();
    return { ino: this.ino, type: this.type, size: this.size, nlink: this.nlink };
  }

  *read(off: number, len: number): KGen<Uint8Array> {
    this.checkFile();
    const end = Math.min(this.size, off + len);
    if (off >= end) return new Uint8Array(0);
    const out = new Uint8Array(end - off);
    for (let bi = Math.floor(off / BS); bi * BS < end; bi++) {
      this.checkAlive(); // we may have slept
      const blk = this.blocks[bi];
      if (blk === undefined) return out.subarray(0, Math.max(0, bi * BS - off)); // truncated under us
      const data = yield* this.readBlock(blk);
      const from = Math.max(off, bi * BS);
      const to = Math.min(end, (bi + 1) * BS);
      out.set(data.subarray(from - bi * BS, to - bi * BS), from - off);
    }
    return out;
  }

  *write(offset: number, bytes: Uint8Array): KGen<number> {
    const w = this.startWrite(offset, bytes);
    if (!w) return 0;
    const { off, data, end } = w;
    const need = Math.ceil(end / BS);
    const fresh = new Set<number>();
    if (need > this.blocks.length) {
      const got = this.env.callPlain(this.fs, 'allocBlocks', need - this.blocks.length) as number[];
      for (const b of got) fresh.add(b);
      this.blocks.push(...got);
    }
    for (let bi = Math.floor(off / BS); bi < need; bi++) {
      this.checkAlive();
      const blk = this.blocks[bi];
      if (blk === undefined) throw err('EIO', `inode ${this.ino} lost block ${bi} during a write`);
      const from = Math.max(off, bi * BS) - bi * BS;
      const to = Math.min(end, (bi + 1) * BS) - bi * BS;
      let buf: Uint8Array;
      if (from === 0 && to === BS) buf = data.slice(bi * BS - off, bi * BS - off + BS);
      else {
        buf = fresh.has(blk) ? new Uint8Array(BS) : yield* this.readBlock(blk);
        buf.set(data.subarray(bi * BS + from - off, bi * BS + to - off), from);
      }
      yield* this.env.callAs(this.blkIface, this.blk, 'submit', 'write', blk, buf);
    }
    this.size = Math.max(this.size, end);
    return bytes.length;
  }

  *truncate(size: number): KGen<void> {
    this.checkFile();
    if (!Number.isInteger(size) || size < 0) throw err('EINVAL', `bad size ${size}`);
    if (size > this.size) {
      yield* this.write(this.size, new Uint8Array(size - this.size));
      return;
    }
    const keep = Math.ceil(size / BS);
    this.env.callPlain(this.fs, 'freeBlocks', this.blocks.slice(keep));
    this.blocks.length = keep;
    this.size = size;
  }

  /** Mark the inode removed and hand back its blocks (its parent frees them). */
  release(): number[] {
    this.dead = true;
    return this.blocks;
  }

  // ---- helpers --------------------------------------------------------------

  /** What a write really does, or null when it writes nothing: a write past the end writes the hole's zeros too. */
  protected startWrite(offset: number, bytes: Uint8Array): { off: number; data: Uint8Array; end: number } | null {
    this.checkFile();
    if (bytes.length === 0) return null;
    if (offset <= this.size) return { off: offset, data: bytes, end: offset + bytes.length };
    const data = new Uint8Array(offset - this.size + bytes.length);
    data.set(bytes, offset - this.size);
    return { off: this.size, data, end: this.size + data.length };
  }

  protected *readBlock(blk: number): KGen<Uint8Array> {
    const buf = new Uint8Array(BS);
    yield* this.env.callAs(this.blkIface, this.blk, 'submit', 'read', blk, buf);
    return buf;
  }

  /** A directory entry by name: a linear scan of the sorted list. */
  protected find(name: string): number | undefined {
    this.checkDir();
    this.env.work(20 * this.entries.length);
    return this.entries.find(([n]) => n === name)?.[1];
  }

  protected addEntry(name: string, ino: number): void {
    const at = this.entries.findIndex(([n]) => n > name);
    if (at < 0) this.entries.push([name, ino]);
    else this.entries.splice(at, 0, [name, ino]);
  }

  protected dropEntry(name: string): void {
    this.entries = this.entries.filter(([n]) => n !== name);
  }

  /** The entries sorted by name. */
  protected entryList(): [string, number][] {
    return this.entries;
  }

  private remove(name: string, want: Kind): void {
    const ino = this.find(name);
    if (ino === undefined) throw err('ENOENT', `${name} does not exist`);
    const id = this.env.callPlain(this.fs, 'inode', ino) as ObjId;
    const child = this.env.callPlain(id, 'getattr') as Attr;
    if (want === 'file' && child.type === 'dir') throw err('EISDIR', `${name} is a directory`, 'use rmdir');
    if (want === 'dir' && child.type !== 'dir') throw err('ENOTDIR', `${name} is not a directory`);
    if (want === 'dir' && (this.env.callPlain(id, 'entryCount') as number) > 0) throw err('ENOTEMPTY', `${name} is not empty`);
    this.env.callPlain(this.fs, 'freeBlocks', this.env.callPlain(id, 'release'));
    this.env.callPlain(this.fs, 'dropInode', ino);
    this.env.destroy(id);
    if (want === 'dir') this.nlink--;
    this.dropEntry(name);
  }

  protected checkAlive(): void {
    if (this.dead) throw err('ENOENT', `inode ${this.ino} was removed`);
  }

  protected checkDir(): void {
    this.checkAlive();
    if (this.type !== 'dir') throw err('ENOTDIR', `inode ${this.ino} is not a directory`);
  }

  protected checkFile(): void {
    this.checkAlive();
    if (this.type === 'dir') throw err('EISDIR', `inode ${this.ino} is a directory`);
  }
}

/** 1.1.0: the fix. After a failed write, give back the blocks it added past the end of the file. */
export class Inode11 extends Inode10 {
  override *write(offset: number, bytes: Uint8Array): KGen<number> {
    const had = this.blocks.length;
    try {
      return yield* super.write(offset, bytes);
    } catch (e) {
      this.releaseUnwritten(had);
      throw e;
    }
  }

  protected releaseUnwritten(had: number): void {
    const keep = Math.max(had, Math.ceil(this.size / BS));
    if (!this.dead && this.blocks.length > keep) {
      this.env.callPlain(this.fs, 'freeBlocks', this.blocks.slice(keep));
      this.blocks.length = keep;
    }
  }
}

/** 1.2.0: directory entries in a hash map; lookup costs the same in any directory. */
export class Inode12 extends Inode11 {
  private map: Map<string, number>;

  constructor(env: ObjEnv, d: InodeData) {
    super(env, d);
    this.map = new Map(d.entries);
    this.entries = [];
  }

  protected override find(name: string): number | undefined {
    this.checkDir();
    this.env.work(HASH_LOOKUP_CYCLES);
    return this.map.get(name);
  }

  protected override addEntry(name: string, ino: number): void {
    this.map.set(name, ino);
  }

  protected override dropEntry(name: string): void {
    this.map.delete(name);
  }

  protected override entryList(): [string, number][] {
    return [...this.map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** 2.0.0: one request per run of consecutive blocks, through block-device interface 2. */
export class Inode20 extends Inode12 {
  protected override readonly blkIface: number = 2;

  override *read(off: number, len: number): KGen<Uint8Array> {
    this.checkFile();
    const end = Math.min(this.size, off + len);
    if (off >= end) return new Uint8Array(0);
    const first = Math.floor(off / BS);
    const data = yield* this.readBlocks(this.blocks.slice(first, Math.ceil(end / BS)));
    return data.slice(off - first * BS, end - first * BS);
  }

  override *write(offset: number, bytes: Uint8Array): KGen<number> {
    const w = this.startWrite(offset, bytes);
    if (!w) return 0;
    const { off, data, end } = w;
    const had = this.blocks.length;
    const need = Math.ceil(end / BS);
    if (need > had) this.blocks.push(...(this.env.callPlain(this.fs, 'allocBlocks', need - had) as number[]));
    try {
      const first = Math.floor(off / BS);
      const blocks = this.blocks.slice(first, need);
      const buf = new Uint8Array(blocks.length * BS);
      // Partial blocks at either edge that hold data already: read them first.
      const edges = new Set<number>();
      if (off % BS !== 0 && first < had) edges.add(0);
      if (end % BS !== 0 && need - 1 < had) edges.add(blocks.length - 1);
      for (const i of edges) buf.set(yield* this.readBlocks([blocks[i]!]), i * BS);
      buf.set(data, off - first * BS);
      for (const r of sectorRuns(blocks)) yield* this.env.callAs(this.blkIface, this.blk, 'submit', 'write', r.start, r.count, buf.subarray(r.at * BS, (r.at + r.count) * BS));
    } catch (e) {
      this.releaseUnwritten(had);
      throw e;
    }
    this.size = Math.max(this.size, end);
    return bytes.length;
  }

  protected override *readBlock(blk: number): KGen<Uint8Array> {
    return yield* this.readBlocks([blk]);
  }

  private *readBlocks(blocks: readonly number[]): KGen<Uint8Array> {
    const out = new Uint8Array(blocks.length * BS);
    for (const r of sectorRuns(blocks)) {
      const buf = new Uint8Array(r.count * BS);
      yield* this.env.callAs(this.blkIface, this.blk, 'submit', 'read', r.start, r.count, buf);
      out.set(buf, r.at * BS);
    }
    return out;
  }
}

/** 2.1.0: inode times (cycles of creation and of the last change of the data); inodes from before have 0. */
export class Inode21 extends Inode20 {
  readonly ctime: number;
  mtime: number;

  constructor(env: ObjEnv, d: InodeData) {
    super(env, d);
    this.ctime = d.ctime ?? 0;
    this.mtime = d.mtime ?? 0;
  }

  override export(): InodeData {
    return { ...super.export(), ctime: this.ctime, mtime: this.mtime };
  }

  override getattr(): Attr {
    return { ...super.getattr(), mtime: this.mtime };
  }

  override *write(offset: number, bytes: Uint8Array): KGen<number> {
    const n = yield* super.write(offset, bytes);
    this.mtime = this.env.now();
    return n;
  }

  override *truncate(size: number): KGen<void> {
    yield* super.truncate(size);
    this.mtime = this.env.now();
  }
}

const fresh = (d: unknown): InodeData => {
  const n = d as NewInode;
  return { ino: n.ino, type: n.type, size: 0, nlink: n.type === 'dir' ? 2 : 1, blocks: [], entries: [], fs: n.fs, blk: n.blk, ctime: n.now, mtime: n.now };
};

const blk1 = { BlockDevice: 1 };
const blk2 = { BlockDevice: 2 };
type Make = new (env: ObjEnv, d: InodeData) => Inode10;
const v1 = { 'inode-v1': (o: Inode10) => {
  const { ctime: _c, mtime: _m, ...d } = o.export();
  return d;
} };
const v2 = { 'inode-v2': (o: Inode10) => o.export() };
const imports = (make: Make, ...formats: string[]) =>
  Object.fromEntries([...formats.map((f) => [f, (d: unknown, env: ObjEnv) => new make(env, d as InodeData)]), ['new', (d: unknown, env: ObjEnv) => new make(env, fresh(d))]]);

export const INODE: readonly ObjClass[] = [
  { name: 'Inode', version: '1.0.0', description: 'file or directory; directory entries in a sorted list', iface: 1, uses: blk1, exportAs: v1, importFrom: imports(Inode10, 'inode-v1') },
  { name: 'Inode', version: '1.1.0', description: 'with the fix for blocks kept by a failed write', iface: 1, uses: blk1, exportAs: v1, importFrom: imports(Inode11, 'inode-v1') },
  { name: 'Inode', version: '1.2.0', description: 'directory entries in a hash map', iface: 1, uses: blk1, exportAs: v1, importFrom: imports(Inode12, 'inode-v1') },
  { name: 'Inode', version: '2.0.0', description: 'runs of blocks through block-device interface 2', iface: 1, uses: blk2, exportAs: v1, importFrom: imports(Inode20, 'inode-v1') },
  { name: 'Inode', version: '2.1.0', description: 'with inode times', iface: 1, uses: blk2, lazy: true, exportAs: { ...v2, ...v1 }, importFrom: imports(Inode21, 'inode-v2', 'inode-v1') },
] as readonly ObjClass[];
