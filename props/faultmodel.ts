// The reference model with disk faults: what the fault property tests
// (props/faults.props.test.ts) compare a kernel's results against while bad
// sectors come and go. The model still knows nothing of blocks, so it cannot
// say which operation will meet a bad sector; the kernel's result says which
// did, and the model accepts EIO only where it could be true: from an
// operation that reaches the disk (a read of a non-empty file, a write, an
// overwrite of some bytes) while a sector was failing. Such an operation's
// effect is then what the filesystems really do on EIO (read through the
// code of simplefs 1.x/2.x and the twin's Inode classes):
//
// - a read changes nothing;
// - a write leaves the file's size as it was, and each byte it would have
//   changed inside the old size may hold the old or the new value (the
//   blocks before the failing one were written, the rest were not): those
//   bytes are *unsure* until a later write or overwrite covers them, or a
//   read shows what they hold (which must be one of the two);
// - an overwrite (open with O_TRUNC, then one write) leaves the file empty:
//   the truncate was done before the write failed.
//
// Every other result must be exactly the plain model's.

import type { Errno } from '../exec/errno.js';
import type { Executive } from '../exec/executive.js';
import type { Sys } from '../exec/abi.js';
import type { KGen, Thread } from '../exec/thread.js';
import { applyToKernel, dataOf, digest, type FsOp, FsModel } from './fsmodel.js';

/** Whether sectors fail now, and how many times they have been made to: set by the test, read around each operation. */
export interface FaultWindow {
  bad: boolean;
  generation: number;
}

/** One operation's result on a kernel: the result string, a read's bytes, and whether a sector failed at some moment while it ran. */
export interface FaultyResult {
  readonly res: string;
  readonly bytes?: Uint8Array;
  readonly underBadSectors: boolean;
}

/** What a model run saw: EIO results it accepted, and reads that settled bytes a failed write left unsure. */
export interface FaultTally {
  eioReads: number;
  eioWrites: number;
  unsureReads: number;
}

export class FaultModel extends FsModel {
  /** Per file: byte offset -> the values that byte may hold besides the one in the file's data. */
  private readonly unsure = new Map<string, Map<number, Set<number>>>();

  constructor(private readonly tally: FaultTally) {
    super();
  }

  /**
   * The result the model expects for `o`, given what the kernel returned
   * (equal to `got.res` when the two agree), with `o`'s effect applied.
   */
  expect(o: FsOp, got: FaultyResult): string {
    if (got.res === 'err:EIO' && got.underBadSectors && this.reachesDisk(o)) {
      this.failed(o);
      return got.res;
    }
    const unsure = this.unsure.get(o.path);
    if (o.op === 'read' && unsure && got.res.startsWith('ok:')) return this.settle(o.path, unsure, got);
    const r = this.apply(o);
    if (r.startsWith('ok:')) this.covered(o);
    return r;
  }

  /** The file at `path`, if there is one. */
  private file(path: string): { data: Uint8Array } | undefined {
    const n = this.nodes.get(path);
    return n?.kind === 'file' ? n : undefined;
  }

  /** Whether `o` would succeed in the model and send a request to the disk. */
  private reachesDisk(o: FsOp): boolean {
    switch (o.op) {
      case 'read':
        return (this.file(o.path)?.data.length ?? 0) > 0;
      case 'write':
        return this.file(o.path) !== undefined;
      case 'overwrite': {
        // Its parent must be a directory (then so is every ancestor), and it must not be one itself.
        const slash = o.path.lastIndexOf('/');
        return o.len > 0 && this.nodes.get(slash < 0 ? '' : o.path.slice(0, slash))?.kind === 'dir' && this.nodes.get(o.path)?.kind !== 'dir';
      }
      default:
        return false;
    }
  }

  /** Apply what `o` really did when it failed with EIO. */
  private failed(o: FsOp): void {
    if (o.op === 'read') this.tally.eioReads++;
    else this.tally.eioWrites++;
    if (o.op === 'overwrite') {
      this.apply({ op: 'overwrite', path: o.path, len: 0, key: 0 });
      this.unsure.delete(o.path);
    } else if (o.op === 'write') {
      const { data } = this.file(o.path)!;
      const patch = dataOf(o.len, o.key);
      const unsure = this.unsure.get(o.path) ?? new Map<number, Set<number>>();
      for (let i = o.off; i < Math.min(o.off + o.len, data.length); i++) {
        if (patch[i - o.off] === data[i]) continue;
        const may = unsure.get(i) ?? new Set<number>();
        may.add(patch[i - o.off]!);
        unsure.set(i, may);
      }
      if (unsure.size > 0) this.unsure.set(o.path, unsure);
    }
  }

  /** A read of a file with unsure bytes: right if every byte is one it may hold; the file then holds what was read. */
  private settle(path: string, unsure: Map<number, Set<number>>, got: FaultyResult): string {
    const node = this.file(path)!;
    const b = got.bytes;
    const fits = b !== undefined && b.length === node.data.length && b.every((x, i) => x === node.data[i] || (unsure.get(i)?.has(x) ?? false));
    if (!fits) return `ok:${digest(node.data)} (or another of its ${unsure.size} unsure bytes)`;
    this.tally.unsureReads++;
    node.data = b.slice();
    this.unsure.delete(path);
    return got.res;
  }

  /** After `o` succeeded: the bytes it wrote, or the file it replaced or removed, are no longer unsure. */
  private covered(o: FsOp): void {
    if (o.op === 'overwrite' || o.op === 'unlink') this.unsure.delete(o.path);
    else if (o.op === 'write') {
      const unsure = this.unsure.get(o.path);
      for (let i = o.off; unsure && i < o.off + o.len; i++) unsure.delete(i);
      if (unsure?.size === 0) this.unsure.delete(o.path);
    }
  }
}

/** The model's expected results for one thread's operations and what its kernel returned. */
export function expectedResults(ops: readonly FsOp[], got: readonly FaultyResult[], tally: FaultTally): string[] {
  const model = new FaultModel(tally);
  return got.map((r, i) => model.expect(ops[i]!, r));
}

/** A whole-file read that keeps the bytes (the plain model's compares digests only). */
function* readKeepingBytes(sys: Sys, path: string): KGen<{ res: string; bytes?: Uint8Array }> {
  try {
    const bytes = yield* sys.readFile(path);
    return { res: `ok:${digest(bytes)}`, bytes };
  } catch (e) {
    const errno = (e as { errno?: Errno }).errno;
    if (!errno) throw e;
    return { res: `err:${errno}` };
  }
}

/** Start one user thread per sequence, in `/mnt/t<N>`, as startThreads does; each appends its results, with the fault window around each, to `out[t]`. */
export function startFaultyThreads(k: Executive, threads: readonly (readonly FsOp[])[], window: FaultWindow, out: FaultyResult[][], name = 'p'): Thread[] {
  return threads.map((ops, t) =>
    k.spawnUser(`${name}${t}`, function* (sys: Sys): KGen<void> {
      for (const o of ops) {
        const bad = window.bad;
        const generation = window.generation;
        const r = o.op === 'read' ? yield* readKeepingBytes(sys, `/mnt/t${t}/${o.path}`) : { res: yield* applyToKernel(sys, `/mnt/t${t}`, o) };
        out[t]!.push({ ...r, underBadSectors: bad || window.bad || window.generation !== generation });
      }
    }),
  );
}
