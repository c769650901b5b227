// Inode 1.1.0: a bug fix, code only. A write that failed part-way kept the
// blocks it had added past the end of the file; 1.1 gives them back at once.
// The state is 1.0's, transferred as inode-v1.

import type { KGen } from '../../../exec/thread.js';
import { defineClass } from '../../objclass.js';
import { BS, Inode10 } from './1.0.0.js';
import { imports, v1 } from './formats.js';

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

export default defineClass({ name: 'Inode', version: '1.1.0', description: 'with the fix for blocks kept by a failed write', iface: 1, uses: { BlockDevice: 1 }, exportAs: v1, importFrom: imports(Inode11, 'inode-v1') });
