// The VFS's mount table and its bookkeeping: which filesystem is mounted where
// and on which device, the claims that keep a mount point and its device
// while a mount or umount is under way (the filesystem's may block), the
// pins a mount holds on the modules that own the filesystem and the device,
// and which mount each thread's running syscall has reached, so that umount
// is EBUSY while another thread is inside. exec/vfs.ts checks the namespace
// (is the mount point a root directory, are files open on the volume) and
// resolves paths through `mountOf`; the kernel reaches filesystems and
// devices through `VfsBackend` (exec/vfs-backend.ts).

import { joinPath as join } from './abi.js';
import { err } from './errno.js';
import type { HookList } from './hooks.js';
import type { Scheduler } from './sched.js';
import type { KGen, Thread } from './thread.js';
import type { FsDriver, VfsBackend } from './vfs-backend.js';

export interface Mount {
  readonly path: string;
  readonly fstype: string;
  readonly dev: string;
  readonly fs: FsDriver;
  readonly root: number;
  /** The module that owns the block device (pinned while mounted). */
  readonly devOwner: string;
}

export class Mounts {
  private readonly mounts = new Map<string, Mount>();
  /** Mount points and their devices whose mount or umount is under way (the filesystem's may block). */
  private readonly mounting = new Map<string, string>();
  /**
   * The mount each thread's running syscall has reached (set when a path or
   * fd leads into it, cleared when the syscall returns): umount is EBUSY
   * while any other thread is inside.
   */
  private readonly inside = new Map<number, Mount>();

  constructor(
    private readonly backend: VfsBackend,
    private readonly sched: Scheduler,
    /** Told when a thread returns from a syscall (the executive's hook). */
    syscallReturn: HookList<[Thread]>,
  ) {
    syscallReturn.add((t) => {
      this.inside.delete(t.tid);
    });
  }

  mountTable(): { path: string; fstype: string; dev: string }[] {
    return [...this.mounts.values()].map(({ path, fstype, dev }) => ({ path, fstype, dev }));
  }

  /** The mount on mount point `p` (a normalized path), if any. */
  get(p: string): Mount | undefined {
    return this.mounts.get(p);
  }

  /** Thread `tid`'s running syscall has reached mount `m`. */
  enter(tid: number, m: Mount): void {
    this.inside.set(tid, m);
  }

  /** Thread `tid` is inside no mount any more (it finished). */
  leave(tid: number): void {
    this.inside.delete(tid);
  }

  /**
   * Mount `fstype` from `dev` on `p`, a root directory the VFS has checked.
   * The path and the device are claimed while the filesystem's mount runs.
   */
  *mount(fstype: string, dev: string, p: string): KGen<void> {
    if (this.mounts.has(p)) throw err('EBUSY', `${p} is already a mount point`, `umount ${p} first`);
    if (this.mounting.has(p)) throw err('EBUSY', `a mount or umount of ${p} is under way`, 'wait for it to finish, then try again');
    if ([...this.mounts.values()].some((m) => p.startsWith(m.path + '/'))) throw err('EINVAL', `${p} is inside a mounted filesystem`);
    const fs = this.backend.filesystem(fstype);
    if (!fs) throw err('ENODEV', `unknown filesystem type '${fstype}'`, this.backend.missing.fs(fstype));
    const blk = this.backend.device(dev);
    if (!blk || blk.kind !== 'blk') throw err('ENODEV', `no block device '${dev}'`, this.backend.missing.dev);
    const busy = [...this.mounts.values()].find((m) => m.dev === dev);
    if (busy) throw err('EBUSY', `${dev} is already mounted on ${busy.path}`);
    const racing = [...this.mounting].find(([, d]) => d === dev);
    if (racing) throw err('EBUSY', `${dev} is being mounted or unmounted on ${racing[0]}`, 'wait for it to finish, then try again');
    // Concurrency: the filesystem's mount may block, so the path and the device
    // are claimed before it and the mount recorded in the same step it returns.
    this.mounting.set(p, dev);
    let root: number;
    try {
      root = yield* fs.mount(dev);
    } finally {
      this.mounting.delete(p);
    }
    this.backend.pin(fs.owner);
    this.backend.pin(blk.owner);
    this.mounts.set(p, { path: p, fstype, dev, fs, root, devOwner: blk.owner });
  }

  /** Unmount `m`, on which the VFS has found no open file: EBUSY while another thread's syscall is inside it. */
  *umount(m: Mount): KGen<void> {
    const p = m.path;
    const self = this.sched.self().tid;
    const users = [...this.inside].filter(([tid, at]) => at === m && tid !== self).map(([tid]) => tid);
    if (users.length) throw err('EBUSY', `${p} is in use by a syscall of thread ${users.join(', ')}`, 'wait for it to return (ps shows the thread), then umount again');
    // Out of the namespace first: the filesystem may sleep writing its
    // metadata back, and nothing may change the volume meanwhile (nor mount it again).
    this.mounts.delete(p);
    this.mounting.set(p, m.dev);
    try {
      yield* m.fs.umount(m.dev);
    } catch (e) {
      this.mounts.set(p, m);
      throw e;
    } finally {
      this.mounting.delete(p);
    }
    this.backend.unpin(m.fs.owner);
    this.backend.unpin(m.devOwner);
  }

  /** The mount that holds `parts` (the deepest mount point on its way) and the rest of the path, or null. */
  mountOf(parts: readonly string[]): { mount: Mount; rest: string[] } | null {
    for (let i = parts.length; i >= 1; i--) {
      const m = this.mounts.get(join(parts.slice(0, i)));
      if (m) return { mount: m, rest: parts.slice(i) };
    }
    return null;
  }
}
