// Inode 2.1.0: a change of every instance's state. Inodes gain times (cycles
// of creation and of the last change of the data), in a new transfer format,
// inode-v2; inodes from before get 0. It still exports inode-v1, so a revert
// to 2.0 has a format in common with it. Swapped lazily by default: each
// inode on its next call.

import type { Attr } from '../../../exec/abi.js';
import type { KGen } from '../../../exec/thread.js';
import { defineClass, type ObjEnv } from '../../objclass.js';
import { Inode20 } from './2.0.0.js';
import { imports, type InodeData, v1 } from './formats.js';

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

const v2 = { 'inode-v2': (o: Inode21) => o.export() };

export default defineClass({ name: 'Inode', version: '2.1.0', description: 'with inode times', iface: 1, uses: { BlockDevice: 2 }, lazy: true, exportAs: { ...v2, ...v1 }, importFrom: imports(Inode21, 'inode-v2', 'inode-v1') });
