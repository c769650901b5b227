// Unit tests of the VFS (exec/vfs.ts) through syscalls. Most run the VFS
// alone: a minimal Executive whose syscall table is the Vfs, over an in-test
// backend with a memory filesystem (`memfs`), two block devices and a
// character device, which counts pins. They check the VFS's own semantics
// (open flags, offsets, the root namespace, mounts, descriptors, pins,
// device files) rather than those of a filesystem. The last block checks the
// pins on real modules, booted from the catalog with simplefs on disk0.

import { describe, expect, it } from 'vitest';
import { bootWithModules, DEFAULT_MODULES } from '../catalog/boot.js';
import { Machine } from '../hw/machine.js';
import { SECTOR_SIZE } from '../hw/disk.js';
import {
  type Attr, FIRST_FD, O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, type Sys, type SyscallName,
} from './abi.js';
import { type Errno, err, isKernelError } from './errno.js';
import { Executive, runProgram, type SyscallImpl } from './executive.js';
import type { Scheduler } from './sched.js';
import type { KGen, Thread } from './thread.js';
import type { DeviceNode, FsDriver, VfsBackend } from './vfs-backend.js';
import { Vfs } from './vfs.js';
import type { FsOpName } from './fsops.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The errno an operation fails with, or 'ok'. */
function* errnoOf(op: KGen<unknown>): KGen<Errno | 'ok'> {
  try {
    yield* op;
    return 'ok';
  } catch (e) {
    if (!isKernelError(e)) throw e;
    return e.errno;
  }
}

interface Inode {
  readonly type: 'file' | 'dir';
  data: Uint8Array;
  readonly children: Map<string, number>;
}

/**
 * A memory filesystem with the operations of the contract (fsops.ts). Each
 * device keeps its tree across mounts. An operation on a device that is not
 * mounted is a bug in the caller (a plain Error, so an oops).
 */
class MemFs {
  private readonly volumes = new Map<string, Map<number, Inode>>();
  private readonly mounted = new Set<string>();
  private nextIno = 2;
  /** Operations called, in order, with the device. */
  readonly calls: string[] = [];
  /** The next mount fails with this errno. */
  failMount: Errno | null = null;
  /** Operation `op` throws `error` (an errno, or a bug in the filesystem). */
  fault: { op: string; error: unknown } | null = null;
  /** Operation `op` sleeps `cycles` before it does anything (a blocking filesystem). */
  delay: { op: string; cycles: number } | null = null;

  constructor(private readonly sched: Scheduler) {}

  driver(): FsDriver {
    // Each typed operation of the contract goes to the one dispatcher below.
    const op = <K extends FsOpName>(name: K) => ((...args: unknown[]) => this.call(name, args)) as unknown as FsDriver[K];
    return {
      owner: 'memfs',
      mount: op('mount'),
      umount: op('umount'),
      lookup: op('lookup'),
      create: op('create'),
      unlink: op('unlink'),
      rmdir: op('rmdir'),
      getattr: op('getattr'),
      readdir: op('readdir'),
      read: op('read'),
      write: op('write'),
      truncate: op('truncate'),
      statfs: op('statfs'),
    };
  }

  private *call(op: string, args: readonly unknown[]): KGen<unknown> {
    const [dev, ...a] = args as [string, ...unknown[]];
    this.calls.push(`${op}:${dev}`);
    this.sched.work(100);
    if (this.delay?.op === op) yield* this.sched.sleep(this.delay.cycles);
    if (this.fault?.op === op) throw this.fault.error;
    if (op === 'mount') {
      if (this.failMount) throw err(this.failMount, 'mount failed');
      if (!this.volumes.has(dev)) this.volumes.set(dev, new Map([[1, { type: 'dir', data: new Uint8Array(0), children: new Map() }]]));
      this.mounted.add(dev);
      return 1;
    }
    if (!this.mounted.has(dev)) throw new Error(`memfs: ${op} on ${dev}, which is not mounted`);
    const vol = this.volumes.get(dev)!;
    const node = (ino: unknown): Inode => vol.get(ino as number) ?? (() => { throw new Error(`memfs: no inode ${String(ino)}`); })();
    const dir = (ino: unknown): Inode => {
      const d = node(ino);
      if (d.type !== 'dir') throw err('ENOTDIR', 'not a directory');
      return d;
    };
    const child = (ino: unknown, name: unknown): number => {
      const c = dir(ino).children.get(name as string);
      if (c === undefined) throw err('ENOENT', `no ${String(name)}`);
      return c;
    };
    switch (op) {
      case 'umount':
        this.mounted.delete(dev);
        return undefined;
      case 'lookup':
        return child(a[0], a[1]);
      case 'create': {
        const d = dir(a[0]);
        if (d.children.has(a[1] as string)) throw err('EEXIST', `${String(a[1])} exists`);
        const ino = this.nextIno++;
        vol.set(ino, { type: a[2] as 'file' | 'dir', data: new Uint8Array(0), children: new Map() });
        d.children.set(a[1] as string, ino);
        return ino;
      }
      case 'unlink': {
        const ino = child(a[0], a[1]);
        if (node(ino).type === 'dir') throw err('EISDIR', 'is a directory');
        dir(a[0]).children.delete(a[1] as string);
        vol.delete(ino);
        return undefined;
      }
      case 'rmdir': {
        const ino = child(a[0], a[1]);
        if (dir(ino).children.size > 0) throw err('ENOTEMPTY', 'not empty');
        dir(a[0]).children.delete(a[1] as string);
        vol.delete(ino);
        return undefined;
      }
      case 'getattr': {
        const n = node(a[0]);
        return { ino: a[0] as number, type: n.type, size: n.data.length, nlink: 1 } satisfies Attr;
      }
      case 'readdir':
        return [...dir(a[0]).children.keys()].sort();
      case 'read': {
        const [ino, off, len] = a as [number, number, number];
        return node(ino).data.slice(off, off + len);
      }
      case 'write': {
        const [ino, off, bytes] = a as [number, number, Uint8Array];
        const n = node(ino);
        if (off + bytes.length > n.data.length) {
          const grown = new Uint8Array(off + bytes.length);
          grown.set(n.data);
          n.data = grown;
        }
        n.data.set(bytes, off);
        return bytes.length;
      }
      case 'truncate': {
        const [ino, size] = a as [number, number];
        const n = node(ino);
        const out = new Uint8Array(size);
        out.set(n.data.subarray(0, size));
        n.data = out;
        return undefined;
      }
      case 'statfs':
        return { blockSize: 512, blocks: 100, free: 100 - vol.size, files: vol.size };
      default:
        throw new Error(`memfs: no operation ${op}`);
    }
  }
}

/** The smallest kernel: the Vfs is its syscall table, and it releases a finished thread's files. */
class VfsExecutive extends Executive {
  readonly vfs: Vfs;
  readonly dmesg: string[] = [];
  constructor(machine: Machine, backend: (sched: Scheduler) => VfsBackend) {
    super(machine);
    this.vfs = new Vfs(backend(this.sched), this.sched, this.hooks.syscallReturn);
  }
  protected syscallImpl(name: SyscallName): SyscallImpl | undefined {
    const impl = this.vfs[name] as (...a: unknown[]) => KGen<unknown>;
    return (...args) => impl.apply(this.vfs, args);
  }
  printk(text: string): void {
    this.dmesg.push(text);
  }
  protected releaseThread(t: Thread): void {
    this.vfs.releaseThread(t);
  }
}

function blockDevice(sectors: number): DeviceNode & { kind: 'blk' } & { data: Uint8Array } {
  const data = new Uint8Array(sectors * SECTOR_SIZE);
  return {
    kind: 'blk',
    owner: 'blkdrv',
    data,
    capacity: () => sectors,
    *submit(op, sector, buf) {
      if (op === 'read') buf.set(data.subarray(sector * SECTOR_SIZE, (sector + 1) * SECTOR_SIZE));
      else data.set(buf, sector * SECTOR_SIZE);
    },
  };
}

/** A VFS over memfs, block devices disk0 and disk1 (8 sectors each) and a character device tty. */
function world(cpus = 1) {
  const pins = new Map<string, number>();
  let fs!: MemFs;
  const disk0 = blockDevice(8);
  const ttyOut: string[] = [];
  const ttyIn = enc('typed at the console');
  const tty: DeviceNode = {
    kind: 'chr',
    owner: 'ttydrv',
    *read(pos, len) {
      const data = ttyIn.slice(pos, pos + len);
      return { data, pos: pos + data.length };
    },
    *write(data) {
      ttyOut.push(dec(data));
      return data.length;
    },
  };
  const devices: Record<string, DeviceNode> = { tty, disk1: blockDevice(8), disk0 };
  function backend(sched: Scheduler): VfsBackend {
    fs = new MemFs(sched);
    return {
      filesystem: (t) => (t === 'memfs' ? fs.driver() : undefined),
      device: (name) => devices[name],
      deviceNames: () => Object.keys(devices),
      missing: { fs: (t) => `load ${t}`, dev: 'load a block driver' },
      pin: (o) => pins.set(o, (pins.get(o) ?? 0) + 1),
      unpin: (o) => pins.set(o, (pins.get(o) ?? 0) - 1),
    };
  }
  const k = new VfsExecutive(new Machine({ seed: 5, cpus }), backend);
  const pinned = () => Object.fromEntries([...pins].filter(([, n]) => n !== 0));
  const run = <T>(program: (sys: Sys) => KGen<T>): T => runProgram<T>(k, 'test', program);
  return { k, fs, pinned, disk0, ttyOut, run };
}

/** A world with memfs mounted on /mnt. */
function mounted() {
  const w = world();
  w.run(function* (sys) {
    yield* sys.mount('memfs', 'disk0', '/mnt');
  });
  return w;
}

describe('open flags', () => {
  it('creates with O_CREAT, opens an existing file with O_CREAT without truncating, and fails with ENOENT without it', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      const missing = yield* errnoOf(sys.open('/mnt/f'));
      const fd = yield* sys.open('/mnt/f', O_CREAT | O_WRONLY);
      yield* sys.write(fd, enc('hello'));
      yield* sys.close(fd);
      const again = yield* sys.open('/mnt/f', O_CREAT | O_RDWR);
      const text = dec(yield* sys.read(again, 100));
      yield* sys.close(again);
      return { missing, text, names: yield* sys.readdir('/mnt') };
    });
    expect(got).toEqual({ missing: 'ENOENT', text: 'hello', names: ['f'] });
    expect(w.fs.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
  });

  it('truncates with O_TRUNC when opening for writing', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('0123456789'));
      const fd = yield* sys.open('/mnt/f', O_WRONLY | O_TRUNC);
      const size = (yield* sys.stat('/mnt/f')).size;
      yield* sys.write(fd, enc('ab'));
      yield* sys.close(fd);
      return { size, text: dec(yield* sys.readFile('/mnt/f')) };
    });
    expect(got).toEqual({ size: 0, text: 'ab' });
  });

  it('with O_APPEND writes at the end whatever the offset, and leaves the offset there', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/log', enc('one;'));
      const fd = yield* sys.open('/mnt/log', O_RDWR | O_APPEND);
      yield* sys.write(fd, enc('two;'));
      yield* sys.lseek(fd, 0, SEEK_SET);
      yield* sys.write(fd, enc('three;'));
      const pos = yield* sys.lseek(fd, 0, SEEK_CUR);
      yield* sys.lseek(fd, 0, SEEK_SET);
      const text = dec(yield* sys.read(fd, 100));
      yield* sys.close(fd);
      return { pos, text };
    });
    expect(got).toEqual({ pos: 14, text: 'one;two;three;' });
  });

  it('refuses writes on O_RDONLY and reads on O_WRONLY with EBADF, and access mode 3 with EINVAL', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('data'));
      const ro = yield* sys.open('/mnt/f', O_RDONLY);
      const wo = yield* sys.open('/mnt/f', O_WRONLY);
      const rw = yield* sys.open('/mnt/f', O_RDWR);
      const r = {
        writeRdonly: yield* errnoOf(sys.write(ro, enc('x'))),
        readWronly: yield* errnoOf(sys.read(wo, 1)),
        writeRdwr: yield* errnoOf(sys.write(rw, enc('D'))),
        readRdwr: yield* errnoOf(sys.read(rw, 1)),
        badMode: yield* errnoOf(sys.open('/mnt/f', 3)),
      };
      return { ...r, text: dec(yield* sys.read(ro, 10)) };
    });
    expect(got).toEqual({ writeRdonly: 'EBADF', readWronly: 'EBADF', writeRdwr: 'ok', readRdwr: 'ok', badMode: 'EINVAL', text: 'Data' });
  });

  it('opens directories read-only only (EISDIR), and read on a directory is EISDIR', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.mkdir('/mnt/d');
      const fsDir = yield* sys.open('/mnt/d');
      const rootDir = yield* sys.open('/mnt/../dev/.');
      return {
        fsDirWrite: yield* errnoOf(sys.open('/mnt/d', O_WRONLY)),
        rootDirWrite: yield* errnoOf(sys.open('/dev', O_RDWR)),
        readFsDir: yield* errnoOf(sys.read(fsDir, 1)),
        readRootDir: yield* errnoOf(sys.read(rootDir, 1)),
      };
    });
    // memfs reads a directory as empty data; the VFS only refuses writes to it
    expect(got).toEqual({ fsDirWrite: 'EISDIR', rootDirWrite: 'EISDIR', readFsDir: 'ok', readRootDir: 'EISDIR' });
  });
});

describe('offsets', () => {
  it('lseek from SEEK_SET, SEEK_CUR and SEEK_END, and refuses negative, fractional and unknown seeks with EINVAL', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('0123456789'));
      const fd = yield* sys.open('/mnt/f', O_RDWR);
      const r: Record<string, unknown> = {};
      r.set = yield* sys.lseek(fd, 4, SEEK_SET);
      r.cur = yield* sys.lseek(fd, 3, SEEK_CUR);
      r.read = dec(yield* sys.read(fd, 2));
      r.back = yield* sys.lseek(fd, -5, SEEK_CUR);
      r.end = yield* sys.lseek(fd, -1, SEEK_END);
      r.last = dec(yield* sys.read(fd, 5));
      r.negative = yield* errnoOf(sys.lseek(fd, -11, SEEK_END));
      r.negativeSet = yield* errnoOf(sys.lseek(fd, -1, SEEK_SET));
      r.fraction = yield* errnoOf(sys.lseek(fd, 1.5, SEEK_SET));
      r.whence = yield* errnoOf(sys.lseek(fd, 0, 7));
      r.unchanged = yield* sys.lseek(fd, 0, SEEK_CUR);
      return r;
    });
    expect(got).toEqual({
      set: 4, cur: 7, read: '78', back: 4, end: 9, last: '9',
      negative: 'EINVAL', negativeSet: 'EINVAL', fraction: 'EINVAL', whence: 'EINVAL', unchanged: 10,
    });
  });

  it('reads short at the end and nothing past it, without moving the offset; a write past the end leaves a hole', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('abc'));
      const fd = yield* sys.open('/mnt/f', O_RDWR);
      const short = dec(yield* sys.read(fd, 10));
      const atEnd = (yield* sys.read(fd, 10)).length;
      yield* sys.lseek(fd, 100, SEEK_SET);
      const past = (yield* sys.read(fd, 10)).length;
      const pos = yield* sys.lseek(fd, 0, SEEK_CUR);
      const zero = (yield* sys.read(fd, 0)).length;
      const negative = yield* errnoOf(sys.read(fd, -1));
      const fraction = yield* errnoOf(sys.read(fd, 0.5));
      yield* sys.lseek(fd, 6, SEEK_SET);
      yield* sys.write(fd, enc('Z'));
      const notBytes = yield* errnoOf(sys.write(fd, 'text' as unknown as Uint8Array));
      yield* sys.close(fd);
      return { short, atEnd, past, pos, zero, negative, fraction, notBytes, all: [...(yield* sys.readFile('/mnt/f'))] };
    });
    expect(got).toEqual({
      short: 'abc', atEnd: 0, past: 0, pos: 100, zero: 0, negative: 'EINVAL', fraction: 'EINVAL', notBytes: 'EFAULT',
      all: [97, 98, 99, 0, 0, 0, 90],
    });
  });

  it('keeps one offset per open file, not per path', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('abcdef'));
      const a = yield* sys.open('/mnt/f');
      const b = yield* sys.open('/mnt/f');
      const fromA = dec(yield* sys.read(a, 4));
      const fromB = dec(yield* sys.read(b, 2));
      return [fromA, fromB, dec(yield* sys.read(a, 4))];
    });
    expect(got).toEqual(['abcd', 'ab', 'ef']);
  });
});

describe('the root namespace', () => {
  it('makes and removes directories of the root filesystem and lists /, a directory and /dev sorted', () => {
    const w = world();
    const got = w.run(function* (sys) {
      const r: Record<string, unknown> = {};
      yield* sys.mkdir('/b');
      yield* sys.mkdir('/a');
      yield* sys.mkdir('/a/x');
      r.root = yield* sys.readdir('/');
      r.a = yield* sys.readdir('/a');
      r.mnt = yield* sys.readdir('/mnt');
      r.dev = yield* sys.readdir('/dev');
      r.stat = yield* sys.stat('/a');
      r.notEmpty = yield* errnoOf(sys.rmdir('/a'));
      yield* sys.rmdir('/a/x');
      yield* sys.rmdir('/a');
      r.after = yield* sys.readdir('/');
      r.gone = yield* errnoOf(sys.rmdir('/a'));
      return r;
    });
    expect(got).toEqual({
      root: ['a', 'b', 'dev', 'mnt'],
      a: ['x'],
      mnt: [],
      dev: ['disk0', 'disk1', 'tty'],
      stat: { ino: 0, type: 'dir', size: 0, nlink: 2 },
      notEmpty: 'ENOTEMPTY',
      after: ['b', 'dev', 'mnt'],
      gone: 'ENOENT',
    });
  });

  it('reports the errno of each misuse of the root filesystem and /dev', () => {
    const w = world();
    const got = w.run(function* (sys) {
      const r: Record<string, string> = {};
      r.mkdirExists = yield* errnoOf(sys.mkdir('/mnt'));
      r.mkdirMissingParent = yield* errnoOf(sys.mkdir('/nope/x'));
      r.mkdirUnderDevice = yield* errnoOf(sys.mkdir('/dev/disk0/x'));
      r.createInRoot = yield* errnoOf(sys.open('/file', O_CREAT | O_WRONLY));
      r.createUnderDevice = yield* errnoOf(sys.open('/dev/tty/x', O_CREAT | O_WRONLY));
      r.statMissing = yield* errnoOf(sys.stat('/nope'));
      r.readdirDevice = yield* errnoOf(sys.readdir('/dev/disk0'));
      r.unlinkDir = yield* errnoOf(sys.unlink('/mnt'));
      r.unlinkDevice = yield* errnoOf(sys.unlink('/dev/tty'));
      r.unlinkMissing = yield* errnoOf(sys.unlink('/nope'));
      r.rmdirMnt = yield* errnoOf(sys.rmdir('/mnt'));
      r.rmdirDev = yield* errnoOf(sys.rmdir('/dev'));
      r.statfsRoot = JSON.stringify(yield* sys.statfs('/'));
      r.relative = yield* errnoOf(sys.stat('mnt'));
      r.tooLong = yield* errnoOf(sys.stat('/' + 'x'.repeat(256)));
      return r;
    });
    expect(got).toEqual({
      mkdirExists: 'EEXIST',
      mkdirMissingParent: 'ENOENT',
      mkdirUnderDevice: 'ENOTDIR',
      createInRoot: 'EPERM',
      createUnderDevice: 'ENOTDIR',
      statMissing: 'ENOENT',
      readdirDevice: 'ENOTDIR',
      unlinkDir: 'EISDIR',
      unlinkDevice: 'EPERM',
      unlinkMissing: 'ENOENT',
      rmdirMnt: 'EPERM',
      rmdirDev: 'EPERM',
      statfsRoot: JSON.stringify({ blockSize: 512, blocks: 0, free: 0, files: 3 }),
      relative: 'EINVAL',
      tooLong: 'ENAMETOOLONG',
    });
    expect(w.k.stats.syscallErrors).toBe(14);
    expect(w.k.stats.oopses).toBe(0);
  });

  it('sends mkdir, unlink, rmdir, readdir and statfs under a mount point to the filesystem, with the path resolved inside it', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.mkdir('/mnt/d');
      yield* sys.mkdir('/mnt/d/e');
      yield* sys.writeFile('/mnt/d/e/f', enc('x'));
      const r: Record<string, unknown> = {};
      r.list = yield* sys.readdir('/mnt/./d/e/../e');
      r.rmdirNotEmpty = yield* errnoOf(sys.rmdir('/mnt/d/e'));
      r.throughFile = yield* errnoOf(sys.stat('/mnt/d/e/f/g'));
      r.unlinkDir = yield* errnoOf(sys.unlink('/mnt/d'));
      yield* sys.unlink('/mnt/d/e/f');
      yield* sys.rmdir('/mnt/d/e');
      r.after = yield* sys.readdir('/mnt/d');
      r.statfs = (yield* sys.statfs('/mnt/d')).files;
      return r;
    });
    expect(got).toEqual({ list: ['f'], rmdirNotEmpty: 'ENOTEMPTY', throughFile: 'ENOTDIR', unlinkDir: 'EISDIR', after: [], statfs: 2 });
    expect(w.fs.calls).toContain('create:disk0');
    expect(w.fs.calls.filter((c) => c.startsWith('rmdir'))).toEqual(['rmdir:disk0', 'rmdir:disk0']);
  });

  // Regression: O_CREAT on an existing device failed with EPERM (only root directories were
  // looked up under a root-filesystem parent), so the console's `write /dev/kmsg` could not work.
  it('opens an existing device with O_CREAT (as POSIX open does for an existing file), ignores O_TRUNC on it, and still creates nothing in /dev', () => {
    const w = world();
    const got = w.run(function* (sys) {
      const fd = yield* sys.open('/dev/tty', O_CREAT | O_WRONLY | O_TRUNC);
      const n = yield* sys.write(fd, enc('via O_CREAT'));
      yield* sys.close(fd);
      const blk = yield* sys.open('/dev/disk1', O_CREAT | O_RDWR | O_TRUNC);
      const size = (yield* sys.stat('/dev/disk1')).size;
      yield* sys.close(blk);
      yield* sys.writeFile('/dev/tty', enc('writeFile'));
      return { n, size, newDevice: yield* errnoOf(sys.open('/dev/new', O_CREAT | O_WRONLY)), names: yield* sys.readdir('/dev') };
    });
    expect(got).toEqual({ n: 11, size: 8 * SECTOR_SIZE, newDevice: 'EPERM', names: ['disk0', 'disk1', 'tty'] });
    expect(w.ttyOut).toEqual(['via O_CREAT', 'writeFile']);
    expect(w.pinned()).toEqual({});
  });
});

describe('mount and umount', () => {
  it('shows the filesystem at the mount point while mounted and the root directory under it after', () => {
    const w = world();
    const got = w.run(function* (sys) {
      yield* sys.mkdir('/mnt/hidden');
      yield* sys.mount('memfs', 'disk0', '/mnt');
      yield* sys.writeFile('/mnt/kept', enc('survives umount'));
      const during = yield* sys.readdir('/mnt');
      const hidden = yield* errnoOf(sys.stat('/mnt/hidden'));
      yield* sys.umount('/mnt');
      const after = yield* sys.readdir('/mnt');
      const gone = yield* errnoOf(sys.stat('/mnt/kept'));
      yield* sys.mount('memfs', 'disk0', '/mnt');
      return { during, hidden, after, gone, again: dec(yield* sys.readFile('/mnt/kept')) };
    });
    expect(got).toEqual({ during: ['kept'], hidden: 'ENOENT', after: ['hidden'], gone: 'ENOENT', again: 'survives umount' });
    expect(w.k.vfs.mountTable()).toEqual([{ path: '/mnt', fstype: 'memfs', dev: 'disk0' }]);
  });

  it('reports the errno of each bad mount and umount', () => {
    const w = world();
    const got = w.run(function* (sys) {
      const r: Record<string, string> = {};
      yield* sys.mkdir('/a');
      yield* sys.mkdir('/a/b');
      r.noMountPoint = yield* errnoOf(sys.mount('memfs', 'disk0', '/nope'));
      r.onRoot = yield* errnoOf(sys.mount('memfs', 'disk0', '/'));
      r.onDev = yield* errnoOf(sys.mount('memfs', 'disk0', '/dev'));
      r.unknownFs = yield* errnoOf(sys.mount('ext4', 'disk0', '/mnt'));
      r.unknownDev = yield* errnoOf(sys.mount('memfs', 'disk9', '/mnt'));
      r.chrDev = yield* errnoOf(sys.mount('memfs', 'tty', '/mnt'));
      yield* sys.mount('memfs', 'disk0', '/a');
      r.insideMount = yield* errnoOf(sys.mount('memfs', 'disk1', '/a/b'));
      r.samePoint = yield* errnoOf(sys.mount('memfs', 'disk1', '/a'));
      r.sameDevice = yield* errnoOf(sys.mount('memfs', 'disk0', '/mnt'));
      r.rmdirMountPoint = yield* errnoOf(sys.rmdir('/a'));
      r.umountNotMounted = yield* errnoOf(sys.umount('/mnt'));
      r.secondDevice = yield* errnoOf(sys.mount('memfs', 'disk1', '/mnt'));
      return r;
    });
    expect(got).toEqual({
      noMountPoint: 'ENOENT',
      onRoot: 'EINVAL',
      onDev: 'EINVAL',
      unknownFs: 'ENODEV',
      unknownDev: 'ENODEV',
      chrDev: 'ENODEV',
      insideMount: 'EINVAL',
      samePoint: 'EBUSY',
      sameDevice: 'EBUSY',
      rmdirMountPoint: 'EBUSY',
      umountNotMounted: 'EINVAL',
      secondDevice: 'ok',
    });
    // only the two good mounts reached the filesystem
    expect(w.fs.calls.filter((c) => c.startsWith('mount'))).toEqual(['mount:disk0', 'mount:disk1']);
  });

  it('refuses umount with EBUSY while any thread has a file open there, and allows it once closed', () => {
    const w = mounted();
    w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('x'));
    });
    const hold = w.k.sched.waitQueue('hold');
    const holder = w.k.spawnUser('holder', function* (sys) {
      const fd = yield* sys.open('/mnt/f');
      yield* hold.wait(w.k.sched.self());
      yield* sys.close(fd);
    });
    w.k.runUntil(() => holder.state === 'blocked', 100_000);
    expect(w.run((sys) => errnoOf(sys.umount('/mnt')))).toBe('EBUSY');
    hold.wakeOne();
    w.k.runThread(holder);
    expect(w.run((sys) => errnoOf(sys.umount('/mnt')))).toBe('ok');
    expect(w.fs.calls.filter((c) => c.startsWith('umount'))).toHaveLength(1);
  });

  it('refuses a mount racing another mount of the same path or device, and never leaks pins', () => {
    // The filesystem's mount blocks, so both threads pass the checks before either is recorded.
    const w = world();
    w.fs.delay = { op: 'mount', cycles: 1000 };
    const mounters = [0, 1].map((i) => w.k.spawnUser(`m${i}`, (sys) => errnoOf(sys.mount('memfs', 'disk0', '/mnt'))));
    const onOtherPath = w.k.spawnUser('m2', function* (sys) {
      yield* sys.mkdir('/data');
      return yield* errnoOf(sys.mount('memfs', 'disk0', '/data'));
    });
    const results = [...mounters, onOtherPath].map((t) => w.k.runThread(t));
    expect(results).toEqual(['ok', 'EBUSY', 'EBUSY']);
    expect(w.pinned()).toEqual({ memfs: 1, blkdrv: 1 });
    expect(w.run((sys) => errnoOf(sys.umount('/mnt')))).toBe('ok');
    expect(w.pinned()).toEqual({});
    expect(w.k.vfs.mountTable()).toEqual([]);
  });

  it('does not unmount a filesystem while a syscall is running inside it', () => {
    const w = mounted();
    w.run(function* (sys) {
      yield* sys.mkdir('/mnt/d');
    });
    w.fs.delay = { op: 'readdir', cycles: 2000 };
    const reader = w.k.spawnUser('reader', (sys) => sys.readdir('/mnt/d'));
    w.k.runUntil(() => reader.state === 'blocked', 100_000);
    expect(w.run((sys) => errnoOf(sys.umount('/mnt')))).toBe('EBUSY');
    expect(w.k.runThread(reader)).toEqual([]);
    // Once the syscall has returned the thread no longer holds the mount.
    w.fs.delay = null;
    expect(w.run((sys) => errnoOf(sys.umount('/mnt')))).toBe('ok');
    expect(w.pinned()).toEqual({});
  });

  it('refuses a mount on a path or device while its umount is under way', () => {
    const w = mounted();
    w.fs.delay = { op: 'umount', cycles: 1000 };
    const unmounter = w.k.spawnUser('u', (sys) => errnoOf(sys.umount('/mnt')));
    w.k.runUntil(() => unmounter.state === 'blocked', 100_000);
    expect(w.run((sys) => errnoOf(sys.mount('memfs', 'disk0', '/mnt')))).toBe('EBUSY');
    expect(w.k.runThread(unmounter)).toBe('ok');
    expect(w.pinned()).toEqual({});
  });
});

describe('file descriptors', () => {
  it('gives the lowest free descriptor from FIRST_FD, reuses a closed one, and refuses a closed or unknown one with EBADF', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('x'));
      const fds = [yield* sys.open('/mnt/f'), yield* sys.open('/mnt/f'), yield* sys.open('/dev/tty')];
      yield* sys.close(fds[1]!);
      const reused = yield* sys.open('/mnt/f');
      yield* sys.close(fds[0]!);
      return {
        fds,
        reused,
        read: yield* errnoOf(sys.read(fds[0]!, 1)),
        write: yield* errnoOf(sys.write(fds[0]!, enc('x'))),
        lseek: yield* errnoOf(sys.lseek(fds[0]!, 0)),
        close: yield* errnoOf(sys.close(fds[0]!)),
        unknown: yield* errnoOf(sys.read(1, 1)),
        open: w.k.vfs.openFiles(),
      };
    });
    expect(got).toEqual({
      fds: [FIRST_FD, FIRST_FD + 1, FIRST_FD + 2], reused: FIRST_FD + 1,
      read: 'EBADF', write: 'EBADF', lseek: 'EBADF', close: 'EBADF', unknown: 'EBADF', open: 2,
    });
    expect(w.k.vfs.openFiles()).toBe(0); // the program exited with two files open: reaped
  });

  it('keeps a table per thread: one thread cannot use another thread\'s descriptor', () => {
    const w = mounted();
    const fd = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('mine'));
      return yield* sys.open('/mnt/f');
    });
    const hold = w.k.sched.waitQueue('hold');
    const owner = w.k.spawnUser('owner', function* (sys) {
      const mine = yield* sys.open('/mnt/f');
      yield* hold.wait(w.k.sched.self());
      return dec(yield* sys.read(mine, 10));
    });
    w.k.runUntil(() => owner.state === 'blocked', 100_000);
    expect(w.run((sys) => errnoOf(sys.read(fd, 10)))).toBe('EBADF');
    hold.wakeOne();
    expect(w.k.runThread(owner)).toBe('mine');
  });
});

describe('pins', () => {
  it('pins the filesystem and block driver while mounted, and the owner of each open file until it is closed', () => {
    const w = world();
    const seen: Record<string, Record<string, number>> = {};
    w.run(function* (sys) {
      yield* sys.mount('memfs', 'disk0', '/mnt');
      seen.mounted = w.pinned();
      yield* sys.writeFile('/mnt/f', enc('x'));
      const f = yield* sys.open('/mnt/f');
      const d = yield* sys.open('/dev/disk1');
      const t = yield* sys.open('/dev/tty');
      const root = yield* sys.open('/mnt/..');
      seen.open = w.pinned();
      for (const fd of [f, d, t, root]) yield* sys.close(fd);
      seen.closed = w.pinned();
      yield* sys.umount('/mnt');
      seen.unmounted = w.pinned();
    });
    expect(seen).toEqual({
      mounted: { memfs: 1, blkdrv: 1 },
      open: { memfs: 2, blkdrv: 2, ttydrv: 1 },
      closed: { memfs: 1, blkdrv: 1 },
      unmounted: {},
    });
  });

  it('drops the pins of files a thread left open when it exits, and pins nothing for a failed mount or open', () => {
    const w = world();
    w.fs.failMount = 'EIO';
    expect(w.run((sys) => errnoOf(sys.mount('memfs', 'disk0', '/mnt')))).toBe('EIO');
    expect(w.pinned()).toEqual({});
    expect(w.k.vfs.mountTable()).toEqual([]);
    w.fs.failMount = null;
    let whileOpen: Record<string, number> = {};
    w.run(function* (sys) {
      yield* sys.mount('memfs', 'disk0', '/mnt');
      expect(yield* errnoOf(sys.open('/mnt/missing'))).toBe('ENOENT');
      yield* sys.writeFile('/mnt/f', enc('x'));
      yield* sys.open('/mnt/f');
      yield* sys.open('/dev/disk0');
      whileOpen = w.pinned();
    });
    expect(whileOpen).toEqual({ memfs: 2, blkdrv: 2 });
    expect(w.pinned()).toEqual({ memfs: 1, blkdrv: 1 });
    expect(w.run((sys) => errnoOf(sys.umount('/mnt')))).toBe('ok');
    expect(w.pinned()).toEqual({});
  });
});

describe('device files', () => {
  it('reads a block device at any offset, writes it in whole sectors only, and stops at its end', () => {
    const w = world();
    for (let i = 0; i < w.disk0.data.length; i++) w.disk0.data[i] = i % 251;
    const got = w.run(function* (sys) {
      const fd = yield* sys.open('/dev/disk0', O_RDWR);
      const r: Record<string, unknown> = {};
      r.stat = yield* sys.stat('/dev/disk0');
      yield* sys.lseek(fd, 510, SEEK_SET);
      r.span = [...(yield* sys.read(fd, 4))];
      r.pos = yield* sys.lseek(fd, 0, SEEK_CUR);
      r.unaligned = yield* errnoOf(sys.write(fd, new Uint8Array(SECTOR_SIZE)));
      yield* sys.lseek(fd, SECTOR_SIZE, SEEK_SET);
      r.partial = yield* errnoOf(sys.write(fd, new Uint8Array(10)));
      r.wrote = yield* sys.write(fd, new Uint8Array(2 * SECTOR_SIZE).fill(7));
      yield* sys.lseek(fd, 8 * SECTOR_SIZE - 2, SEEK_SET);
      r.tail = (yield* sys.read(fd, 100)).length;
      r.beyond = (yield* sys.read(fd, 100)).length;
      return r;
    });
    expect(got).toEqual({
      stat: { ino: 0, type: 'blk', size: 8 * SECTOR_SIZE, nlink: 1 },
      span: [510 % 251, 511 % 251, 512 % 251, 513 % 251],
      pos: 514,
      unaligned: 'EINVAL',
      partial: 'EINVAL',
      wrote: 2 * SECTOR_SIZE,
      tail: 2,
      beyond: 0,
    });
    expect(w.disk0.data.subarray(SECTOR_SIZE, 3 * SECTOR_SIZE).every((b) => b === 7)).toBe(true);
    expect(w.disk0.data[3 * SECTOR_SIZE]).toBe((3 * SECTOR_SIZE) % 251);
  });

  it('passes reads and writes of a character device through with the device\'s position', () => {
    const w = world();
    const got = w.run(function* (sys) {
      const fd = yield* sys.open('/dev/tty', O_RDWR);
      const first = dec(yield* sys.read(fd, 5));
      const second = dec(yield* sys.read(fd, 3));
      const pos = yield* sys.lseek(fd, 0, SEEK_CUR);
      const n = yield* sys.write(fd, enc('hi there'));
      return { first, second, pos, n, stat: (yield* sys.stat('/dev/tty')).type };
    });
    expect(got).toEqual({ first: 'typed', second: ' at', pos: 8, n: 8, stat: 'chr' });
    expect(w.ttyOut).toEqual(['hi there']);
  });
});

describe('errors from the filesystem', () => {
  it('passes an errno through unchanged, and turns any other failure into an oops and EIO', () => {
    const w = mounted();
    const got = w.run(function* (sys) {
      yield* sys.writeFile('/mnt/f', enc('x'));
      const fd = yield* sys.open('/mnt/f', O_WRONLY);
      w.fs.fault = { op: 'write', error: err('ENOSPC', 'full') };
      const full = yield* errnoOf(sys.write(fd, enc('y')));
      w.fs.fault = { op: 'write', error: new RangeError('offset out of bounds') };
      const bug = yield* errnoOf(sys.write(fd, enc('y')));
      w.fs.fault = null;
      const after = yield* errnoOf(sys.write(fd, enc('y')));
      return { full, bug, after };
    });
    expect(got).toEqual({ full: 'ENOSPC', bug: 'EIO', after: 'ok' });
    expect(w.k.stats.oopses).toBe(1);
    expect(w.k.dmesg).toEqual([expect.stringMatching(/^oops in syscall write of thread \d+ \(test\): offset out of bounds$/)]);
  });
});

describe('on the real kernel (simplefs on disk0)', () => {
  it('pins simplefs and blkdev while mounted or open, so rmmod is EBUSY until both are gone', async () => {
    const k = await bootWithModules(DEFAULT_MODULES, { seed: 4 });
    const pins = () => [k.loader.get('simplefs')!.pins, k.loader.get('blkdev')!.pins];
    const seen: number[][] = [];
    runProgram(k, 'leaker', function* (sys: Sys) {
      yield* sys.mount('simplefs', 'disk0', '/mnt');
      seen.push(pins());
      yield* sys.writeFile('/mnt/f', enc('x'));
      yield* sys.open('/mnt/f');
      seen.push(pins());
    });
    seen.push(pins());
    expect(seen).toEqual([[1, 1], [2, 1], [1, 1]]);
    expect(() => k.loader.rmmod('simplefs')).toThrow(/in use/);
    runProgram(k, 'umount', function* (sys: Sys) {
      yield* sys.umount('/mnt');
    });
    expect(pins()).toEqual([0, 0]);
    k.loader.rmmod('simplefs');
    expect(k.loader.get('simplefs')).toBeUndefined();
    expect(runProgram(k, 'gone', (sys: Sys) => errnoOf(sys.mount('simplefs', 'disk0', '/mnt')))).toBe('ENODEV');
  });
});
