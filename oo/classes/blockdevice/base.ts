// What every version of the BlockDevice class shares: one transfer format,
// `blk-v1` (a request is a request, whatever its length), and the base class
// with the state, the completion protocol, capacity and the interrupt. The
// 1.x versions and 2.0.0 each build their submission path on it.

import { err } from '../../../exec/errno.js';
import type { KGen } from '../../../exec/thread.js';
import { type DiskCompletion, type DiskOp, SECTOR_SIZE } from '../../../hw/disk.js';
import type { ObjEnv } from '../../objclass.js';

/** The transfer format of every version. */
export interface BlkData {
  readonly dev: string;
  readonly queueDepth: number;
  readonly inflight: number;
  readonly done: readonly (readonly [number, 'ok' | 'EIO'])[];
  readonly stats: { readonly reads: number; readonly writes: number; readonly errors: number };
}

/** What every version has in common: the state, the completion protocol, capacity and the interrupt. */
export abstract class BlockDeviceBase {
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

/** The transfer formats of a version whose objects are `make`'s: `blk-v1`, and `new` for a device just attached. */
export const blkFormats = <O extends BlockDeviceBase>(make: new (env: ObjEnv, d: BlkData) => O) => ({
  exportAs: { 'blk-v1': (o: O) => o.export() },
  importFrom: {
    'blk-v1': (d: unknown, env: ObjEnv) => new make(env, d as BlkData),
    new: (d: unknown, env: ObjEnv) => new make(env, { dev: (d as { dev: string }).dev, queueDepth: 16, inflight: 0, done: [], stats: { reads: 0, writes: 0, errors: 0 } }),
  },
});
