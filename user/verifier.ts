// The workload's verifier: once the workers have stopped, a user thread
// reads every file back through syscalls and compares every byte with what
// the workload's record says it must hold, and checks that each directory
// lists exactly the expected files. Indeterminate files (user/workload.ts's
// header says which) are read back but not compared, and may or may not be
// listed. Like the workload, this is user space: it reaches the kernel only
// through `Sys`.

import { isKernelError } from '../exec/errno.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';

export interface VerifyReport {
  readonly files: number;
  readonly bytes: number;
  readonly mismatches: readonly string[];
  /** Files read back but not compared: indeterminate after an operation that failed with EIO or was killed. */
  readonly indeterminate: readonly string[];
}

/** What the verifier reads of the workload: the checker's memory of what it wrote. */
export interface CheckerMemory {
  /** How many worker threads there were; worker `t` owns directory `dir(t)`. */
  readonly threads: number;
  dir(t: number): string;
  /** What every file must hold, by path. */
  readonly expected: ReadonlyMap<string, Uint8Array>;
  /** Files whose content is indeterminate. */
  readonly indeterminate: ReadonlySet<string>;
}

/**
 * Check every worker's directory listing and every file's bytes against
 * `memory`; what differs goes to `mismatches`, the bytes read to `count`,
 * the indeterminate files (read back, not compared) to `unsure`.
 */
export function* verifyFiles(sys: Sys, memory: CheckerMemory, mismatches: string[], count: (n: number) => void, unsure: string[]): KGen<void> {
  const known = (p: string) => !memory.indeterminate.has(p);
  for (let t = 0; t < memory.threads; t++) {
    const dir = memory.dir(t);
    const mine = (p: string) => p.startsWith(dir + '/');
    const want = [...memory.expected.keys()].filter((p) => mine(p) && known(p)).map((p) => p.slice(dir.length + 1)).sort();
    let names: string[] = [];
    try {
      names = yield* sys.readdir(dir);
    } catch (e) {
      mismatches.push(`readdir ${dir}: ${isKernelError(e) ? e.describe() : String(e)}`);
    }
    names = names.filter((n) => known(`${dir}/${n}`)); // an indeterminate file may or may not be there
    if (names.join('/') !== want.join('/')) mismatches.push(`${dir} lists [${names.join(' ')}], expected [${want.join(' ')}]`);
  }
  for (const [path, want] of [...memory.expected].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!known(path)) continue;
    try {
      const got = yield* sys.readFile(path);
      const bad = firstDifference(got, want);
      if (bad !== null) mismatches.push(`${path}: ${bad}`);
      count(got.length);
    } catch (e) {
      mismatches.push(`${path}: ${isKernelError(e) ? e.describe() : String(e)}`);
    }
  }
  for (const path of [...memory.indeterminate].sort()) {
    unsure.push(path);
    try {
      yield* sys.readFile(path); // it must still read (or be gone), whatever it holds
    } catch (e) {
      if (!isKernelError(e) || e.errno !== 'ENOENT') mismatches.push(`${path} (indeterminate): ${isKernelError(e) ? e.describe() : String(e)}`);
    }
  }
}

/** Null when equal, otherwise where the first difference is. */
export function firstDifference(got: Uint8Array, want: Uint8Array): string | null {
  if (got.length !== want.length) return `${got.length} bytes, expected ${want.length}`;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `byte ${i} is ${got[i]}, expected ${want[i]}`;
  return null;
}
