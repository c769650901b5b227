// The system-call ABI both kernels offer (the procedural one in kernel/ and
// the object twin in oo/), like Linux's uapi headers: the syscall names and
// flags, the shapes of what they return, path syntax, and `Sys`, the user
// side. User threads enter a kernel only through `Sys`, whose every method
// is a syscall; the return from a syscall is a preemption point and a moment
// when the thread holds no kernel frames. The same user program (the
// workload, a property test) runs unchanged on either kernel.

import { err } from './errno.js';
import type { KGen } from './thread.js';

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const NAME_MAX = 255;
/** The first file descriptor open returns. */
export const FIRST_FD = 3;

export interface Attr {
  readonly ino: number;
  readonly type: 'file' | 'dir' | 'chr' | 'blk';
  readonly size: number;
  readonly nlink: number;
  /** Cycles of the last change of the data, where the filesystem keeps it. */
  readonly mtime?: number;
}

export interface StatFs {
  readonly blockSize: number;
  readonly blocks: number;
  readonly free: number;
  readonly files: number;
}

/** Split an absolute path into components, resolving `.` and `..`. */
export function splitPath(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/')) throw err('EINVAL', `path '${String(path)}' is not absolute`, 'paths start with /');
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else if (c.length > NAME_MAX) throw err('ENAMETOOLONG', `path component of ${c.length} characters (at most ${NAME_MAX})`);
    else out.push(c);
  }
  return out;
}

export function joinPath(parts: readonly string[]): string {
  return '/' + parts.join('/');
}

export const SYSCALLS = [
  'mount', 'umount', 'open', 'close', 'read', 'write', 'lseek', 'stat', 'mkdir', 'unlink', 'rmdir', 'readdir', 'statfs',
] as const;
export type SyscallName = (typeof SYSCALLS)[number];

/** Cycles spent entering and leaving the kernel, per syscall. */
export const SYSCALL_ENTRY_CYCLES = 150;

export interface SyscallEntry {
  syscall(name: SyscallName, args: unknown[]): KGen<unknown>;
  /** Burn `cycles` of user-space CPU time, with preemption points. */
  compute(cycles: number): KGen<void>;
}

/**
 * The syscall interface a user program is given. Errors throw KernelError.
 * Each syscall method hands back the kernel's own syscall generator rather
 * than a generator around it: a thread blocked in a syscall resumes through
 * every generator on its stack at every step, and this one did nothing.
 */
export class Sys {
  constructor(private readonly k: SyscallEntry) {}

  mount(fstype: string, dev: string, path: string): KGen<void> {
    return this.k.syscall('mount', [fstype, dev, path]) as KGen<void>;
  }
  umount(path: string): KGen<void> {
    return this.k.syscall('umount', [path]) as KGen<void>;
  }
  open(path: string, flags = 0): KGen<number> {
    return this.k.syscall('open', [path, flags]) as KGen<number>;
  }
  close(fd: number): KGen<void> {
    return this.k.syscall('close', [fd]) as KGen<void>;
  }
  read(fd: number, len: number): KGen<Uint8Array> {
    return this.k.syscall('read', [fd, len]) as KGen<Uint8Array>;
  }
  write(fd: number, data: Uint8Array): KGen<number> {
    return this.k.syscall('write', [fd, data]) as KGen<number>;
  }
  lseek(fd: number, offset: number, whence = 0): KGen<number> {
    return this.k.syscall('lseek', [fd, offset, whence]) as KGen<number>;
  }
  stat(path: string): KGen<Attr> {
    return this.k.syscall('stat', [path]) as KGen<Attr>;
  }
  mkdir(path: string): KGen<void> {
    return this.k.syscall('mkdir', [path]) as KGen<void>;
  }
  unlink(path: string): KGen<void> {
    return this.k.syscall('unlink', [path]) as KGen<void>;
  }
  rmdir(path: string): KGen<void> {
    return this.k.syscall('rmdir', [path]) as KGen<void>;
  }
  readdir(path: string): KGen<string[]> {
    return this.k.syscall('readdir', [path]) as KGen<string[]>;
  }
  statfs(path: string): KGen<StatFs> {
    return this.k.syscall('statfs', [path]) as KGen<StatFs>;
  }

  /** User-space computation of `cycles` (not a syscall: it never enters the kernel). */
  compute(cycles: number): KGen<void> {
    return this.k.compute(cycles);
  }

  /** Read a whole file from the start (a library routine, not a syscall). */
  *readFile(path: string, chunk = 4096): KGen<Uint8Array> {
    const fd = yield* this.open(path);
    try {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const d = yield* this.read(fd, chunk);
        if (d.length === 0) break;
        parts.push(d);
        total += d.length;
      }
      const out = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        out.set(p, off);
        off += p.length;
      }
      return out;
    } finally {
      yield* this.close(fd);
    }
  }

  /** Create or truncate `path` and write `data` to it (a library routine). */
  *writeFile(path: string, data: Uint8Array): KGen<void> {
    const fd = yield* this.open(path, 0o1 | 0o100 | 0o1000);
    try {
      let off = 0;
      while (off < data.length) off += yield* this.write(fd, data.subarray(off));
    } finally {
      yield* this.close(fd);
    }
  }
}
