// FileSystem 1.0.0: the filesystem object of the object twin, one per
// volume. It owns what is volume-wide (the block count, the free-block
// bitmap, inode numbers), while each file or directory is an Inode object of
// its own, and which object each inode number is lives in an InodeDirectory
// object that the FileSystem names by id: a FileSystem update then transfers
// a few numbers, not a table as large as the number of files. It serves
// simplefs 1.0 through 2.0.

import { err } from '../../../exec/errno.js';
import { defineClass, type ObjEnv } from '../../objclass.js';
import type { ObjId } from '../../ott.js';
import { type FsData, fsFormats } from './formats.js';

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

export default defineClass({ name: 'FileSystem', version: '1.0.0', description: 'volume: free blocks, inode numbers, inode objects', iface: 1, ...fsFormats(FileSystem10) });
