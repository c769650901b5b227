// File syscalls and their errno semantics on the procedural kernel, through
// simplefs, and what the kernel does with an ops table that returns
// something its callers cannot use (an oops, never a raw JavaScript error),
// and that the result of a plain operation keeps its V8 map alive.

import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { bootWithModules, DEFAULT_MODULES } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import type { Errno } from '../exec/errno.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';
import { O_APPEND, O_CREAT, O_RDONLY, O_WRONLY, SEEK_END } from '../exec/abi.js';
import { moduleFilesystems } from './filesystems.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function mounted() {
  const k = await bootWithModules(DEFAULT_MODULES, { seed: 2 });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return k;
}

/** The errno a syscall sequence fails with, or 'ok'. */
function* errnoOf(op: KGen<unknown>): KGen<Errno | 'ok'> {
  try {
    yield* op;
    return 'ok';
  } catch (e) {
    return (e as { errno: Errno }).errno;
  }
}

describe('VFS syscalls', () => {
  it('report the POSIX errno for each misuse', async () => {
    const k = await mounted();
    const got = runProgram<Record<string, string>>(k, 't', function* (sys: Sys) {
      yield* sys.mkdir('/mnt/d');
      yield* sys.writeFile('/mnt/d/f', enc('data'));
      const r: Record<string, string> = {};
      r.openMissing = yield* errnoOf(sys.open('/mnt/nope'));
      r.mkdirExists = yield* errnoOf(sys.mkdir('/mnt/d'));
      r.unlinkDir = yield* errnoOf(sys.unlink('/mnt/d'));
      r.rmdirNotEmpty = yield* errnoOf(sys.rmdir('/mnt/d'));
      r.rmdirFile = yield* errnoOf(sys.rmdir('/mnt/d/f'));
      r.lookupThroughFile = yield* errnoOf(sys.stat('/mnt/d/f/x'));
      r.writeDir = yield* errnoOf(sys.open('/mnt/d', O_WRONLY));
      r.badFd = yield* errnoOf(sys.read(99, 1));
      const ro = yield* sys.open('/mnt/d/f', O_RDONLY);
      r.writeReadOnly = yield* errnoOf(sys.write(ro, enc('x')));
      yield* sys.close(ro);
      r.closeTwice = yield* errnoOf(sys.close(ro));
      r.relative = yield* errnoOf(sys.stat('mnt'));
      r.mountBusy = yield* errnoOf(sys.mount('simplefs', 'disk0', '/mnt'));
      r.noFs = yield* errnoOf(sys.mount('ext4', 'disk0', '/'));
      r.noFsType = yield* errnoOf(sys.mount('ext4', 'disk0', '/dev'));
      r.createInRoot = yield* errnoOf(sys.open('/file', O_CREAT | O_WRONLY));
      r.umountBusy = yield* errnoOf(
        (function* () {
          const fd = yield* sys.open('/mnt/d/f');
          try {
            yield* sys.umount('/mnt');
          } finally {
            yield* sys.close(fd);
          }
        })(),
      );
      return r;
    });
    expect(got).toEqual({
      openMissing: 'ENOENT',
      mkdirExists: 'EEXIST',
      unlinkDir: 'EISDIR',
      rmdirNotEmpty: 'ENOTEMPTY',
      rmdirFile: 'ENOTDIR',
      lookupThroughFile: 'ENOTDIR',
      writeDir: 'EISDIR',
      badFd: 'EBADF',
      writeReadOnly: 'EBADF',
      closeTwice: 'EBADF',
      relative: 'EINVAL',
      mountBusy: 'EBUSY',
      noFs: 'EINVAL',
      noFsType: 'EINVAL',
      createInRoot: 'EPERM',
      umountBusy: 'EBUSY',
    });
    expect(k.stats.syscallErrors).toBeGreaterThanOrEqual(16);
  });

  it('appends, seeks from the end, truncates on open, and lists directories sorted', async () => {
    const k = await mounted();
    const got = runProgram<{ text: string; end: number; names: string[]; root: string[]; dev: string[] }>(k, 't', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/b', enc('12345'));
      const fd = yield* sys.open('/mnt/b', O_WRONLY | O_APPEND);
      yield* sys.write(fd, enc('678'));
      const end = yield* sys.lseek(fd, 0, SEEK_END);
      yield* sys.close(fd);
      yield* sys.writeFile('/mnt/a', enc('x'));
      yield* sys.writeFile('/mnt/a', enc('y')); // O_TRUNC
      const a = new TextDecoder().decode(yield* sys.readFile('/mnt/a'));
      const b = new TextDecoder().decode(yield* sys.readFile('/mnt/b'));
      return { text: `${a}|${b}`, end, names: yield* sys.readdir('/mnt'), root: yield* sys.readdir('/'), dev: yield* sys.readdir('/dev') };
    });
    expect(got).toEqual({ text: 'y|12345678', end: 8, names: ['a', 'b'], root: ['dev', 'mnt'], dev: ['disk0', 'kmsg'] });
  });

  it('reports ENOSPC when the disk is full and frees blocks on unlink', async () => {
    const k = await bootWithModules(['blkdev', 'simplefs@2.1.0'], { seed: 2, diskSectors: 64 }); // 2.1: no journal area
    const got = runProgram<string[]>(k, 't', function* (sys: Sys) {
      yield* sys.mount('simplefs', 'disk0', '/mnt');
      const out: string[] = [];
      out.push(yield* errnoOf(sys.writeFile('/mnt/big', new Uint8Array(63 * 512)))); // 63 free blocks
      out.push(yield* errnoOf(sys.writeFile('/mnt/more', new Uint8Array(1))));
      yield* sys.unlink('/mnt/big');
      out.push(yield* errnoOf(sys.writeFile('/mnt/more', new Uint8Array(1))));
      return out;
    });
    expect(got).toEqual(['ok', 'ENOSPC', 'ok']);
  });
});

describe('an op that returns what its contract does not allow', () => {
  // Regression: a chrdev read returning a number reached the caller as undefined data, and the
  // console showed `EINVAL: Cannot read properties of undefined (reading 'length')`, uncounted.
  it('is a bug in its module: the syscall fails with EIO, counted, with an oops naming the op in the log', async () => {
    const k = await bootWithModules(['kmsg', 'blkdev'], { seed: 2 });
    k.loader.insmod({
      name: 'badops', version: '1.0.0', description: 'ops that return the wrong things',
      ops: {
        'chrdev:badchr': { read: () => 42, write: () => 'all of it' },
        'fs:badfs': { mount: () => ({ root: 1 }) },
        // A blocking op: its result is checked when the stub's call ends, after the sleep.
        'fs:slowbadfs': {
          *mount(m: { k: { sleep(c: number): KGen<void> } }) {
            yield* m.k.sleep(100);
            return 'root';
          },
        },
      },
    });
    const before = { ...k.stats };
    const got = runProgram<Record<string, string>>(k, 't', function* (sys: Sys) {
      const fd = yield* sys.open('/dev/badchr', 2);
      return {
        read: yield* errnoOf(sys.read(fd, 10)),
        write: yield* errnoOf(sys.write(fd, enc('x'))),
        cat: yield* errnoOf(sys.readFile('/dev/badchr')),
        mount: yield* errnoOf(sys.mount('badfs', 'disk0', '/mnt')),
        slowMount: yield* errnoOf(sys.mount('slowbadfs', 'disk0', '/mnt')),
      };
    });
    expect(got).toEqual({ read: 'EIO', write: 'EIO', cat: 'EIO', mount: 'EIO', slowMount: 'EIO' });
    expect(k.stats.oopses - before.oopses).toBe(5);
    expect(k.stats.syscallErrors - before.syscallErrors).toBe(5);
    const log = new TextDecoder().decode(runProgram<Uint8Array>(k, 'dmesg', (sys: Sys) => sys.readFile('/dev/kmsg'))).split('\n');
    const oopses = log.filter((l) => l.includes('oops in syscall'));
    expect(oopses).toHaveLength(5);
    expect(oopses[0]).toMatch(/oops in syscall read of thread \d+ \(t\): chrdev:badchr\.read of badops returned 42, not \{ data: Uint8Array, pos: number \}$/);
    expect(oopses[1]).toMatch(/chrdev:badchr\.write of badops returned 'all of it', not a count of bytes$/);
    expect(oopses[3]).toMatch(/fs:badfs\.mount of badops returned an object \{ root \}, not an inode number$/);
    expect(oopses[4]).toMatch(/fs:slowbadfs\.mount of badops returned 'root', not an inode number$/);
  });
});

describe('what a plain operation returns', () => {
  // Regression (issue 14): every such result died within its call, so each full garbage collection
  // freed its class's map and threw away the optimized code of the VFS functions that had built or
  // checked one ("weak objects" deopts), ~20% of the procedural kernel's instructions per syscall.
  it("has the map of the class's long-lived instance, which keeps that map alive", async () => {
    setFlagsFromString('--allow-natives-syntax');
    const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: unknown, b: unknown) => boolean;
    const k = await mounted();
    const fs = moduleFilesystems(k.ops, k.loader).filesystem('simplefs')!;
    const results = [fs.statfs('disk0'), fs.getattr('disk0', 1)];
    const kept: unknown = (Object.getPrototypeOf(results[0]) as { constructor: { mapAnchor?: unknown } }).constructor.mapAnchor;
    expect(kept).toBeDefined();
    for (const r of results) {
      expect(r.next().done).toBe(true);
      expect(haveSameMap(r, kept)).toBe(true);
    }
    expect(haveSameMap({ result: { done: true, value: 0 } }, kept)).toBe(false);
  });
});
