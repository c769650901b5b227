// BlockDevice 1.0.0: the block-device object of the object twin, one per
// disk. Interface 1: one sector per request, completion by interrupt.

import { err } from '../../../exec/errno.js';
import type { KGen } from '../../../exec/thread.js';
import type { DiskOp } from '../../../hw/disk.js';
import { defineClass } from '../../objclass.js';
import { blkFormats, BlockDeviceBase } from './base.js';

export class BlockDevice10 extends BlockDeviceBase {
  /** Submit a one-sector request and sleep until it completes. */
  *submit(op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
    const disk = this.disk();
    this.checkRequest(op, buf, 1);
    if (!Number.isInteger(sector) || sector < 0 || sector >= disk.sectors) throw err('EINVAL', `blockdev: sector ${sector} outside 0..${disk.sectors - 1}`);
    yield* this.slot();
    this.env.work(200);
    yield* this.awaitRequest(op, disk.submit(op, sector, 1, buf), `sector ${sector}`);
  }
}

export default defineClass({ name: 'BlockDevice', version: '1.0.0', description: 'block device: one sector per request, completion by interrupt', iface: 1, ...blkFormats(BlockDevice10) });
