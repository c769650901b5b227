// What every version of the BlockDevice class shares: one transfer format,
// `blk-v1` (a request is a request, whatever its length), and the base class
// with the state, the completion protocol, capacity and the interrupt. The
// 1.x versions and 2.0.0 each build their submission path on it.
//
// The request timeout is the procedural blkdev's (exec/iotimeout.ts): a
// request not completed within `timeout` cycles fails with EIO and is
// abandoned (aborted on the disk if it is stalled there), as is the request
// of a submitter killed while it waits; the late completion of one the disk
// was already answering is dropped. The twin has no module
// parameters: a device's timeout is the default, set when it is attached
// and carried by the transfer format (as its queue depth is).

import { err } from '../../../exec/errno.js';
import type { KGen } from '../../../exec/thread.js';
import { type DiskCompletion, type DiskOp, SECTOR_SIZE } from '../../../hw/disk.js';
import type { ObjEnv } from '../../objclass.js';
import { DEFAULT_IO_TIMEOUT } from '../../../exec/iotimeout.js';

/** The transfer format of every version. */
export interface BlkData {
  readonly dev: string;
  readonly queueDepth: number;
  readonly inflight: number;
  readonly done: readonly (readonly [number, 'ok' | 'EIO'])[];
  readonly stats: { readonly reads: number; readonly writes: number; readonly errors: number };
  /** Cycles a request may take before it fails with EIO (absent in data exported before it existed: the default). */
  readonly timeout?: number;
  /** Requests still on the disk whose submitter gave up: their completion is dropped. */
  readonly abandoned?: readonly number[];
}

/** What every version has in common: the state, the completion protocol, capacity and the interrupt. */
export abstract class BlockDeviceBase {
  readonly dev: string;
  readonly queueDepth: number;
  inflight: number;
  readonly done: Map<number, 'ok' | 'EIO'>;
  readonly stats: { reads: number; writes: number; errors: number };
  readonly timeout: number;
  readonly abandoned: Set<number>;

  constructor(
    protected readonly env: ObjEnv,
    d: BlkData,
  ) {
    this.dev = d.dev;
    this.queueDepth = d.queueDepth;
    this.inflight = d.inflight;
    this.done = new Map(d.done);
    this.stats = { ...d.stats };
    this.timeout = d.timeout ?? DEFAULT_IO_TIMEOUT;
    this.abandoned = new Set(d.abandoned ?? []);
  }

  export(): BlkData {
    return { dev: this.dev, queueDepth: this.queueDepth, inflight: this.inflight, done: [...this.done], stats: { ...this.stats }, timeout: this.timeout, abandoned: [...this.abandoned] };
  }

  capacity(): number {
    return this.disk().sectors;
  }

  /** The completion interrupt: record the status, wake the submitter and one waiter for a slot. */
  interrupt(_line: number, c: DiskCompletion): void {
    if (this.abandoned.delete(c.id)) {
      this.env.printk(`${this.dev}: late completion of abandoned request ${c.id} (${c.status}) ignored`);
      return;
    }
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

  /** The completion protocol: count the request in flight, sleep until the interrupt records it or its deadline passes, fail with EIO if the disk did or did not answer in time. */
  protected *awaitRequest(op: DiskOp, id: number, where: string): KGen<void> {
    this.inflight++;
    if (op === 'read') this.stats.reads++;
    else this.stats.writes++;
    const deadline = this.env.now() + this.timeout;
    let settled = false;
    try {
      while (!this.done.has(id)) {
        const left = deadline - this.env.now();
        if (left <= 0) {
          settled = true;
          this.abandon(id);
          this.stats.errors++;
          this.env.printk(`${this.dev}: request ${id} (${op} ${where}) timed out after ${this.timeout} cycles; failed with EIO`);
          throw err('EIO', `blockdev: ${op} of ${this.dev} ${where} timed out after ${this.timeout} cycles`, 'the disk did not answer; fault DISK release or clear ends a hang');
        }
        yield* this.env.waitTimeout(`${this.dev}:req${id}`, left, `disk I/O (${op} ${where})`);
      }
      settled = true;
    } finally {
      if (!settled) this.abandon(id); // killed while waiting: nobody will collect it
    }
    const status = this.done.get(id);
    this.done.delete(id);
    if (status === 'EIO') {
      this.stats.errors++;
      throw err('EIO', `blockdev: I/O error on ${this.dev} ${where}`);
    }
  }

  /** Give up request `id` (blkdev's abandon): a recorded status is dropped; else it leaves the count in flight, aborted on the disk if it is stalled there, or remembered so its late completion is dropped; a slot waiter is woken. */
  private abandon(id: number): void {
    if (!this.done.delete(id)) {
      this.inflight--;
      if (!this.disk().abort(id)) this.abandoned.add(id);
    }
    this.env.wakeOne(`${this.dev}:slot`);
  }
}

/** The transfer formats of a version whose objects are `make`'s: `blk-v1`, and `new` for a device just attached. */
export const blkFormats = <O extends BlockDeviceBase>(make: new (env: ObjEnv, d: BlkData) => O) => ({
  exportAs: { 'blk-v1': (o: O) => o.export() },
  importFrom: {
    'blk-v1': (d: unknown, env: ObjEnv) => new make(env, d as BlkData),
    new: (d: unknown, env: ObjEnv) => new make(env, { dev: (d as { dev: string }).dev, queueDepth: 16, inflight: 0, done: [], stats: { reads: 0, writes: 0, errors: 0 }, timeout: DEFAULT_IO_TIMEOUT, abandoned: [] }),
  },
});
