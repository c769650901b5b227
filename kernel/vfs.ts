// The virtual filesystem: the namespace, mounts, open files, and the file
// syscalls built on them. The root filesystem is a small in-kernel tree of
// directories (`/`, `/dev`, `/mnt`, and whatever mkdir adds there); `/dev`
// lists registered character and block devices; filesystems are mounted on
// root directories and reached only through their `fs:<type>` ops table.
//
// Operations of an fs table (all take the device name first; any may block):
//   mount(dev) -> root ino        umount(dev)
//   lookup(dev, dir, name) -> ino create(dev, dir, name, 'file'|'dir') -> ino
//   unlink(dev, dir, name)        rmdir(dev, dir, name)
//   getattr(dev, ino) -> Attr     readdir(dev, ino) -> names
//   read(dev, ino, off, len) -> bytes   write(dev, ino, off, bytes) -> count
//   truncate(dev, ino, size)
//   statfs(dev) -> StatFs          (fs interface version 2 and later)
// A chrdev table has read(pos, len) -> { data, pos } and write(bytes) -> count.
// A blkdev table (version 1) has submit(op, sector, buf) and capacity() -> sectors;
// /dev/<disk> reads and writes whole sectors through it.
//
// The kernel's code here is written for version 1 of every table (and 2 for
// statfs): it calls each table through the view of the version it was
// written for, which a module that changed an operation's signature provides
// in its compat.

import { err, isKernelError } from '../exec/errno.js';
import type { Loader } from './loader.js';
import { SECTOR_SIZE as SECTOR } from '../hw/disk.js';
import { callOp, callOpPlain, type OpsRegistry, type OpsTable, requireVersion } from './ops.js';
import type { Scheduler } from '../exec/sched.js';
import type { KGen, Thread } from '../exec/thread.js';
import { type Attr, FIRST_FD, joinPath as join, O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, splitPath, type StatFs } from '../exec/abi.js';

/** The fs interface version each operation first appeared in (the kernel's callers are written against these). */
const FS_OP_VERSION: Readonly<Record<string, number>> = { statfs: 2 };
/** The blkdev and chrdev interface versions this code is written for. */
const BLKDEV_VERSION = 1;
const CHRDEV_VERSION = 1;

interface Mount {
  readonly path: string;
  readonly fstype: string;
  readonly dev: string;
  readonly fs: OpsTable;
  readonly root: number;
  /** The module that owns the block device (pinned while mounted). */
  readonly devOwner: string;
}

type Node =
  | { readonly kind: 'root'; readonly path: string }
  | { readonly kind: 'dev'; readonly name: string; readonly table: OpsTable }
  | { readonly kind: 'fs'; readonly mount: Mount; readonly ino: number };

interface OpenFile {
  readonly node: Node;
  readonly flags: number;
  offset: number;
  /** The module pinned while this file is open. */
  readonly owner: string | null;
}

export class Vfs {
  private readonly rootDirs = new Set<string>(['/', '/dev', '/mnt']);
  private readonly mounts = new Map<string, Mount>();
  private readonly files = new Map<number, Map<number, OpenFile>>();

  constructor(
    private readonly ops: OpsRegistry,
    private readonly loader: Loader,
    private readonly sched: Scheduler,
  ) {}

  mountTable(): { path: string; fstype: string; dev: string }[] {
    return [...this.mounts.values()].map(({ path, fstype, dev }) => ({ path, fstype, dev }));
  }

  /** Open files of all threads (for rmmod and umount checks, and `stat`). */
  openFiles(): number {
    let n = 0;
    for (const t of this.files.values()) n += t.size;
    return n;
  }

  /** Close every file a finished thread left open. */
  releaseThread(t: Thread): void {
    const table = this.files.get(t.tid);
    if (!table) return;
    for (const f of table.values()) if (f.owner) this.loader.unpin(f.owner);
    this.files.delete(t.tid);
  }

  // ---- syscalls ---------------------------------------------------------

  *mount(fstype: string, dev: string, path: string): KGen<void> {
    const p = join(splitPath(path));
    if (!this.rootDirs.has(p)) throw err('ENOENT', `mount point ${p} does not exist`, `mkdir ${p} first (mount points are directories of the root filesystem)`);
    if (p === '/' || p === '/dev') throw err('EINVAL', `cannot mount on ${p}`, 'mount on /mnt or a directory made under /');
    if (this.mounts.has(p)) throw err('EBUSY', `${p} is already a mount point`, `umount ${p} first`);
    if ([...this.mounts.values()].some((m) => p.startsWith(m.path + '/'))) throw err('EINVAL', `${p} is inside a mounted filesystem`);
    const fs = this.ops.get('fs', fstype);
    if (!fs) throw err('ENODEV', `unknown filesystem type '${fstype}'`, `insmod ${fstype} first`);
    const blk = this.ops.get('blkdev', dev);
    if (!blk) throw err('ENODEV', `no block device '${dev}'`, 'insmod the block driver first (insmod blkdev)');
    const busy = [...this.mounts.values()].find((m) => m.dev === dev);
    if (busy) throw err('EBUSY', `${dev} is already mounted on ${busy.path}`);
    const root = (yield* callOp(this.ops.view(fs, 1), 'mount', dev)) as number;
    this.loader.pin(fs.owner);
    this.loader.pin(blk.owner);
    this.mounts.set(p, { path: p, fstype, dev, fs, root, devOwner: blk.owner });
  }

  *umount(path: string): KGen<void> {
    const p = join(splitPath(path));
    const m = this.mounts.get(p);
    if (!m) throw err('EINVAL', `${p} is not a mount point`);
    for (const table of this.files.values()) {
      for (const f of table.values()) if (f.node.kind === 'fs' && f.node.mount === m) throw err('EBUSY', `${p} has open files`, 'close them first');
    }
    yield* this.fsCall(m, 'umount');
    this.mounts.delete(p);
    this.loader.unpin(m.fs.owner);
    this.loader.unpin(m.devOwner);
  }

  *open(path: string, flags: number = O_RDONLY): KGen<number> {
    const acc = flags & 3;
    if (acc === 3) throw err('EINVAL', `bad open flags ${flags}`);
    let node: Node;
    if (flags & O_CREAT) {
      const { parent, name } = yield* this.resolveParent(path);
      node = yield* this.lookupOrCreate(parent, name, path);
    } else {
      node = yield* this.resolve(path);
    }
    let owner: string | null = null;
    if (node.kind === 'fs') {
      const attr = (yield* this.fsCall(node.mount, 'getattr', node.ino)) as Attr;
      if (attr.type === 'dir' && acc !== O_RDONLY) throw err('EISDIR', `${path} is a directory`);
      if (attr.type === 'file' && flags & O_TRUNC && acc !== O_RDONLY) yield* this.fsCall(node.mount, 'truncate', node.ino, 0);
      owner = node.mount.fs.owner;
    } else if (node.kind === 'dev') {
      owner = node.table.owner;
    } else if (acc !== O_RDONLY) {
      throw err('EISDIR', `${path} is a directory`);
    }
    const t = this.sched.self();
    let table = this.files.get(t.tid);
    if (!table) this.files.set(t.tid, (table = new Map()));
    let fd = FIRST_FD;
    while (table.has(fd)) fd++;
    if (owner) this.loader.pin(owner);
    table.set(fd, { node, flags, offset: 0, owner });
    return fd;
  }

  *close(fd: number): KGen<void> {
    const table = this.files.get(this.sched.self().tid);
    const f = table?.get(fd);
    if (!table || !f) throw err('EBADF', `fd ${fd} is not open`);
    table.delete(fd);
    if (f.owner) this.loader.unpin(f.owner);
  }

  *read(fd: number, len: number): KGen<Uint8Array> {
    const f = this.fd(fd);
    if ((f.flags & 3) === O_WRONLY) throw err('EBADF', `fd ${fd} is open for writing only`);
    if (!Number.isInteger(len) || len < 0) throw err('EINVAL', `read length ${len}`);
    const n = f.node;
    if (n.kind === 'fs') {
      const data = (yield* this.fsCall(n.mount, 'read', n.ino, f.offset, len)) as Uint8Array;
      f.offset += data.length;
      return data;
    }
    if (n.kind === 'dev' && n.table.kind === 'blkdev') {
      const size = (callOpPlain(this.ops.view(n.table, BLKDEV_VERSION), 'capacity') as number) * SECTOR;
      const end = Math.min(size, f.offset + len);
      if (f.offset >= end) return new Uint8Array(0);
      const first = Math.floor(f.offset / SECTOR);
      const data = yield* this.blkRead(n.table, first, Math.ceil(end / SECTOR) - first);
      const out = data.slice(f.offset - first * SECTOR, end - first * SECTOR);
      f.offset = end;
      return out;
    }
    if (n.kind === 'dev') {
      const r = (yield* callOp(this.ops.view(n.table, CHRDEV_VERSION), 'read', f.offset, len)) as { data: Uint8Array; pos: number };
      f.offset = r.pos;
      return r.data;
    }
    throw err('EISDIR', `fd ${fd} is a directory; use readdir`);
  }

  *write(fd: number, data: Uint8Array): KGen<number> {
    const f = this.fd(fd);
    if ((f.flags & 3) === O_RDONLY) throw err('EBADF', `fd ${fd} is open for reading only`);
    if (!(data instanceof Uint8Array)) throw err('EFAULT', 'write needs a byte buffer');
    const n = f.node;
    if (n.kind === 'fs') {
      if (f.flags & O_APPEND) f.offset = ((yield* this.fsCall(n.mount, 'getattr', n.ino)) as Attr).size;
      const count = (yield* this.fsCall(n.mount, 'write', n.ino, f.offset, data)) as number;
      f.offset += count;
      return count;
    }
    if (n.kind === 'dev' && n.table.kind === 'blkdev') {
      if (f.offset % SECTOR !== 0 || data.length % SECTOR !== 0) throw err('EINVAL', `a block device is written in whole sectors of ${SECTOR} bytes`, 'seek to a multiple of 512 and write multiples of 512 bytes');
      const v = this.ops.view(n.table, BLKDEV_VERSION);
      for (let i = 0; i < data.length / SECTOR; i++) yield* callOp(v, 'submit', 'write', f.offset / SECTOR + i, data.slice(i * SECTOR, (i + 1) * SECTOR));
      f.offset += data.length;
      return data.length;
    }
    if (n.kind === 'dev') return (yield* callOp(this.ops.view(n.table, CHRDEV_VERSION), 'write', data)) as number;
    throw err('EISDIR', `fd ${fd} is a directory`);
  }

  *lseek(fd: number, offset: number, whence: number = SEEK_SET): KGen<number> {
    const f = this.fd(fd);
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = f.offset;
    else if (whence === SEEK_END && f.node.kind === 'fs') base = ((yield* this.fsCall(f.node.mount, 'getattr', f.node.ino)) as Attr).size;
    else throw err('EINVAL', `bad whence ${whence}`);
    const pos = base + offset;
    if (!Number.isInteger(pos) || pos < 0) throw err('EINVAL', `seek to ${pos}`);
    f.offset = pos;
    return pos;
  }

  *stat(path: string): KGen<Attr> {
    const n = yield* this.resolve(path);
    if (n.kind === 'fs') return (yield* this.fsCall(n.mount, 'getattr', n.ino)) as Attr;
    if (n.kind === 'dev' && n.table.kind === 'blkdev') return { ino: 0, type: 'blk', size: (callOpPlain(this.ops.view(n.table, BLKDEV_VERSION), 'capacity') as number) * SECTOR, nlink: 1 };
    if (n.kind === 'dev') return { ino: 0, type: 'chr', size: 0, nlink: 1 };
    return { ino: 0, type: 'dir', size: 0, nlink: 2 };
  }

  *mkdir(path: string): KGen<void> {
    const { parent, name } = yield* this.resolveParent(path);
    if (parent.kind === 'fs') {
      yield* this.fsCall(parent.mount, 'create', parent.ino, name, 'dir');
    } else if (parent.kind === 'root') {
      const p = join([...splitPath(parent.path), name]);
      if (this.rootDirs.has(p) || (parent.path === '/dev')) throw err('EEXIST', `${p} exists`);
      this.rootDirs.add(p);
    } else {
      throw err('ENOTDIR', `${path}: parent is not a directory`);
    }
  }

  *unlink(path: string): KGen<void> {
    const { parent, name } = yield* this.resolveParent(path);
    if (parent.kind !== 'fs') {
      const p = join([...splitPath(path)]);
      if (this.rootDirs.has(p)) throw err('EISDIR', `${p} is a directory`, 'use rmdir');
      throw err(parent.kind === 'root' && parent.path === '/dev' ? 'EPERM' : 'ENOENT', `cannot unlink ${p}`);
    }
    yield* this.fsCall(parent.mount, 'unlink', parent.ino, name);
  }

  *rmdir(path: string): KGen<void> {
    const p = join(splitPath(path));
    if (this.mounts.has(p)) throw err('EBUSY', `${p} is a mount point`, `umount ${p} first`);
    const { parent, name } = yield* this.resolveParent(path);
    if (parent.kind === 'fs') {
      yield* this.fsCall(parent.mount, 'rmdir', parent.ino, name);
      return;
    }
    if (!this.rootDirs.has(p)) throw err('ENOENT', `${p} does not exist`);
    if (p === '/dev' || p === '/mnt') throw err('EPERM', `${p} is part of the root filesystem`);
    if ([...this.rootDirs].some((d) => d.startsWith(p + '/'))) throw err('ENOTEMPTY', `${p} is not empty`);
    this.rootDirs.delete(p);
  }

  *statfs(path: string): KGen<StatFs> {
    const n = yield* this.resolve(path);
    if (n.kind !== 'fs') throw err('ENOSYS', `${path} is not on a mounted filesystem`);
    return (yield* this.fsCall(n.mount, 'statfs')) as StatFs;
  }

  *readdir(path: string): KGen<string[]> {
    const n = yield* this.resolve(path);
    if (n.kind === 'fs') return (yield* this.fsCall(n.mount, 'readdir', n.ino)) as string[];
    if (n.kind === 'dev') throw err('ENOTDIR', `${path} is a device`);
    if (n.path === '/dev') return [...this.ops.list('chrdev'), ...this.ops.list('blkdev')].map((t) => t.name).sort();
    const depth = splitPath(n.path).length;
    const names = [...this.rootDirs].filter((d) => d !== n.path && d.startsWith(n.path === '/' ? '/' : n.path + '/') && splitPath(d).length === depth + 1);
    return names.map((d) => splitPath(d)[depth]!).sort();
  }

  /** Call a filesystem operation through the table version this code is written for. */
  private *fsCall(mount: Mount, op: string, ...args: unknown[]): KGen<unknown> {
    const version = FS_OP_VERSION[op] ?? 1;
    requireVersion(mount.fs, version, op);
    return yield* callOp(this.ops.view(mount.fs, version), op, mount.dev, ...args);
  }

  /** Whole sectors [first, first+count) of a block device, read through its version-1 table. */
  private *blkRead(table: OpsTable, first: number, count: number): KGen<Uint8Array> {
    const v = this.ops.view(table, BLKDEV_VERSION);
    const out = new Uint8Array(count * SECTOR);
    for (let i = 0; i < count; i++) {
      const buf = new Uint8Array(SECTOR);
      yield* callOp(v, 'submit', 'read', first + i, buf);
      out.set(buf, i * SECTOR);
    }
    return out;
  }

  // ---- resolution -------------------------------------------------------

  private fd(fd: number): OpenFile {
    const f = this.files.get(this.sched.self().tid)?.get(fd);
    if (!f) throw err('EBADF', `fd ${fd} is not open`);
    return f;
  }

  private mountOf(parts: readonly string[]): { mount: Mount; rest: string[] } | null {
    for (let i = parts.length; i >= 1; i--) {
      const m = this.mounts.get(join(parts.slice(0, i)));
      if (m) return { mount: m, rest: parts.slice(i) };
    }
    return null;
  }

  *resolve(path: string): KGen<Node> {
    const parts = splitPath(path);
    const hit = this.mountOf(parts);
    if (hit) {
      let ino = hit.mount.root;
      for (const name of hit.rest) ino = (yield* this.fsCall(hit.mount, 'lookup', ino, name)) as number;
      return { kind: 'fs', mount: hit.mount, ino };
    }
    const p = join(parts);
    if (parts.length === 2 && parts[0] === 'dev') {
      const table = this.ops.get('chrdev', parts[1]!) ?? this.ops.get('blkdev', parts[1]!);
      if (table) return { kind: 'dev', name: parts[1]!, table };
    }
    if (this.rootDirs.has(p)) return { kind: 'root', path: p };
    throw err('ENOENT', `${p} does not exist`);
  }

  private *resolveParent(path: string): KGen<{ parent: Node; name: string }> {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw err('EEXIST', `${path} is the root directory`);
    const parent = yield* this.resolve(join(parts));
    if (parent.kind === 'dev') throw err('ENOTDIR', `${join(parts)} is not a directory`);
    return { parent, name };
  }

  private *lookupOrCreate(parent: Node, name: string, path: string): KGen<Node> {
    if (parent.kind !== 'fs') {
      const p = join([...splitPath(path)]);
      if (this.rootDirs.has(p)) return { kind: 'root', path: p };
      throw err('EPERM', `cannot create ${p}: the root filesystem holds only directories`, 'create files under a mounted filesystem, e.g. /mnt');
    }
    try {
      const ino = (yield* this.fsCall(parent.mount, 'lookup', parent.ino, name)) as number;
      return { kind: 'fs', mount: parent.mount, ino };
    } catch (e) {
      if (!isKernelError(e) || e.errno !== 'ENOENT') throw e;
    }
    const ino = (yield* this.fsCall(parent.mount, 'create', parent.ino, name, 'file')) as number;
    return { kind: 'fs', mount: parent.mount, ino };
  }
}
