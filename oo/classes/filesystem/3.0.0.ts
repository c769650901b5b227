// FileSystem 3.0.0: a new disk layout, a journal area on every volume. It
// can only be made by formatting, so it imports no earlier version's state
// (its only transfer format is fs-v3), and a live update to it is refused for
// want of a transfer format.

import { defineClass, type ObjEnv } from '../../objclass.js';
import type { ObjId } from '../../ott.js';
import { FileSystem21 } from './2.1.0.js';
import { type FsData, fresh } from './formats.js';

/** 3.0.0: a journal area of 64 blocks after the superblock, set up when the volume is formatted. */
export class FileSystem30 extends FileSystem21 {
  override format(self: ObjId): number {
    const root = super.format(self);
    for (let b = 1; b <= 64; b++) this.freeMap[b >>> 5] = this.freeMap[b >>> 5]! | (1 << (b & 31));
    this.used += 64;
    return root;
  }
}

export default defineClass({
  name: 'FileSystem',
  version: '3.0.0',
  description: 'volume with a journal area (a new disk layout)',
  iface: 1,
  exportAs: { 'fs-v3': (o: FileSystem30) => o.export() },
  importFrom: { 'fs-v3': (d: unknown, env: ObjEnv) => new FileSystem30(env, d as FsData), new: (d: unknown, env: ObjEnv) => new FileSystem30(env, fresh(d)) },
});
