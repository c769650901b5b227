// The verifying workload: user threads that create, write, overwrite, read
// back and delete files under a mounted filesystem, only through syscalls.
// File contents derive from the workload seed, the thread, the file and a
// generation number, so the workload always knows what every file must hold.
// It counts operations done and failed; `stop` lets every thread finish its
// current operation, then a verifier thread (user/verifier.ts) reads every
// file back and checks every byte, and that each directory lists exactly the
// expected files.
//
// Faults it can account for. An operation that fails with EIO (a bad sector,
// a request the block driver timed out) is counted apart: the disk failed
// it, the workload knows. (Not when the kernel oopsed meanwhile: a bug in
// module code also reaches the caller as EIO, and that is lost data; the
// workload reads the oops count, as its checker's memory, to tell them
// apart.) POSIX leaves the effect of a failed write unspecified (Linux's
// page cache, a timed-out request the disk may yet have carried out), so a
// file a failed write, overwrite or unlink touched is *indeterminate* until
// a whole-file write or an unlink of it succeeds: its bytes are read back but
// not compared, and its name may or may not be listed. An operation cut
// short because its thread was killed (`kill TID`) leaves its file
// indeterminate the same way, and counts as killed, not as failed. Neither
// is lost data; a wrong byte in any other file is.
//
// This is user space: it lives outside the kernel and reaches it only
// through `Sys`. Its record of expected contents is the checker's memory.

import { derivedBytes, Rng } from '../hw/rng.js';
import { err, isKernelError } from '../exec/errno.js';
import type { Executive } from '../exec/executive.js';
import type { Sys } from '../exec/abi.js';
import type { KGen, Thread } from '../exec/thread.js';
import { O_CREAT, O_WRONLY } from '../exec/abi.js';
import { type CheckerMemory, firstDifference, type VerifyReport, verifyFiles } from './verifier.js';

export interface WorkloadConfig {
  readonly threads: number;
  readonly files: number;
  readonly seed: number;
  /** Where the filesystem under test is mounted. */
  readonly root: string;
  /** Largest file written, in bytes. */
  readonly maxSize: number;
  /** Most cycles of user-space computation between two operations (drawn from the seed). */
  readonly think: number;
  /**
   * Operations each thread makes before it exits (0: until stop). A bounded
   * workload ends with the same files whatever the interleaving, since each
   * thread owns its directory and draws its operations from its own seed:
   * livemod check compares runs by their final trees.
   */
  readonly opsPerThread: number;
}

export const DEFAULT_WORKLOAD: WorkloadConfig = { threads: 4, files: 8, seed: 1, root: '/mnt', maxSize: 4096, think: 4000, opsPerThread: 0 };

const MAX_FAILURES_KEPT = 20;

/** The numeric settings, their ranges, and what `workload start` calls them. */
const LIMITS: readonly { key: keyof WorkloadConfig; word: string; min: number; max: number }[] = [
  { key: 'threads', word: 'threads', min: 1, max: 64 },
  { key: 'files', word: 'files', min: 1, max: 1000 },
  { key: 'maxSize', word: 'size', min: 1, max: 65536 },
  { key: 'think', word: 'think', min: 0, max: Number.MAX_SAFE_INTEGER },
  { key: 'opsPerThread', word: 'opsPerThread', min: 0, max: Number.MAX_SAFE_INTEGER },
];

/** EINVAL, naming the setting, its range and an example, for a setting out of range. */
export function checkWorkloadConfig(config: WorkloadConfig): void {
  for (const { key, word, min, max } of LIMITS) {
    const v = config[key] as number;
    if (Number.isInteger(v) && v >= min && v <= max) continue;
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number from ${min}` : `${min}..${max}`;
    throw err('EINVAL', `workload ${word} must be ${range}, got ${v}`, `e.g. workload start ${word}=${DEFAULT_WORKLOAD[key] === 0 && min > 0 ? min : DEFAULT_WORKLOAD[key]}`);
  }
}

/** Most bytes an overwrite writes. */
const MAX_PATCH = 700;

/** Offsets into the content pool: a write's bytes start at one of these. */
const POOL_OFFSETS = 1 << 16;

/**
 * Where file contents come from: one pool of bytes derived from the seed
 * once, and each write's bytes a slice of it at an offset derived from the
 * key (thread, file, generation). Deriving every byte afresh for every
 * write was a twentieth of the benchmark's time; a slice is a copy. Two
 * generations of one file start at the same offset once in 65,536, so a
 * stale read still shows as a wrong byte all but that often.
 */
class ContentPool {
  private readonly pool: Uint8Array;

  constructor(seed: number, maxSize: number) {
    this.pool = derivedBytes(POOL_OFFSETS + Math.max(maxSize, MAX_PATCH), seed, 0x706f6f6c);
  }

  bytes(length: number, ...key: number[]): Uint8Array {
    let h = 0x811c9dc5;
    for (const k of key) h = Math.imul(h ^ (k >>> 0), 0x01000193) >>> 0;
    const at = (h ^ (h >>> 16)) & (POOL_OFFSETS - 1);
    return this.pool.slice(at, at + length);
  }
}

export class Workload {
  readonly config: WorkloadConfig;
  ops = 0;
  failed = 0;
  /** Of the failed operations, those that failed with EIO (the disk failed them): accounted for, not lost. */
  eio = 0;
  /** Operations cut short because their thread was killed. */
  killed = 0;
  readonly failures: string[] = [];
  /** Files whose content is indeterminate (see the header), until a whole-file write or unlink of them succeeds. */
  private readonly indeterminate = new Set<string>();
  private readonly expected = new Map<string, Uint8Array>();
  private content: ContentPool | null = null;
  private readonly threads: Thread[] = [];
  private stopping = false;
  startedAt = 0;
  stoppedAt: number | null = null;

  constructor(
    private readonly k: Executive,
    config: Partial<WorkloadConfig> = {},
  ) {
    this.config = { ...DEFAULT_WORKLOAD, ...config };
    checkWorkloadConfig(this.config);
  }

  get running(): boolean {
    return this.threads.some((t) => t.state !== 'exited');
  }

  /** Start the worker threads. */
  start(): void {
    this.startedAt = this.k.now;
    for (let t = 0; t < this.config.threads; t++) {
      this.threads.push(this.k.spawnUser(`work${t}`, (sys) => this.worker(sys, t)));
    }
  }

  /** The report of the last verify, or null before one has completed. */
  verified: VerifyReport | null = null;

  /** Ask every worker to stop after its current operation and run until they have. */
  stop(maxCycles = 100_000_000): void {
    this.requestStop();
    this.finish(maxCycles);
  }

  /** Ask every worker to stop after its current operation (the console then runs the machine until they have). */
  requestStop(): void {
    this.stopping = true;
  }

  /** Run until every worker has exited by itself (a bounded workload: opsPerThread); `waited`: cycles the caller already ran them for. */
  finish(maxCycles = 100_000_000, waited = 0): void {
    if (!this.k.runUntil(() => !this.running, maxCycles)) {
      const stuck = this.threads.filter((t) => t.state !== 'exited').map((t) => `${t.tid} (${t.waitChannel ?? t.state})`);
      throw err('ETIMEDOUT', `workload threads did not stop within ${maxCycles + waited} cycles: ${stuck.join(', ')}`, 'ps shows what they wait on (a hung disk request: fault disk0 clear releases it, kill TID ends its thread); then workload stop again');
    }
    this.stoppedAt = this.k.now;
  }

  /** Read every file back through syscalls and compare every byte. */
  verify(maxCycles = 500_000_000): VerifyReport {
    const v = this.startVerify();
    this.k.runThread(v.thread, maxCycles);
    return v.report();
  }

  /** Start the verifier thread; `report()` once it has exited. */
  startVerify(): { thread: Thread; report: () => VerifyReport } {
    const mismatches: string[] = [];
    const indeterminate: string[] = [];
    let bytes = 0;
    const memory: CheckerMemory = { threads: this.config.threads, dir: (t) => this.dir(t), expected: this.expected, indeterminate: this.indeterminate };
    const thread = this.k.spawnUser('verify', (sys) => verifyFiles(sys, memory, mismatches, (n) => (bytes += n), indeterminate));
    return { thread, report: () => (this.verified = { files: this.expected.size - [...this.expected.keys()].filter((p) => this.indeterminate.has(p)).length, bytes, mismatches, indeterminate }) };
  }

  /** Failed operations that are not accounted for by a disk fault: what `workload stop` fails on, with wrong bytes. */
  get lost(): number {
    return this.failed - this.eio;
  }

  private dir(t: number): string {
    return `${this.config.root}/w${t}`;
  }

  private *worker(sys: Sys, t: number): KGen<void> {
    const content = (this.content ??= new ContentPool(this.config.seed, this.config.maxSize));
    const rng = new Rng(this.config.seed).fork(t + 1);
    const dir = this.dir(t);
    let generation = 0;
    yield* this.attempt('mkdir', dir, null, sys.mkdir(dir));
    for (let done = 0; !this.stopping && (this.config.opsPerThread === 0 || done < this.config.opsPerThread); done++) {
      if (this.config.think > 0) yield* sys.compute(rng.int(0, this.config.think));
      const i = rng.int(0, this.config.files - 1);
      const path = `${dir}/f${i}`;
      const roll = rng.int(0, 99);
      const have = this.expected.get(path);
      if (roll < 45 || !have) {
        const size = rng.int(1, this.config.maxSize);
        yield* this.attempt('write', path, path, this.writeWhole(sys, path, content.bytes(size, t, i, ++generation)));
      } else if (roll < 60) {
        const off = rng.int(0, have.length);
        const len = rng.int(1, MAX_PATCH);
        const patch = content.bytes(len, t, i, ++generation);
        yield* this.attempt('overwrite', path, path, this.overwrite(sys, path, have, off, patch), off);
      } else if (roll < 95) {
        yield* this.attempt('read', path, null, this.readBack(sys, path, have));
      } else {
        yield* this.attempt('unlink', path, path, this.remove(sys, path));
      }
    }
  }

  // The operations: generator methods, not a generator closure per operation (V8 makes a
  // prototype and a map for each new generator function it runs; they die at the next
  // full collection, and with them the optimized code that had seen them).

  private *writeWhole(sys: Sys, path: string, data: Uint8Array): KGen<void> {
    yield* sys.writeFile(path, data);
    this.expected.set(path, data);
    this.indeterminate.delete(path); // the whole file is known again
  }

  private *overwrite(sys: Sys, path: string, have: Uint8Array, off: number, patch: Uint8Array): KGen<void> {
    const fd = yield* sys.open(path, O_WRONLY | O_CREAT);
    yield* sys.lseek(fd, off);
    yield* sys.write(fd, patch);
    yield* sys.close(fd);
    const next = new Uint8Array(Math.max(have.length, off + patch.length));
    next.set(have);
    next.set(patch, off);
    this.expected.set(path, next);
  }

  private *readBack(sys: Sys, path: string, have: Uint8Array): KGen<void> {
    const got = yield* sys.readFile(path);
    const bad = this.indeterminate.has(path) ? null : firstDifference(got, have);
    if (bad !== null) throw new Error(`read ${path}: ${bad}`);
  }

  private *remove(sys: Sys, path: string): KGen<void> {
    yield* sys.unlink(path);
    this.expected.delete(path);
    this.indeterminate.delete(path);
  }

  /**
   * Run one operation; count it, and count and keep its failure if it fails.
   * `changes`: the file it changes, which an EIO or a kill leaves
   * indeterminate. A kill returns from the thread's generator, so only the
   * `finally` here sees it.
   */
  private *attempt(verb: string, path: string, changes: string | null, op: KGen<void>, at?: number): KGen<void> {
    let ended = false;
    const oopses = this.k.stats.oopses;
    try {
      yield* op;
      ended = true;
      this.ops++;
    } catch (e) {
      ended = true;
      this.ops++;
      this.failed++;
      // An EIO with an oops meanwhile is a bug in kernel code (the syscall entry turns one into EIO), not the disk: lost.
      if (isKernelError(e) && e.errno === 'EIO' && this.k.stats.oopses === oopses) {
        this.eio++;
        if (changes) this.indeterminate.add(changes);
      }
      if (this.failures.length < MAX_FAILURES_KEPT) {
        const what = `${verb} ${path}${at === undefined ? '' : `@${at}`}`;
        this.failures.push(`${what}: ${isKernelError(e) ? e.describe() : e instanceof Error ? e.message : String(e)}`);
      }
    } finally {
      if (!ended) {
        this.killed++;
        if (changes) this.indeterminate.add(changes);
      }
    }
  }
}
