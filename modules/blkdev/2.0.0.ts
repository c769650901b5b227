// blkdev 2.0.0: an interface change. Requests may span several sectors:
// `blk_submit@2(dev, op, sector, count, buf)`. Modules still written against
// `blk_submit@1(dev, op, sector, buf)` keep working through the adaptor in
// `compat`, which exists only while some module imports @1. The block
// device table changes the same way (version 2: `submit(op, sector, count,
// buf)`); the kernel's callers, written for version 1, see the version-1
// view that `compat['blkdev:disk0@1']` provides. The state is 1.x's: a
// request is a request, whatever its length.

import { type Ctx, defineModule, type DiskOp, err, type KGen, MAX_REQUEST_SECTORS, SECTOR_SIZE } from '../../kernel/module.js';
import v10, { awaitRequest, type BlkState } from './1.0.0.js';
import { diskInterrupt } from './1.1.0.js';

type M = Ctx<BlkState>;

const DEV = 'disk0';
function* blkSubmit(m: M, dev: string, op: DiskOp, sector: number, count: number, buf: Uint8Array): KGen<void> {
  const disk = m.k.disk(dev);
  if (!disk) throw err('ENODEV', `blkdev: no disk '${dev}'`);
  if (op !== 'read' && op !== 'write') throw err('EINVAL', `blkdev: bad operation '${String(op)}'`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_REQUEST_SECTORS) throw err('EINVAL', `blkdev: ${count} sectors in one request (1..${MAX_REQUEST_SECTORS})`);
  if (!Number.isInteger(sector) || sector < 0 || sector + count > disk.sectors) throw err('EINVAL', `blkdev: sectors ${sector}+${count} outside 0..${disk.sectors - 1}`);
  if (!(buf instanceof Uint8Array) || buf.length !== count * SECTOR_SIZE) throw err('EINVAL', `blkdev: buffer must be ${count} x ${SECTOR_SIZE} bytes`);
  while (m.state().inflight >= (m.params.queue_depth as number)) yield* m.k.waitInterruptible(`${dev}:slot`, 'blkdev queue full');
  m.k.work(120 + 10 * count);
  yield* awaitRequest(m, dev, op, disk.submit(op, sector, count, buf), `sectors ${sector}+${count}`);
}

/** blk_submit@1 in terms of @2: one sector. */
function* blkSubmitV1(m: M, dev: string, op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
  yield* blkSubmit(m, dev, op, sector, 1, buf);
}

function* submitDisk0(m: M, op: DiskOp, sector: number, count: number, buf: Uint8Array): KGen<void> {
  yield* blkSubmit(m, DEV, op, sector, count, buf);
}

/** The table's submit as version 1 had it: one sector. */
function* submitDisk0V1(m: M, op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
  yield* blkSubmit(m, DEV, op, sector, 1, buf);
}

export default defineModule<BlkState>({
  ...v10,
  version: '2.0.0',
  description: 'block driver for the simulated disk: multi-sector requests (blk_submit@2)',
  exports: { blk_submit: { version: 2, fn: blkSubmit }, blk_capacity: v10.exports!.blk_capacity! },
  compat: { 'blk_submit@1': blkSubmitV1, 'blkdev:disk0@1': { submit: submitDisk0V1 } },
  ops: {
    'irq:disk0': { handler: diskInterrupt },
    'blkdev:disk0': { ...v10.ops!['blkdev:disk0']!, submit: submitDisk0 },
  },
  opsVersions: { 'blkdev:disk0': 2 },
  upgrade: { from: ['1.0.0', '1.1.0'] },
  downgrade: { to: ['1.1.0'] },
});
