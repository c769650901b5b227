// The virtual filesystem both kernels share: the namespace, mounts, open
// files, and the file syscalls built on them, with their POSIX semantics and
// errnos. The root filesystem is a small in-kernel tree of directories (`/`,
// `/dev`, `/mnt`, and whatever mkdir adds there); `/dev` lists the devices;
// filesystems are mounted on root directories. How a filesystem or a device
// is reached is the kernel's business, behind `VfsBackend`: the procedural
// kernel calls ops tables through their stubs (kernel/filesystems.ts), the
// object twin calls objects through its translation table (oo/).
//
// What a kernel hands the VFS, its filesystems (`FsDriver`: the typed
// contract `FsOps` of exec/fsops.ts) and devices, is exec/vfs-backend.ts.
// The mount table (claims while a mount or umount runs, the pins a mount
// holds, which mount each syscall has reached) is exec/mounts.ts: mount and
// umount check the namespace and the open files here, then hand over to it.

import { type Attr, FIRST_FD, joinPath as join, O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, splitPath, type StatFs } from './abi.js';
import { err, isKernelError } from './errno.js';
import type { HookList } from './hooks.js';
import { SECTOR_SIZE as SECTOR } from '../hw/disk.js';
import type { Scheduler } from './sched.js';
import type { KGen, Thread } from './thread.js';
import type { DeviceNode, VfsBackend } from './vfs-backend.js';
import { type Mount, Mounts } from './mounts.js';

type Node =
  | { readonly kind: 'root'; readonly path: string }
  | { readonly kind: 'dev'; readonly name: string; readonly dev: DeviceNode }
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
  private readonly mounts: Mounts;
  private readonly files = new Map<number, Map<number, OpenFile>>();

  constructor(
    private readonly backend: VfsBackend,
    private readonly sched: Scheduler,
    /** Told when a thread returns from a syscall (the executive's hook). */
    syscallReturn: HookList<[Thread]>,
  ) {
    this.mounts = new Mounts(backend, sched, syscallReturn);
  }

  mountTable(): { path: string; fstype: string; dev: string }[] {
    return this.mounts.mountTable();
  }

  /** Open files of all threads (for rmmod and umount checks, and `stat`). */
  openFiles(): number {
    let n = 0;
    for (const t of this.files.values()) n += t.size;
    return n;
  }

  /** Close every file a finished thread left open. */
  releaseThread(t: Thread): void {
    this.mounts.leave(t.tid);
    const table = this.files.get(t.tid);
    if (!table) return;
    for (const f of table.values()) if (f.owner) this.backend.unpin(f.owner);
    this.files.delete(t.tid);
  }

  // ---- syscalls ---------------------------------------------------------

  *mount(fstype: string, dev: string, path: string): KGen<void> {
    const p = join(splitPath(path));
    if (!this.rootDirs.has(p)) throw err('ENOENT', `mount point ${p} does not exist`, `mkdir ${p} first (mount points are directories of the root filesystem)`);
    if (p === '/' || p === '/dev') throw err('EINVAL', `cannot mount on ${p}`, 'mount on /mnt or a directory made under /');
    yield* this.mounts.mount(fstype, dev, p);
  }

  *umount(path: string): KGen<void> {
    const p = join(splitPath(path));
    const m = this.mounts.get(p);
    if (!m) throw err('EINVAL', `${p} is not a mount point`);
    for (const table of this.files.values()) {
      for (const f of table.values()) if (f.node.kind === 'fs' && f.node.mount === m) throw err('EBUSY', `${p} has open files`, 'close them first');
    }
    yield* this.mounts.umount(m);
  }

  *open(path: string, flags: number = O_RDONLY): KGen<number> {
    const acc = flags & 3;
    if (acc === 3) throw err('EINVAL', `bad open flags ${flags}`);
    let node: Node;
    if (flags & O_CREAT) {
      const { parent, name } = yield* this.resolveParent(path, 'EISDIR');
      node = yield* this.lookupOrCreate(parent, name, path);
    } else {
      node = yield* this.resolve(path);
    }
    let owner: string | null = null;
    if (node.kind === 'fs') {
      const attr = yield* node.mount.fs.getattr(node.mount.dev, node.ino);
      if (attr.type === 'dir' && acc !== O_RDONLY) throw err('EISDIR', `${path} is a directory`);
      if (attr.type === 'file' && flags & O_TRUNC && acc !== O_RDONLY) yield* node.mount.fs.truncate(node.mount.dev, node.ino, 0);
      owner = node.mount.fs.owner;
    } else if (node.kind === 'dev') {
      owner = node.dev.owner; // O_TRUNC means nothing to a device and is ignored, as on Linux
    } else if (acc !== O_RDONLY) {
      throw err('EISDIR', `${path} is a directory`);
    }
    const t = this.sched.self();
    let table = this.files.get(t.tid);
    if (!table) this.files.set(t.tid, (table = new Map()));
    let fd = FIRST_FD;
    while (table.has(fd)) fd++;
    if (owner) this.backend.pin(owner);
    table.set(fd, { node, flags, offset: 0, owner });
    return fd;
  }

  *close(fd: number): KGen<void> {
    const table = this.files.get(this.sched.self().tid);
    const f = table?.get(fd);
    if (!table || !f) throw err('EBADF', `fd ${fd} is not open`);
    table.delete(fd);
    if (f.owner) this.backend.unpin(f.owner);
  }

  *read(fd: number, len: number): KGen<Uint8Array> {
    const f = this.fd(fd);
    if ((f.flags & 3) === O_WRONLY) throw err('EBADF', `fd ${fd} is open for writing only`);
    if (!Number.isInteger(len) || len < 0) throw err('EINVAL', `read length ${len}`);
    const n = f.node;
    if (n.kind === 'fs') {
      const data = yield* n.mount.fs.read(n.mount.dev, n.ino, f.offset, len);
      f.offset += data.length;
      return data;
    }
    if (n.kind === 'dev' && n.dev.kind === 'blk') {
      const size = n.dev.capacity() * SECTOR;
      const end = Math.min(size, f.offset + len);
      if (f.offset >= end) return new Uint8Array(0);
      const first = Math.floor(f.offset / SECTOR);
      const data = yield* this.blkRead(n.dev, first, Math.ceil(end / SECTOR) - first);
      const out = data.slice(f.offset - first * SECTOR, end - first * SECTOR);
      f.offset = end;
      return out;
    }
    if (n.kind === 'dev' && n.dev.kind === 'chr') {
      const r = yield* n.dev.read(f.offset, len);
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
      if (f.flags & O_APPEND) f.offset = (yield* n.mount.fs.getattr(n.mount.dev, n.ino)).size;
      const count = yield* n.mount.fs.write(n.mount.dev, n.ino, f.offset, data);
      f.offset += count;
      return count;
    }
    if (n.kind === 'dev' && n.dev.kind === 'blk') {
      if (f.offset % SECTOR !== 0 || data.length % SECTOR !== 0) throw err('EINVAL', `a block device is written in whole sectors of ${SECTOR} bytes`, 'seek to a multiple of 512 and write multiples of 512 bytes');
      for (let i = 0; i < data.length / SECTOR; i++) yield* n.dev.submit('write', f.offset / SECTOR + i, data.slice(i * SECTOR, (i + 1) * SECTOR));
      f.offset += data.length;
      return data.length;
    }
    if (n.kind === 'dev' && n.dev.kind === 'chr') return yield* n.dev.write(data);
    throw err('EISDIR', `fd ${fd} is a directory`);
  }

  *lseek(fd: number, offset: number, whence: number = SEEK_SET): KGen<number> {
    const f = this.fd(fd);
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = f.offset;
    else if (whence === SEEK_END && f.node.kind === 'fs') base = (yield* f.node.mount.fs.getattr(f.node.mount.dev, f.node.ino)).size;
    else throw err('EINVAL', `bad whence ${whence}`);
    const pos = base + offset;
    if (!Number.isInteger(pos) || pos < 0) throw err('EINVAL', `seek to ${pos}`);
    f.offset = pos;
    return pos;
  }

  *stat(path: string): KGen<Attr> {
    const n = yield* this.resolve(path);
    if (n.kind === 'fs') return yield* n.mount.fs.getattr(n.mount.dev, n.ino);
    if (n.kind === 'dev' && n.dev.kind === 'blk') return { ino: 0, type: 'blk', size: n.dev.capacity() * SECTOR, nlink: 1 };
    if (n.kind === 'dev') return { ino: 0, type: 'chr', size: 0, nlink: 1 };
    return { ino: 0, type: 'dir', size: 0, nlink: 2 };
  }

  *mkdir(path: string): KGen<void> {
    const { parent, name } = yield* this.resolveParent(path);
    if (parent.kind === 'fs') {
      yield* parent.mount.fs.create(parent.mount.dev, parent.ino, name, 'dir');
    } else if (parent.kind === 'root') {
      const p = join([...splitPath(parent.path), name]);
      if (this.rootDirs.has(p) || (parent.path === '/dev')) throw err('EEXIST', `${p} exists`);
      this.rootDirs.add(p);
    } else {
      throw err('ENOTDIR', `${path}: parent is not a directory`);
    }
  }

  *unlink(path: string): KGen<void> {
    const { parent, name } = yield* this.resolveParent(path, 'EISDIR');
    if (parent.kind !== 'fs') {
      const p = join([...splitPath(path)]);
      if (this.rootDirs.has(p)) throw err('EISDIR', `${p} is a directory`, 'use rmdir');
      throw err(parent.kind === 'root' && parent.path === '/dev' ? 'EPERM' : 'ENOENT', `cannot unlink ${p}`);
    }
    yield* parent.mount.fs.unlink(parent.mount.dev, parent.ino, name);
  }

  *rmdir(path: string): KGen<void> {
    const p = join(splitPath(path));
    if (this.mounts.get(p)) throw err('EBUSY', `${p} is a mount point`, `umount ${p} first`);
    const { parent, name } = yield* this.resolveParent(path, 'EBUSY');
    if (parent.kind === 'fs') {
      yield* parent.mount.fs.rmdir(parent.mount.dev, parent.ino, name);
      return;
    }
    if (!this.rootDirs.has(p)) throw err('ENOENT', `${p} does not exist`);
    if (p === '/dev' || p === '/mnt') throw err('EPERM', `${p} is part of the root filesystem`);
    if ([...this.rootDirs].some((d) => d.startsWith(p + '/'))) throw err('ENOTEMPTY', `${p} is not empty`);
    this.rootDirs.delete(p);
  }

  *statfs(path: string): KGen<StatFs> {
    const n = yield* this.resolve(path);
    // The root namespace is in memory and has no blocks, as Linux's rootfs
    // and other pseudo filesystems report none: statfs works, with zeros.
    if (n.kind !== 'fs') return { blockSize: SECTOR, blocks: 0, free: 0, files: this.rootDirs.size };
    return yield* n.mount.fs.statfs(n.mount.dev);
  }

  *readdir(path: string): KGen<string[]> {
    const n = yield* this.resolve(path);
    if (n.kind === 'fs') return yield* n.mount.fs.readdir(n.mount.dev, n.ino);
    if (n.kind === 'dev') throw err('ENOTDIR', `${path} is a device`);
    if (n.path === '/dev') return this.backend.deviceNames().sort();
    const depth = splitPath(n.path).length;
    const names = [...this.rootDirs].filter((d) => d !== n.path && d.startsWith(n.path === '/' ? '/' : n.path + '/') && splitPath(d).length === depth + 1);
    return names.map((d) => splitPath(d)[depth]!).sort();
  }

  /** Whole sectors [first, first+count) of a block device. */
  private *blkRead(dev: DeviceNode & { kind: 'blk' }, first: number, count: number): KGen<Uint8Array> {
    const out = new Uint8Array(count * SECTOR);
    for (let i = 0; i < count; i++) {
      const buf = new Uint8Array(SECTOR);
      yield* dev.submit('read', first + i, buf);
      out.set(buf, i * SECTOR);
    }
    return out;
  }

  // ---- resolution -------------------------------------------------------

  private fd(fd: number): OpenFile {
    const t = this.sched.self();
    const f = this.files.get(t.tid)?.get(fd);
    if (!f) throw err('EBADF', `fd ${fd} is not open`);
    if (f.node.kind === 'fs') this.mounts.enter(t.tid, f.node.mount);
    return f;
  }

  *resolve(path: string): KGen<Node> {
    const parts = splitPath(path);
    const hit = this.mounts.mountOf(parts);
    if (hit) {
      const t = this.sched.current;
      if (t) this.mounts.enter(t.tid, hit.mount);
      let ino = hit.mount.root;
      for (const name of hit.rest) ino = yield* hit.mount.fs.lookup(hit.mount.dev, ino, name);
      return { kind: 'fs', mount: hit.mount, ino };
    }
    const node = this.rootNode(parts);
    if (node) return node;
    throw err('ENOENT', `${join(parts)} does not exist`);
  }

  /** What `parts` names in the root filesystem (a device under /dev or a root directory), if anything. */
  private rootNode(parts: readonly string[]): Node | null {
    if (parts.length === 2 && parts[0] === 'dev') {
      const dev = this.backend.device(parts[1]!);
      if (dev) return { kind: 'dev', name: parts[1]!, dev };
    }
    const p = join(parts);
    return this.rootDirs.has(p) ? { kind: 'root', path: p } : null;
  }

  /**
   * The directory that holds the last component of `path`, and that name.
   * `path` may name the root directory itself (`/`, `/mnt/..`): that fails
   * with `onRoot`, the errno Linux gives for the operation (EEXIST for
   * mkdir, EISDIR for unlink and open to write, EBUSY for rmdir).
   */
  private *resolveParent(path: string, onRoot: 'EEXIST' | 'EISDIR' | 'EBUSY' = 'EEXIST'): KGen<{ parent: Node; name: string }> {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw err(onRoot, `${path} is the root directory`);
    const parent = yield* this.resolve(join(parts));
    if (parent.kind === 'dev') throw err('ENOTDIR', `${join(parts)} is not a directory`);
    return { parent, name };
  }

  private *lookupOrCreate(parent: Node, name: string, path: string): KGen<Node> {
    if (parent.kind !== 'fs') {
      // An existing device or directory opens as it is (POSIX O_CREAT); nothing new is made here.
      const parts = splitPath(path);
      const existing = this.rootNode(parts);
      if (existing) return existing;
      throw err('EPERM', `cannot create ${join(parts)}: the root filesystem holds only directories`, 'create files under a mounted filesystem, e.g. /mnt');
    }
    try {
      const ino = yield* parent.mount.fs.lookup(parent.mount.dev, parent.ino, name);
      return { kind: 'fs', mount: parent.mount, ino };
    } catch (e) {
      if (!isKernelError(e) || e.errno !== 'ENOENT') throw e;
    }
    const ino = yield* parent.mount.fs.create(parent.mount.dev, parent.ino, name, 'file');
    return { kind: 'fs', mount: parent.mount, ino };
  }
}
