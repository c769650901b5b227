// What every version of the Inode class shares: the transfer formats and how
// a new inode is made. `inode-v1` is the inode without times; `inode-v2`
// (2.1.0) adds them. A version that brings a new transfer format still
// exports the old one, so a revert has a format in common with the version
// it goes back to.

import type { ObjEnv } from '../../objclass.js';
import type { ObjId } from '../../ott.js';

export type Kind = 'file' | 'dir';

/** inode-v1; inode-v2 adds the times. */
export interface InodeData {
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
export interface NewInode {
  readonly ino: number;
  readonly type: Kind;
  readonly fs: ObjId;
  readonly blk: ObjId;
  readonly now: number;
}

/** An inode object of any version: what the export side of a format needs. */
interface Exporting {
  export(): InodeData;
}

const fresh = (d: unknown): InodeData => {
  const n = d as NewInode;
  return { ino: n.ino, type: n.type, size: 0, nlink: n.type === 'dir' ? 2 : 1, blocks: [], entries: [], fs: n.fs, blk: n.blk, ctime: n.now, mtime: n.now };
};

/** Export as inode-v1: the inode without its times. */
export const v1 = { 'inode-v1': (o: Exporting) => {
  const { ctime: _c, mtime: _m, ...d } = o.export();
  return d;
} };

/** Import from each of `formats` and make new inodes, as objects of class `make`. */
export const imports = <O extends object>(make: new (env: ObjEnv, d: InodeData) => O, ...formats: string[]) =>
  Object.fromEntries([...formats.map((f) => [f, (d: unknown, env: ObjEnv) => new make(env, d as InodeData)]), ['new', (d: unknown, env: ObjEnv) => new make(env, fresh(d))]]) as Record<string, (d: unknown, env: ObjEnv) => O>;
