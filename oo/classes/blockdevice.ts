// The block-device object of the object twin, in the versions of blkdev's
// history: 1.0.0 (one sector per request, completion by interrupt), 1.1.0
// (code only: a shorter submission path) and 2.0.0 (an interface change:
// multi-sector requests), whose adaptor object keeps callers written for
// interface 1 working. All versions share one transfer format, `blk-v1`: a
// request is a request, whatever its length.

import { err } from '../../exec/errno.js';
import type { KGen } from '../../exec/thread.js';
import { type DiskCompletion, type DiskOp, MAX_REQUEST_SECTORS, SECTOR_SIZE } from '../../hw/disk.js';
import type { ObjClass, ObjEnv } from '../objclass.js';
import type { ObjId } from '../ott.js';

/** The transfer format of every version. */
interface BlkData {
  readonly dev: string;
  readonly queueDepth: number;
  readonly inflight: number;
  readonly done: readonly (readonly [number, 'ok' | 'EIO'])[];
  readonly stats: { readonly reads: number; readonly writes: number; readonly errors: number };
}

/** What every version has in common: the state, the completion protocol, capacity and the interrupt. */
abstract class BlockDeviceBase {
  readonly dev: string;
  readonly queueDepth: number;
  inflight: number;
  readonly done: Map<number, 'ok' | 'EIO'>;
  readonly stats: { reads: number; writes: number; errors: number };

  constructor(
    protected readonly env: ObjEnv,
    d: BlkData,
  ) {
    this.dev = d.dev;
    this.queueDepth = d.queueDepth;
    this.inflight = d.inflight;
    this.done = new Map(d.done);
    this.stats = { ...d.stats };
  }

  export(): BlkData {
    return { dev: this.dev, queueDepth: this.queueDepth, inflight: this.inflight, done: [...this.done], stats: { ...this.stats } };
  }

  capacity(): number {
    return this.disk().sectors;
  }

  /** The completion interrupt: record the status, wake the submitter and one waiter for a slot. */
  interrupt(_line: number, c: DiskCompletion): void {
    this.done.set(c.id, c.status);
    this.inflight--;
    this.env.wakeOne(`${this.dev}:req${c.id}`);
    this.env.wakeOne(`${this.dev}:slot`);
  }

  protected disk() {
    const disk = this.env.disk(this.dev);
    if (!disk) throw err('ENODEV', `blockdev: no disk '${this.dev}'`);
    return disk;
  }

  protected checkRequest(op: DiskOp, buf: Uint8Array, count: number): void {
    if (op !== 'read' && op !== 'write') throw err('EINVAL', `blockdev: bad operation '${String(op)}'`);
    if (!(buf instanceof Uint8Array) || buf.length !== count * SECTOR_SIZE) throw err('EINVAL', `blockdev: buffer must be ${count} x ${SECTOR_SIZE} bytes`);
  }

  /** Wait for room in the queue. */
  protected *slot(): KGen<void> {
    while (this.inflight >= this.queueDepth) yield* this.env.wait(`${this.dev}:slot`, 'blockdev queue full');
  }

  /** The completion protocol: count the request in flight, sleep until the interrupt records it, fail with EIO if the disk did. */
  protected *awaitRequest(op: DiskOp, id: number, where: string): KGen<void> {
    this.inflight++;
    if (op === 'read') this.stats.reads++;
    else this.stats.writes++;
    while (!this.done.has(id)) yield* this.env.wait(`${this.dev}:req${id}`, `disk I/O (${op} ${where})`);
    const status = this.done.get(id);
    this.done.delete(id);
    if (status === 'EIO') {
      this.stats.errors++;
      throw err('EIO', `blockdev: I/O error on ${this.dev} ${where}`);
    }
  }
}

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

const blkFormats = <O extends BlockDeviceBase>(make: new (env: ObjEnv, d: BlkData) => O) => ({
  exportAs: { 'blk-v1': (o: O) => o.export() },
  importFrom: {
    'blk-v1': (d: unknown, env: ObjEnv) => new make(env, d as BlkData),
    new: (d: unknown, env: ObjEnv) => new make(env, { dev: (d as { dev: string }).dev, queueDepth: 16, inflight: 0, done: [], stats: { reads: 0, writes: 0, errors: 0 } }),
  },
});

export const BLOCKDEVICE: readonly ObjClass[] = [
  { name: 'BlockDevice', version: '1.0.0', description: 'block device: one sector per request, completion by interrupt', iface: 1, ...blkFormats(BlockDevice10) },
  { name: 'BlockDevice', version: '1.1.0', description: 'block device with a shorter submission path', iface: 1, ...blkFormats(BlockDevice11) },
  {
    name: 'BlockDevice',
    version: '2.0.0',
    description: 'block device: multi-sector requests (interface 2)',
    iface: 2,
    ...blkFormats(BlockDevice20),
    adaptors: { 1: (env, target) => new BlockDeviceV1Adaptor(env, target) },
  },
] as readonly ObjClass[];
