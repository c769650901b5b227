// The reference model of the filesystem that the property tests compare the
// kernel against: a map from relative path to a file's bytes or a directory,
// with the errno each operation must fail with. Deliberately simple: it
// knows nothing of blocks, inodes, modules or updates.

import { derivedBytes } from '../hw/rng.js';
import type { Errno } from '../exec/errno.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';
import { O_CREAT, O_WRONLY } from '../exec/abi.js';

export type FsOp =
  | { readonly op: 'create'; readonly path: string }
  | { readonly op: 'overwrite'; readonly path: string; readonly len: number; readonly key: number }
  | { readonly op: 'write'; readonly path: string; readonly off: number; readonly len: number; readonly key: number }
  | { readonly op: 'read'; readonly path: string }
  | { readonly op: 'stat'; readonly path: string }
  | { readonly op: 'unlink'; readonly path: string }
  | { readonly op: 'mkdir'; readonly path: string }
  | { readonly op: 'rmdir'; readonly path: string }
  | { readonly op: 'readdir'; readonly path: string };

/** A path's node in the model: a file's bytes or a directory. */
export type ModelNode = { readonly kind: 'file'; data: Uint8Array } | { readonly kind: 'dir' };

/** A short, exact summary of bytes (length and a 32-bit hash). */
export function digest(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return `${b.length}:${h.toString(16)}`;
}

/** The bytes an overwrite or write of `len` with `key` writes. */
export const dataOf = (len: number, key: number) => derivedBytes(len, key);

export class FsModel {
  /** Relative path -> node ('' is the root); protected for a model that adds to these semantics (props/faultmodel.ts). */
  protected readonly nodes = new Map<string, ModelNode>([['', { kind: 'dir' }]]);

  apply(o: FsOp): string {
    try {
      return `ok:${this.run(o)}`;
    } catch (e) {
      return `err:${(e as { errno: Errno }).errno}`;
    }
  }

  private fail(errno: Errno): never {
    throw { errno };
  }

  /** Walk every ancestor from the top: a missing one is ENOENT, a file used as a directory ENOTDIR. */
  private parent(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const p = this.nodes.get(parts.slice(0, i).join('/'));
      if (!p) this.fail('ENOENT');
      if (p.kind === 'file') this.fail('ENOTDIR');
    }
  }

  private children(dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    return [...this.nodes.keys()].filter((k) => k !== '' && k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map((k) => k.slice(prefix.length)).sort();
  }

  private run(o: FsOp): string {
    this.parent(o.path);
    const node = this.nodes.get(o.path);
    switch (o.op) {
      case 'create':
        if (node?.kind === 'dir') this.fail('EISDIR');
        if (!node) this.nodes.set(o.path, { kind: 'file', data: new Uint8Array(0) });
        return '';
      case 'overwrite':
        if (node?.kind === 'dir') this.fail('EISDIR');
        this.nodes.set(o.path, { kind: 'file', data: dataOf(o.len, o.key) });
        return '';
      case 'write': {
        if (!node) this.fail('ENOENT');
        if (node.kind === 'dir') this.fail('EISDIR');
        const patch = dataOf(o.len, o.key);
        const next = new Uint8Array(Math.max(node.data.length, o.off + o.len));
        next.set(node.data);
        next.set(patch, o.off);
        node.data = next;
        return String(o.len);
      }
      case 'read':
        if (!node) this.fail('ENOENT');
        if (node.kind === 'dir') this.fail('EISDIR');
        return digest(node.data);
      case 'stat':
        if (!node) this.fail('ENOENT');
        return node.kind === 'dir' ? 'dir' : `file:${node.data.length}`;
      case 'unlink':
        if (!node) this.fail('ENOENT');
        if (node.kind === 'dir') this.fail('EISDIR');
        this.nodes.delete(o.path);
        return '';
      case 'mkdir':
        if (node) this.fail('EEXIST');
        this.nodes.set(o.path, { kind: 'dir' });
        return '';
      case 'rmdir':
        if (!node) this.fail('ENOENT');
        if (node.kind === 'file') this.fail('ENOTDIR');
        if (this.children(o.path).length > 0) this.fail('ENOTEMPTY');
        this.nodes.delete(o.path);
        return '';
      case 'readdir':
        if (!node) this.fail('ENOENT');
        if (node.kind === 'file') this.fail('ENOTDIR');
        return this.children(o.path).join(',');
    }
  }
}

/** The same operation done through syscalls, under `root`; returns the same kind of result string. */
export function* applyToKernel(sys: Sys, root: string, o: FsOp): KGen<string> {
  const path = `${root}/${o.path}`;
  try {
    return `ok:${yield* kernelOp(sys, path, o)}`;
  } catch (e) {
    const errno = (e as { errno?: Errno }).errno;
    if (!errno) throw e;
    return `err:${errno}`;
  }
}

function* kernelOp(sys: Sys, path: string, o: FsOp): KGen<string> {
  switch (o.op) {
    case 'create':
      yield* sys.close(yield* sys.open(path, O_CREAT | O_WRONLY));
      return '';
    case 'overwrite':
      yield* sys.writeFile(path, dataOf(o.len, o.key));
      return '';
    case 'write': {
      const fd = yield* sys.open(path, O_WRONLY);
      try {
        yield* sys.lseek(fd, o.off);
        return String(yield* sys.write(fd, dataOf(o.len, o.key)));
      } finally {
        yield* sys.close(fd);
      }
    }
    case 'read':
      return digest(yield* sys.readFile(path));
    case 'stat': {
      const st = yield* sys.stat(path);
      return st.type === 'dir' ? 'dir' : `file:${st.size}`;
    }
    case 'unlink':
      yield* sys.unlink(path);
      return '';
    case 'mkdir':
      yield* sys.mkdir(path);
      return '';
    case 'rmdir':
      yield* sys.rmdir(path);
      return '';
    case 'readdir':
      return (yield* sys.readdir(path)).join(',');
  }
}
