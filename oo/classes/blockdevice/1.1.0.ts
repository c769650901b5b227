// BlockDevice 1.1.0: a performance change, code only. The submission path
// drops a bounds check that the disk makes itself. The state is 1.0's.

import type { KGen } from '../../../exec/thread.js';
import type { DiskOp } from '../../../hw/disk.js';
import { defineClass } from '../../objclass.js';
import { BlockDevice10 } from './1.0.0.js';
import { blkFormats } from './base.js';

/** 1.1.0: code only. The submission path drops a bounds check the disk makes itself (200 -> 120 cycles). */
export class BlockDevice11 extends BlockDevice10 {
  override *submit(op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
    const disk = this.disk();
    this.checkRequest(op, buf, 1);
    yield* this.slot();
    this.env.work(120);
    yield* this.awaitRequest(op, disk.submit(op, sector, 1, buf), `sector ${sector}`);
  }
}

export default defineClass({ name: 'BlockDevice', version: '1.1.0', description: 'block device with a shorter submission path', iface: 1, ...blkFormats(BlockDevice11) });
