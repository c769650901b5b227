// What every version of the FileSystem class shares: the volume's transfer
// data and how a new volume object is made. 1.0.0 and 2.1.0 transfer it as
// `fs-v1`; 3.0.0, a new disk layout, only as `fs-v3`.

import type { ObjEnv } from '../../objclass.js';
import type { ObjId } from '../../ott.js';

export interface FsData {
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

/** The data of a volume object just made (format `new`): not yet formatted or mounted. */
export const fresh = (d: unknown): FsData => {
  const { dev, blk, blocks } = d as { dev: string; blk: ObjId; blocks: number };
  return { dev, self: 0, blk, blocks, freeMap: new Array<number>(Math.ceil(blocks / 32)).fill(0), used: 0, rootIno: 0, nextIno: 1, mounted: false, inodes: 0 };
};

/** The `fs-v1` formats of a version whose objects are `make`'s. */
export const fsFormats = <O extends { export(): FsData }>(make: new (env: ObjEnv, d: FsData) => O) => ({
  exportAs: { 'fs-v1': (o: O) => o.export() },
  importFrom: { 'fs-v1': (d: unknown, env: ObjEnv) => new make(env, d as FsData), new: (d: unknown, env: ObjEnv) => new make(env, fresh(d)) },
});
