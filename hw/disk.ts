// A disk of fixed-size sectors with an asynchronous request queue. Each
// request completes after a latency drawn from the machine's seed and raises
// the disk's interrupt line with the request id and its status. Requests run
// in parallel (like an NVMe queue), so completions may come out of order.
// Faults can be injected: an I/O error on a sector, or a request that never
// completes until released. A driver may abort a stalled request (the
// controller drops it, as NVMe's Abort does).

import type { EventQueue } from './events.js';
import type { InterruptController } from './irq.js';
import type { Rng } from './rng.js';

export const SECTOR_SIZE = 512;

export type DiskOp = 'read' | 'write';

/** Most sectors one request may carry. */
export const MAX_REQUEST_SECTORS = 64;

/**
 * Runs of consecutive sector numbers in `sectors`, each at most
 * MAX_REQUEST_SECTORS long: where each starts, how long it is, and its place
 * in the list. What a driver needs to make one request per run.
 */
export function sectorRuns(sectors: readonly number[]): { start: number; count: number; at: number }[] {
  const out: { start: number; count: number; at: number }[] = [];
  sectors.forEach((b, i) => {
    const last = out[out.length - 1];
    if (last && last.start + last.count === b && last.count < MAX_REQUEST_SECTORS) last.count++;
    else out.push({ start: b, count: 1, at: i });
  });
  return out;
}

export interface DiskRequest {
  readonly id: number;
  readonly op: DiskOp;
  readonly sector: number;
  readonly count: number;
  /** For a read, filled at completion; for a write, the data (copied at submit). */
  readonly buf: Uint8Array;
}

export interface DiskCompletion {
  readonly id: number;
  readonly status: 'ok' | 'EIO';
}

export interface DiskLatency {
  /** Fixed cycles per request. */
  readonly base: number;
  /** Extra cycles drawn uniformly from [0, jitter]. */
  readonly jitter: number;
  /** Cycles per sector transferred. */
  readonly perSector: number;
}

export class Disk {
  private readonly data: Uint8Array;
  private nextId = 1;
  private readonly badSectors = new Set<number>();
  private hangNext = 0;
  private inflight = new Map<number, DiskRequest>();
  /** Requests held by an injected hang, until release(). */
  private hung: DiskRequest[] = [];
  completed = 0;
  errors = 0;
  /** Requests dropped by abort(). */
  aborted = 0;

  constructor(
    readonly name: string,
    readonly sectors: number,
    private readonly events: EventQueue,
    private readonly irq: InterruptController,
    readonly line: number,
    private readonly rng: Rng,
    readonly latency: DiskLatency = { base: 500, jitter: 1500, perSector: 20 },
  ) {
    this.data = new Uint8Array(sectors * SECTOR_SIZE);
  }

  /** Requests held by a hang, waiting for release(). */
  get stalled(): number {
    return this.hung.length;
  }

  /** Hangs injected and not yet met (the next requests to stall). */
  get hangsPending(): number {
    return this.hangNext;
  }

  /** Requests submitted and not yet completed (including hung ones). */
  get queued(): number {
    return this.inflight.size;
  }

  /**
   * Queue a request; returns its id. The completion interrupt carries a
   * DiskCompletion. A read's `buf` is filled when it completes.
   */
  submit(op: DiskOp, sector: number, count: number, buf: Uint8Array): number {
    if (!Number.isInteger(sector) || sector < 0 || count < 1 || sector + count > this.sectors) {
      throw new RangeError(`${this.name}: request for sectors ${sector}+${count} is outside 0..${this.sectors - 1}`);
    }
    if (buf.length !== count * SECTOR_SIZE) {
      throw new RangeError(`${this.name}: buffer of ${buf.length} bytes for ${count} sectors`);
    }
    const req: DiskRequest = { id: this.nextId++, op, sector, count, buf: op === 'write' ? buf.slice() : buf };
    this.inflight.set(req.id, req);
    this.events.trace.mixNumber(req.id);
    this.events.trace.mixNumber(sector);
    if (this.hangNext > 0) {
      this.hangNext--;
      this.hung.push(req);
      return req.id; // does not complete until release(): the fault being simulated
    }
    const delay = this.latency.base + this.rng.int(0, this.latency.jitter) + this.latency.perSector * count;
    this.events.after(delay, `${this.name}:done`, () => this.complete(req));
    return req.id;
  }

  private complete(req: DiskRequest): void {
    this.inflight.delete(req.id);
    let status: DiskCompletion['status'] = 'ok';
    for (let s = req.sector; s < req.sector + req.count; s++) if (this.badSectors.has(s)) status = 'EIO';
    if (status === 'ok') {
      const off = req.sector * SECTOR_SIZE;
      if (req.op === 'read') req.buf.set(this.data.subarray(off, off + req.count * SECTOR_SIZE));
      else this.data.set(req.buf, off);
    } else {
      this.errors++;
    }
    this.completed++;
    const completion: DiskCompletion = { id: req.id, status };
    this.irq.raise(this.line, completion);
  }

  /** Fault injection: every request touching `sector` fails with EIO. */
  injectError(sector: number): void {
    this.badSectors.add(sector);
  }

  clearErrors(): void {
    this.badSectors.clear();
  }

  /** Take back hangs injected but not yet met; returns how many. */
  cancelHangs(): number {
    const n = this.hangNext;
    this.hangNext = 0;
    return n;
  }

  /** Fault injection: the next `n` requests stall until release() (forever without it). */
  injectHang(n = 1): void {
    this.hangNext += n;
  }

  /** Complete the `count` oldest stalled requests (all by default) now, with the usual latency; returns how many. */
  release(count = Infinity): number {
    const held = this.hung.slice(0, count);
    this.hung = this.hung.slice(held.length);
    for (const req of held) this.events.after(this.latency.base, `${this.name}:done`, () => this.complete(req));
    return held.length;
  }

  /**
   * The controller drops request `id` (NVMe's Abort, which a driver sends
   * for a request that timed out): a stalled request leaves the queue
   * without touching the platters and never completes; true. A request the
   * disk is already answering (its completion under way, a release
   * included) cannot be taken back: false, and its completion still comes.
   */
  abort(id: number): boolean {
    const i = this.hung.findIndex((r) => r.id === id);
    if (i < 0) return false;
    this.hung.splice(i, 1);
    this.inflight.delete(id);
    this.aborted++;
    return true;
  }

  /** Direct read of the platters, for tests and verification only. */
  peek(sector: number, count = 1): Uint8Array {
    return this.data.slice(sector * SECTOR_SIZE, (sector + count) * SECTOR_SIZE);
  }
}
