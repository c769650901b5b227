// What a run of livemod check ends with that a cold restart can be compared
// on (the same-as-restart oracle): the tree under /mnt with a hash of every
// file, the module versions, the record schemas and the records still
// behind them, the adaptor slots, and the free space statfs reports.

import type { Sys } from '../exec/abi.js';
import { isKernelError } from '../exec/errno.js';
import { runProgram } from '../exec/executive.js';
import type { KGen } from '../exec/thread.js';
import type { Kernel } from '../kernel/kernel.js';

/** What can be compared with a cold restart of the new versions. */
export interface Facts {
  /** Every file under /mnt: path, size and a hash of its bytes. */
  readonly tree: readonly string[];
  readonly versions: readonly string[];
  /** `module/table schema`, for every record table. */
  readonly schemas: readonly string[];
  /** `module/table N`: records not yet at their table's schema (lazy migration). */
  readonly behind: readonly string[];
  /** Adaptor slots (an old interface served through a newer version's compat). */
  readonly adaptors: readonly string[];
  /** Free blocks and files of /mnt, when the filesystem has statfs. */
  readonly space: string | null;
}

/** FNV-1a over bytes, as a short hex string (to compare file contents). */
function hashBytes(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function* walk(sys: Sys, dir: string, out: string[]): KGen<void> {
  for (const name of yield* sys.readdir(dir)) {
    const path = `${dir}/${name}`;
    const st = yield* sys.stat(path);
    if (st.type === 'dir') {
      out.push(`${path}/`);
      yield* walk(sys, path, out);
    } else out.push(`${path} ${st.size} ${hashBytes(yield* sys.readFile(path))}`);
  }
}

/** Records of each table not yet at its schema, before anything reads them back. */
export function recordsBehind(k: Kernel): string[] {
  const behind: string[] = [];
  for (const m of k.loader.list()) {
    for (const t of Object.keys(m.def.records ?? {})) {
      const n = k.store.recordsBehind(m.name, t);
      if (n > 0) behind.push(`${m.name}/${t} ${n}`);
    }
  }
  return behind;
}

/**
 * The facts of a machine at the end of a run (read through syscalls and the
 * kernel's tables). `behind` is taken by the caller before the verifier and
 * the tree walk read every file (which migrates lazily kept records).
 */
export function factsOf(k: Kernel, behind: readonly string[]): Facts {
  const tree = runProgram<string[]>(k, 'check:tree', function* (sys: Sys): KGen<string[]> {
    const out: string[] = [];
    yield* walk(sys, '/mnt', out);
    return out;
  });
  const space = runProgram<string | null>(k, 'check:statfs', function* (sys: Sys): KGen<string | null> {
    try {
      const st = yield* sys.statfs('/mnt');
      return `${st.free} free blocks of ${st.blocks}, ${st.files} files`;
    } catch (e) {
      if (isKernelError(e) && e.errno === 'ENOSYS') return null;
      throw e;
    }
  });
  const schemas: string[] = [];
  const adaptors: string[] = [];
  for (const m of k.loader.list()) {
    for (const t of Object.keys(m.def.records ?? {})) schemas.push(`${m.name}/${t} ${k.store.schemaOf(m.name, t)}`);
    for (const [key, slot] of m.exports) if (slot.adaptor) adaptors.push(`${m.name}:${key}`);
  }
  return { tree, versions: k.loader.list().map((m) => `${m.name}@${m.def.version}`), schemas, behind, adaptors, space };
}
