// The filesystem contract: the operations of a filesystem type, as the VFS
// (exec/vfs.ts) calls them and as every filesystem implements them. The
// procedural kernel reaches them through a module's `fs:<type>` ops table
// (kernel/filesystems.ts), which TypeScript checks against this interface
// (`FsModuleOps` in the module API, kernel/module.ts); the object twin
// reaches them through its FileSystem and Inode objects (oo/kernel.ts).
//
// Every operation takes the device name first and may block, so the VFS
// calls each one as a generator. A module may still write an operation that
// never blocks as a plain function: the kernel's ops call takes either.
//
// Operations added after interface version 1 are listed in FS_OP_SINCE: a
// filesystem that implements an older version lacks them, and calling one
// fails with ENOSYS.

import type { Attr, StatFs } from './abi.js';
import type { KGen } from './thread.js';

export interface FsOps {
  /** Mount the volume on `dev` (formatting it on first use); its root directory's inode. */
  mount(dev: string): KGen<number>;
  umount(dev: string): KGen<void>;
  /** The inode of `name` in directory `dir`; ENOENT when there is none. */
  lookup(dev: string, dir: number, name: string): KGen<number>;
  /** Make `name` in directory `dir`; its inode. EEXIST when it exists. */
  create(dev: string, dir: number, name: string, type: 'file' | 'dir'): KGen<number>;
  /** Remove file `name` from `dir` (EISDIR for a directory). */
  unlink(dev: string, dir: number, name: string): KGen<void>;
  /** Remove empty directory `name` from `dir` (ENOTDIR, ENOTEMPTY). */
  rmdir(dev: string, dir: number, name: string): KGen<void>;
  getattr(dev: string, ino: number): KGen<Attr>;
  /** The names in directory `ino`, sorted. */
  readdir(dev: string, ino: number): KGen<string[]>;
  /** At most `len` bytes from `off`; fewer at the end of the file. */
  read(dev: string, ino: number, off: number, len: number): KGen<Uint8Array>;
  /** Write `data` at `off` (a hole before it reads as zeros); the count written. */
  write(dev: string, ino: number, off: number, data: Uint8Array): KGen<number>;
  /** Shrink or grow (with zeros) file `ino` to `size` bytes. */
  truncate(dev: string, ino: number, size: number): KGen<void>;
  /** Since interface version 2. */
  statfs(dev: string): KGen<StatFs>;
}

export type FsOpName = keyof FsOps;

/** Every operation of the contract, at run time (a record, so TypeScript checks that none is left out). */
const ALL: Readonly<Record<FsOpName, true>> = {
  mount: true, umount: true, lookup: true, create: true, unlink: true, rmdir: true,
  getattr: true, readdir: true, read: true, write: true, truncate: true, statfs: true,
};
export const FS_OP_NAMES: readonly FsOpName[] = Object.keys(ALL) as FsOpName[];

const SINCE = { statfs: 2 } as const;

/** The fs interface version each operation first appeared in, when above 1. */
export const FS_OP_SINCE: Readonly<Partial<Record<FsOpName, number>>> = SINCE;

/** The operations of fs interface version 1, which every filesystem implements. */
export type FsOpsV1 = Omit<FsOps, keyof typeof SINCE>;
