// Inode 1.0.0: the inode object of the object twin, one per file or
// directory, holding its size, its blocks and (for a directory) its entries
// as a list sorted by name and scanned from the front. It calls the block
// device through interface 1, one sector per request.

import { err } from '../../../exec/errno.js';
import type { Attr } from '../../../exec/abi.js';
import type { KGen } from '../../../exec/thread.js';
import { SECTOR_SIZE } from '../../../hw/disk.js';
import { defineClass, type ObjEnv } from '../../objclass.js';
import type { ObjId } from '../../ott.js';
import { imports, type InodeData, type Kind, type NewInode, v1 } from './formats.js';

export const BS = SECTOR_SIZE;

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

export default defineClass({ name: 'Inode', version: '1.0.0', description: 'file or directory; directory entries in a sorted list', iface: 1, uses: { BlockDevice: 1 }, exportAs: v1, importFrom: imports(Inode10, 'inode-v1') });
