// BlockDevice 2.0.0: an interface change. Requests may span several sectors
// (interface 2: `submit(op, sector, count, buf)`); callers still written for
// interface 1 get an adaptor object that sends one sector per request. The
// state is 1.x's, transferred as blk-v1.

import { err } from '../../../exec/errno.js';
import type { KGen } from '../../../exec/thread.js';
import { type DiskCompletion, type DiskOp, MAX_REQUEST_SECTORS } from '../../../hw/disk.js';
import { defineClass, type ObjEnv } from '../../objclass.js';
import type { ObjId } from '../../ott.js';
import { blkFormats, BlockDeviceBase } from './base.js';

/** 2.0.0: interface 2, requests of several sectors. */
export class BlockDevice20 extends BlockDeviceBase {
  *submit(op: DiskOp, sector: number, count: number, buf: Uint8Array): KGen<void> {
    const disk = this.disk();
    if (!Number.isInteger(count) || count < 1 || count > MAX_REQUEST_SECTORS) throw err('EINVAL', `blockdev: ${count} sectors in one request (1..${MAX_REQUEST_SECTORS})`);
    this.checkRequest(op, buf, count);
    if (!Number.isInteger(sector) || sector < 0 || sector + count > disk.sectors) throw err('EINVAL', `blockdev: sectors ${sector}+${count} outside 0..${disk.sectors - 1}`);
    yield* this.slot();
    this.env.work(120 + 10 * count);
    yield* this.awaitRequest(op, disk.submit(op, sector, count, buf), `sectors ${sector}+${count}`);
  }
}

/** Interface 1 on top of a 2.0 object: one sector per request. */
export class BlockDeviceV1Adaptor {
  constructor(
    private readonly env: ObjEnv,
    private readonly target: ObjId,
  ) {}

  *submit(op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
    yield* this.env.callAs(2, this.target, 'submit', op, sector, 1, buf);
  }

  capacity(): number {
    return this.env.callPlain(this.target, 'capacity') as number;
  }

  interrupt(line: number, c: DiskCompletion): void {
    this.env.callPlain(this.target, 'interrupt', line, c);
  }
}

export default defineClass({
  name: 'BlockDevice',
  version: '2.0.0',
  description: 'block device: multi-sector requests (interface 2)',
  iface: 2,
  ...blkFormats(BlockDevice20),
  adaptors: { 1: (env, target) => new BlockDeviceV1Adaptor(env, target) },
});
