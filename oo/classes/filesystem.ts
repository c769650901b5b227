// The filesystem object of the object twin: one per volume. It owns what is
// volume-wide (the block count, the free-block bitmap, inode numbers), while
// each file or directory is an Inode object of its own, and which object
// each inode number is lives in an InodeDirectory object that the
// FileSystem names by id: a FileSystem update then transfers a few numbers,
// not a table as large as the number of files. Versions follow simplefs's history where it touches the
// volume: 1.0.0 (through simplefs 2.0), 2.1.0 (adds statfs) and 3.0.0 (a
// journal area on every volume, a new disk layout: it can only be made by
// formatting, so it imports no earlier version's state, and a live update to
// it is refused for want of a transfer format).

import { err } from '../../exec/errno.js';
import type { StatFs } from '../../exec/abi.js';
import { SECTOR_SIZE } from '../../hw/disk.js';
import type { ObjClass, ObjEnv } from '../objclass.js';
import type { ObjId } from '../ott.js';

interface FsData {
  readonly dev: string;
  readonly self: ObjId;
  readonly blk: ObjId;
  readonly blocks: number;
  readonly freeMap: readonly number[];
  readonly used: number;
  readonly rootIno: number;
  readonly nextIno: number;
  readonly mounted: boolean;
  /** The InodeDirectory object: which object each inode number is. */
  readonly inodes: ObjId;
}

export class FileSystem10 {
  readonly dev: string;
  self: ObjId;
  readonly blk: ObjId;
  readonly blocks: number;
  readonly freeMap: number[];
  used: number;
  rootIno: number;
  nextIno: number;
  mounted: boolean;
  inodes: ObjId;

  constructor(
    protected readonly env: ObjEnv,
    d: FsData,
  ) {
    this.dev = d.dev;
    this.self = d.self;
    this.blk = d.blk;
    this.blocks = d.blocks;
    this.freeMap = [...d.freeMap];
    this.used = d.used;
    this.rootIno = d.rootIno;
    this.nextIno = d.nextIno;
    this.mounted = d.mounted;
    this.inodes = d.inodes;
  }

  export(): FsData {
    const { dev, self, blk, blocks, used, rootIno, nextIno, mounted } = this;
    return { dev, self, blk, blocks, freeMap: [...this.freeMap], used, rootIno, nextIno, mounted, inodes: this.inodes };
  }

  /** Format the volume on first use: block 0 is the superblock; the root directory is inode 1. */
  format(self: ObjId): number {
    this.self = self;
    this.env.work(1000);
    this.freeMap[0] = 1;
    this.used = 1;
    this.rootIno = this.allocIno();
    this.inodes = this.env.create('InodeDirectory', 'new', {});
    this.addInode(this.rootIno, this.env.create('Inode', 'new', { ino: this.rootIno, type: 'dir', fs: self, blk: this.blk, now: this.env.now() }));
    this.mounted = true;
    this.env.printk(`formatted ${this.dev}: ${this.blocks} blocks`);
    return this.rootIno;
  }

  mount(): number {
    this.mounted = true;
    return this.rootIno;
  }

  umount(): void {
    this.checkMounted();
    this.mounted = false;
  }

  /** The object of inode `ino`; ENOENT when there is none. */
  inode(ino: number): ObjId {
    const id = this.env.callPlain(this.inodes, 'get', ino) as ObjId | undefined;
    if (id === undefined) throw err('ENOENT', `fs: no inode ${ino} on ${this.dev}`);
    return id;
  }

  allocIno(): number {
    return this.nextIno++;
  }

  /** Record that inode `ino` is object `id`. */
  addInode(ino: number, id: ObjId): void {
    this.env.callPlain(this.inodes, 'set', ino, id);
  }

  dropInode(ino: number): void {
    this.env.callPlain(this.inodes, 'delete', ino);
  }

  allocBlocks(n: number): number[] {
    this.checkMounted();
    if (this.blocks - this.used < n) throw err('ENOSPC', `fs: ${this.dev} has ${this.blocks - this.used} free blocks, ${n} needed`);
    const got: number[] = [];
    for (let w = 0; w < this.freeMap.length && got.length < n; w++) {
      const word = this.freeMap[w]!;
      if (word === -1) continue;
      for (let b = 0; b < 32 && got.length < n; b++) {
        const blk = w * 32 + b;
        if (blk < this.blocks && !(word & (1 << b))) got.push(blk);
      }
    }
    for (const blk of got) this.freeMap[blk >>> 5] = this.freeMap[blk >>> 5]! | (1 << (blk & 31));
    this.used += got.length;
    return got;
  }

  freeBlocks(blocks: readonly number[]): void {
    for (const blk of blocks) this.freeMap[blk >>> 5] = this.freeMap[blk >>> 5]! & ~(1 << (blk & 31));
    this.used -= blocks.length;
  }

  protected checkMounted(): void {
    if (!this.mounted) throw err('EINVAL', `fs: ${this.dev} is not mounted`);
  }
}

/** 2.1.0: statfs (the VFS's statfs needs it; 1.0.0 answers ENOSYS). */
export class FileSystem21 extends FileSystem10 {
  statfs(): StatFs {
    return { blockSize: SECTOR_SIZE, blocks: this.blocks, free: this.blocks - this.used, files: this.env.callPlain(this.inodes, 'size') as number };
  }
}

/** 3.0.0: a journal area of 64 blocks after the superblock, set up when the volume is formatted. */
export class FileSystem30 extends FileSystem21 {
  override format(self: ObjId): number {
    const root = super.format(self);
    for (let b = 1; b <= 64; b++) this.freeMap[b >>> 5] = this.freeMap[b >>> 5]! | (1 << (b & 31));
    this.used += 64;
    return root;
  }
}

/** Inode number -> Inode object, for one volume. One version: it is never updated. */
export class InodeDirectory {
  private readonly map: Map<number, ObjId>;

  constructor(entries: readonly (readonly [number, ObjId])[]) {
    this.map = new Map(entries);
  }

  get(ino: number): ObjId | undefined {
    return this.map.get(ino);
  }

  set(ino: number, id: ObjId): void {
    this.map.set(ino, id);
  }

  delete(ino: number): void {
    this.map.delete(ino);
  }

  size(): number {
    return this.map.size;
  }

  export(): [number, ObjId][] {
    return [...this.map];
  }
}

export const INODE_DIRECTORY: readonly ObjClass[] = [
  {
    name: 'InodeDirectory',
    version: '1.0.0',
    description: 'inode number -> inode object, per volume',
    iface: 1,
    exportAs: { 'dir-v1': (o: InodeDirectory) => o.export() },
    importFrom: { 'dir-v1': (d: unknown) => new InodeDirectory(d as [number, ObjId][]), new: () => new InodeDirectory([]) },
  },
] as readonly ObjClass[];

const fresh = (d: unknown): FsData => {
  const { dev, blk, blocks } = d as { dev: string; blk: ObjId; blocks: number };
  return { dev, self: 0, blk, blocks, freeMap: new Array<number>(Math.ceil(blocks / 32)).fill(0), used: 0, rootIno: 0, nextIno: 1, mounted: false, inodes: 0 };
};

const fsFormats = <O extends FileSystem10>(make: new (env: ObjEnv, d: FsData) => O) => ({
  exportAs: { 'fs-v1': (o: O) => o.export() },
  importFrom: { 'fs-v1': (d: unknown, env: ObjEnv) => new make(env, d as FsData), new: (d: unknown, env: ObjEnv) => new make(env, fresh(d)) },
});

export const FILESYSTEM: readonly ObjClass[] = [
  { name: 'FileSystem', version: '1.0.0', description: 'volume: free blocks, inode numbers, inode objects', iface: 1, ...fsFormats(FileSystem10) },
  { name: 'FileSystem', version: '2.1.0', description: 'volume with statfs', iface: 1, ...fsFormats(FileSystem21) },
  {
    name: 'FileSystem',
    version: '3.0.0',
    description: 'volume with a journal area (a new disk layout)',
    iface: 1,
    exportAs: { 'fs-v3': (o: FileSystem30) => o.export() },
    importFrom: { 'fs-v3': (d: unknown, env: ObjEnv) => new FileSystem30(env, d as FsData), new: (d: unknown, env: ObjEnv) => new FileSystem30(env, fresh(d)) },
  },
] as readonly ObjClass[];
