// blkdev 1.0.0: the block driver for the simulated disk. A request is one
// sector; the calling thread blocks until the disk's completion interrupt
// records the request's status in the module state and wakes it. At most
// `queue_depth` requests are in flight; further submitters wait for a slot.
//
// Which waits a signal may interrupt (exec/signal.ts): the wait for a slot
// comes before this request touches the disk or the state, so it is
// interruptible (and the kernel lets a signal in only while the whole
// syscall has committed nothing, so never after an earlier request of it);
// the wait for the completion is disk I/O, uninterruptible as in Linux: the
// request is on the disk and counted in flight, and must be collected.
//
// The request timeout (blk-mq's io_timeout, exec/iotimeout.ts): a request the
// disk has not completed within `timeout` cycles of its submission fails
// with EIO; the driver aborts it on the disk (a stalled request is dropped
// there, so it never writes late) and counts it out of flight. One the disk
// is already answering cannot be aborted: its id is remembered as
// abandoned, so its completion, coming after all, is dropped (never
// collected twice, never counted out twice). A submitter killed while it
// waits (`kill`) abandons its request the same way, in its `finally`. The
// deadline's timer is armed per wait and cancelled when the request
// completes in time, so a healthy run has no timer events.

import { type Ctx, DEFAULT_IO_TIMEOUT, defineModule, type DiskCompletion, type DiskOp, err, type KGen, SECTOR_SIZE } from '../../kernel/module.js';

export interface BlkState {
  /** Requests submitted to the hardware and not yet completed. */
  readonly inflight: number;
  /**
   * Completions not yet collected by their submitter: request id and status,
   * in the order they completed. A short list (at most one per waiting
   * thread): a commit copies it, where an object keyed by ever-growing ids
   * went to V8's dictionary mode and cost far more to copy and freeze.
   */
  readonly done: readonly (readonly [number, 'ok' | 'EIO'])[];
  /** Requests still on the disk whose submitter gave up (timed out, or was killed): their completion is dropped. Short: one per hung request. */
  readonly abandoned: readonly number[];
  readonly stats: { readonly reads: number; readonly writes: number; readonly errors: number };
}

type M = Ctx<BlkState>;

const DEV = 'disk0';
/** The wait-queue key of disk0's free request slots, made once: an interrupt wakes it every time. */
const DISK0_SLOT = `${DEV}:slot`;

function* blkSubmit(m: M, dev: string, op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
  const disk = m.k.disk(dev);
  if (!disk) throw err('ENODEV', `blkdev: no disk '${dev}'`);
  if (op !== 'read' && op !== 'write') throw err('EINVAL', `blkdev: bad operation '${String(op)}'`);
  if (!Number.isInteger(sector) || sector < 0 || sector >= disk.sectors) throw err('EINVAL', `blkdev: sector ${sector} outside 0..${disk.sectors - 1}`);
  if (!(buf instanceof Uint8Array) || buf.length !== SECTOR_SIZE) throw err('EINVAL', `blkdev: buffer must be ${SECTOR_SIZE} bytes`);
  while (m.state().inflight >= (m.params.queue_depth as number)) yield* m.k.waitInterruptible(`${dev}:slot`, 'blkdev queue full');
  m.k.work(200);
  yield* awaitRequest(m, dev, op, disk.submit(op, sector, 1, buf), `sector ${sector}`);
}

/**
 * The completion protocol of a submitted request (every version's): count
 * it in flight, sleep until the interrupt records its status or the
 * request's deadline passes, collect that status, and fail with EIO if the
 * disk did or did not answer in time. `where` names the sectors.
 */
function* awaitRequest(m: M, dev: string, op: DiskOp, id: number, where: string): KGen<void> {
  // Three tiny commits per request: built by hand and `put`, without an
  // immer draft (whose fixed cost dominated here), to the same snapshots.
  // The snapshot is read once per step: `put` returns the one it commits,
  // and after a wait it is read again.
  const s0 = m.state();
  const { reads, writes, errors } = s0.stats;
  let s = m.put(nextState(s0, s0.inflight + 1, s0.done, s0.abandoned, op === 'read' ? { reads: reads + 1, writes, errors } : { reads, writes: writes + 1, errors }));
  const timeout = (m.params.timeout as number | undefined) ?? DEFAULT_IO_TIMEOUT;
  const deadline = m.k.now() + timeout;
  let settled = false;
  let at = -1; // where the completion is in `done`, from the check that ended the wait (no yield since)
  try {
    while ((at = indexOfRequest(s.done, id)) < 0) {
      const left = deadline - m.k.now();
      if (left <= 0) {
        settled = true;
        abandon(m, dev, id, true);
        m.k.printk(`${dev}: request ${id} (${op} ${where}) timed out after ${timeout} cycles; failed with EIO`);
        throw err('EIO', `blkdev: ${op} of ${dev} ${where} timed out after ${timeout} cycles`, 'the disk did not answer; fault DISK release or clear ends a hang');
      }
      yield* m.k.waitTimeout(`${dev}:req${id}`, left, `disk I/O (${op} ${where})`);
      s = m.state();
    }
    settled = true;
  } finally {
    if (!settled) abandon(m, dev, id, false); // killed while waiting: nobody will collect it
  }
  const failed = s.done[at]![1] === 'EIO';
  m.put(nextState(s, s.inflight, without(s.done, at), s.abandoned, failed ? { ...s.stats, errors: s.stats.errors + 1 } : s.stats));
  if (failed) throw err('EIO', `blkdev: I/O error on ${dev} ${where}`);
}

/**
 * Give up request `id` (timed out, or its submitter killed), as blk-mq's
 * timeout handler does: a status already recorded is dropped; otherwise
 * the disk is asked to abort the request (a stalled one is dropped there,
 * never to touch the platters) and it is counted out of flight; one the
 * disk is still answering is remembered, so its late completion is
 * dropped. Either way a slot may be free: a waiter for one is woken.
 */
function abandon(m: M, dev: string, id: number, timedOut: boolean): void {
  const s = m.state();
  const stats = timedOut ? { ...s.stats, errors: s.stats.errors + 1 } : s.stats;
  const at = indexOfRequest(s.done, id);
  if (at >= 0) m.put(nextState(s, s.inflight, without(s.done, at), s.abandoned, stats));
  else if (m.k.disk(dev)?.abort(id)) m.put(nextState(s, s.inflight - 1, s.done, s.abandoned, stats));
  else m.put(nextState(s, s.inflight - 1, s.done, [...(s.abandoned ?? []), id], stats));
  m.k.wakeOne(`${dev}:slot`);
}

/**
 * `list` without its entry `at`, as a new array (`toSpliced`, by hand: the
 * list is short, about 8 entries with 16 threads, and the builtin's generic
 * path cost about 350 instructions a call).
 */
function without<T>(list: readonly T[], at: number): T[] {
  const out = list.slice(0, at);
  for (let i = at + 1; i < list.length; i++) out.push(list[i]!);
  return out;
}

/** `list` with `entry` at its end, as a new array (a spread, by hand: a spread goes through the iterator protocol). */
function withAppended<T>(list: readonly T[], entry: T): T[] {
  const out: T[] = [];
  for (let i = 0; i < list.length; i++) out.push(list[i]!);
  out.push(entry);
  return out;
}

/** Where request `id`'s completion is in `done`, or -1 if it has not completed. */
function indexOfRequest(done: BlkState['done'], id: number): number {
  for (let i = 0; i < done.length; i++) if (done[i]![0] === id) return i;
  return -1;
}

/**
 * The next snapshot: `s` with these fields. Built as a literal of the one
 * shape every version's state has, not as `{ ...s, field }`: in V8 (Node
 * 20) a property defined after an object spread misses its inline cache
 * every time and goes through the runtime (about 0.25 µs a commit, most of
 * this driver's time per request). A state of another shape (a snapshot
 * from before `abandoned`, or a user's version with fields of its own) is
 * spread as before, so no field is lost or added.
 */
function nextState(s: BlkState, inflight: number, done: BlkState['done'], abandoned: BlkState['abandoned'] | undefined, stats: BlkState['stats']): BlkState {
  if (abandoned !== undefined && s.abandoned !== undefined && Object.keys(s).length === 4) return { inflight, done, abandoned, stats };
  return abandoned === undefined ? { ...s, inflight, done, stats } : { ...s, inflight, done, abandoned, stats };
}

/**
 * Record a completion's status for its submitter and count it out of flight
 * (every version's interrupt); the late completion of an abandoned request
 * is dropped, as blk-mq ignores a completion after the timeout handled it.
 */
function complete(m: M, c: DiskCompletion): void {
  const s = m.state();
  const abandoned = s.abandoned ?? []; // a snapshot a user's version made before the field existed has none
  if (abandoned.length !== 0 && abandoned.includes(c.id)) {
    m.put(nextState(s, s.inflight, s.done, abandoned.toSpliced(abandoned.indexOf(c.id), 1), s.stats));
    m.k.printk(`${DEV}: late completion of abandoned request ${c.id} (${c.status}) ignored`);
    return;
  }
  m.put(nextState(s, s.inflight - 1, withAppended(s.done, [c.id, c.status] as const), s.abandoned, s.stats));
}

function blkCapacity(m: M, dev: string): number {
  const disk = m.k.disk(dev);
  if (!disk) throw err('ENODEV', `blkdev: no disk '${dev}'`);
  return disk.sectors;
}

/** Completion interrupt: record the status, wake the submitter and one waiter for a slot. */
function diskInterrupt(m: M, _line: number, c: DiskCompletion): void {
  complete(m, c);
  m.k.wakeOne(`${DEV}:req${c.id}`);
  m.k.wakeOne(DISK0_SLOT);
}

function* submitDisk0(m: M, op: DiskOp, sector: number, buf: Uint8Array): KGen<void> {
  yield* blkSubmit(m, DEV, op, sector, buf);
}

function capacityDisk0(m: M): number {
  return blkCapacity(m, DEV);
}

export { awaitRequest, complete, DISK0_SLOT };

export default defineModule<BlkState>({
  name: 'blkdev',
  version: '1.0.0',
  description: 'block driver for the simulated disk: one sector per request, completion by interrupt',
  license: 'MIT',
  params: {
    queue_depth: { type: 'int', default: 16, min: 1, max: 256, description: 'requests in flight at most' },
    timeout: { type: 'int', default: DEFAULT_IO_TIMEOUT, min: 1, max: Number.MAX_SAFE_INTEGER, description: 'cycles a request may take before it fails with EIO (blk-mq io_timeout)' },
  },
  state: { schema: 1, initial: () => ({ inflight: 0, done: [], abandoned: [], stats: { reads: 0, writes: 0, errors: 0 } }) },
  exports: {
    blk_submit: { version: 1, fn: blkSubmit },
    blk_capacity: { version: 1, fn: blkCapacity },
  },
  ops: {
    'irq:disk0': { handler: diskInterrupt },
    'blkdev:disk0': { submit: submitDisk0, capacity: capacityDisk0 },
  },
  init(m) {
    m.k.printk(`disk0: ${blkCapacity(m, DEV)} sectors of ${SECTOR_SIZE} bytes, queue depth ${String(m.params.queue_depth)}`);
  },
});
