// The object twin's kernel: on the same executive as the procedural kernel
// (scheduler, syscall entry, the shared VFS), its services are objects in
// K42's style, reached only through the object translation table: a
// BlockDevice, a FileSystem per volume and an Inode per file or directory,
// each made and tracked by its class's factory. Thread generations follow
// user threads in and out of the kernel, for the hot-swap's quiescence.

import { err } from '../exec/errno.js';
import { Executive, type SyscallImpl } from '../exec/executive.js';
import { type Attr, type StatFs, SYSCALLS, type SyscallName } from '../exec/abi.js';
import type { Thread, WaitQueue } from '../exec/thread.js';
import type { FsDriver, VfsBackend } from '../exec/vfs-backend.js';
import { Vfs } from '../exec/vfs.js';
import { flatten } from '../exec/waitkey.js';
import { IRQ_DISK0, IRQ_TIMER, Machine, type MachineConfig } from '../hw/machine.js';
import { CLASS_HISTORIES, DEFAULT_RELEASES, RELEASES } from './classes/releases.js';
import { Factory } from './factory.js';
import { Generations } from './generations.js';
import type { ObjClass, ObjEnv } from './objclass.js';
import { type ObjId, Ott } from './ott.js';
import { ObjectShadows } from './shadow.js';

export const OO_KERNEL_VERSION = '1.0.0';

export interface ObjectKernelOptions {
  /** Release of each component to boot with (default: the first of each history). */
  readonly releases?: Readonly<Record<string, string>>;
}

export class ObjectKernel extends Executive {
  readonly ott: Ott;
  readonly generations = new Generations();
  readonly factories = new Map<string, Factory>();
  readonly vfs: Vfs;
  readonly env: ObjEnv;
  /** Shadow variables of every object (oo/shadow.ts). */
  readonly shadows: ObjectShadows;
  /** The running release of each component (blkdev, simplefs). */
  readonly releases = new Map<string, string>();
  /** For each release, the releases it ran before each committed update, newest last: what revert goes back to (the update stack). */
  readonly updateStacks = new Map<string, string[]>();
  /** The kernel log: what dmesg would show. */
  readonly log: string[] = [];
  /** The block device object of disk0. */
  blockDevice: ObjId = 0;
  /** The FileSystem object of each volume, by device. */
  private readonly volumes = new Map<string, ObjId>();
  private readonly queues = new Map<string, WaitQueue>();
  private readonly syscalls = new Map<SyscallName, SyscallImpl>();
  private booted = false;

  constructor(machine: Machine, options: ObjectKernelOptions = {}) {
    super(machine, 'oo-update');
    const releases = { ...DEFAULT_RELEASES, ...options.releases };
    const versions = new Map<string, string>();
    for (const [component, release] of Object.entries(releases)) {
      const classes = RELEASES[component]?.[release];
      if (!classes) throw err('ENOENT', `the twin has no release ${component}@${release}`, `releases: ${Object.entries(RELEASES).flatMap(([c, r]) => Object.keys(r).map((v) => `${c}@${v}`)).join(', ')}`);
      this.releases.set(component, release);
      for (const [cls, v] of Object.entries(classes)) versions.set(cls, v);
    }
    for (const history of CLASS_HISTORIES) {
      const name = history[0]!.name;
      this.factories.set(name, new Factory(history, versions.get(name) ?? history[0]!.version));
    }
    this.ott = new Ott(machine.cpus.length, () => this.sched.current?.cpu ?? 0, (id, iface) => this.adaptorFor(id, iface));
    this.shadows = new ObjectShadows((id) => this.instance(id)?.obj);
    this.env = this.makeEnv();
    this.vfs = new Vfs(this.backend(), this.sched, this.hooks.syscallReturn);
    this.hooks.syscallEnter.add((t) => this.generations.enter(t));
    this.hooks.syscallReturn.add((t) => this.generations.leave(t));
  }

  /** Attach the timer and the disk interrupt, make the block device object, start the clock. */
  boot(): this {
    if (this.booted) return this;
    this.booted = true;
    this.machine.irq.attach(IRQ_TIMER, () => this.sched.tick());
    this.blockDevice = this.env.create('BlockDevice', 'new', { dev: 'disk0' });
    this.machine.irq.attach(IRQ_DISK0, (line, payload) => {
      try {
        this.ott.callPlain(this.blockDevice, 'interrupt', [line, payload]);
      } catch (e) {
        this.oops('irq disk0', e);
      }
    });
    for (const name of SYSCALLS) {
      this.syscalls.set(name, (this.vfs[name] as SyscallImpl).bind(this.vfs));
    }
    this.machine.timer.tickless(() => this.sched.idle());
    this.machine.timer.start();
    this.printk(`livemod object kernel ${OO_KERNEL_VERSION}: ${this.machine.cpus.length} CPUs, seed ${this.machine.config.seed}; ${[...this.releases].map(([c, r]) => `${c} ${r}`).join(', ')}`);
    return this;
  }

  printk(text: string): void {
    this.log.push(`[${String(this.machine.now).padStart(10)}] ${text}`);
  }

  protected syscallImpl(name: SyscallName): SyscallImpl | undefined {
    return this.syscalls.get(name);
  }

  protected releaseThread(t: Thread): void {
    this.vfs.releaseThread(t);
    this.generations.leave(t);
  }

  factory(cls: string): Factory {
    const f = this.factories.get(cls);
    if (!f) throw err('ENOENT', `no object class ${cls}`, `classes: ${[...this.factories.keys()].join(', ')}`);
    return f;
  }

  /** The factory and class version of object `id`. */
  instance(id: ObjId): { factory: Factory; cls: ObjClass; obj: object } | undefined {
    for (const f of this.factories.values()) {
      const i = f.instances.get(id);
      if (i) return { factory: f, ...i };
    }
    return undefined;
  }

  /** The FileSystem object of volume `dev`, once it has been mounted. */
  volume(dev: string): ObjId | undefined {
    return this.volumes.get(dev);
  }

  /** Objects alive, by class. */
  census(): Record<string, number> {
    return Object.fromEntries([...this.factories].map(([n, f]) => [n, f.instances.size]));
  }

  private adaptorFor(id: ObjId, iface: number): object {
    const i = this.instance(id);
    const make = i?.cls.adaptors?.[iface];
    if (!i || !make) throw err('ENOSYS', `object ${id} (${i ? `${i.cls.name} ${i.cls.version}` : 'gone'}) implements interface ${this.ott.iface(id)} and has no adaptor for callers of interface ${iface}`);
    return make(this.env, id);
  }

  private queue(key: string): WaitQueue {
    flatten(key);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = this.sched.waitQueue(key)));
    return q;
  }

  private makeEnv(): ObjEnv {
    const ott = this.ott;
    const sched = this.sched;
    const k = this;
    const env: ObjEnv = {
      call: (id, method, ...args) => ott.call(id, method, args),
      callPlain: (id, method, ...args) => ott.callPlain(id, method, args),
      callAs: (iface, id, method, ...args) => ott.call(id, method, args, iface),
      create: (cls, format, data) => this.factory(cls).create(ott, env, format, data),
      destroy: (id) => {
        const i = this.instance(id);
        if (!i) throw new Error(`object ${id} does not exist`);
        i.factory.destroy(ott, id);
        this.shadows.dropObject(id);
      },
      work: (c) => sched.work(c),
      now: () => this.machine.now,
      wait: (key, why) => this.queue(key).wait(sched.self(), why),
      waitInterruptible: (key, why) => this.queue(key).wait(sched.self(), why, true),
      waitTimeout: function* (this: void, key: string, cycles: number, why: string) {
        const q = k.queue(key);
        try {
          return yield* sched.waitTimeout(q, cycles, why);
        } finally {
          if (q.length === 0 && k.queues.get(key) === q) k.queues.delete(key);
        }
      },
      wakeOne: (key) => {
        flatten(key);
        const q = this.queues.get(key);
        if (!q) return false;
        const r = q.wakeOne();
        if (q.length === 0) this.queues.delete(key);
        return r;
      },
      printk: (text) => this.printk(text),
      disk: (name) => this.machine.disks.find((d) => d.name === name),
      shadow: this.shadows,
    };
    return Object.freeze(env);
  }

  /** The VFS's view of the objects: simplefs is the FileSystem and Inode objects, disk0 the BlockDevice. */
  private backend(): VfsBackend {
    const ott = this.ott;
    const volume = (dev: string): ObjId => {
      const id = this.volumes.get(dev);
      if (id === undefined) throw err('EINVAL', `${dev} was never mounted`);
      return id;
    };
    /** The Inode object of `ino` on volume `dev`. */
    const inode = (dev: string, ino: number): ObjId => ott.callPlain(volume(dev), 'inode', [ino]) as ObjId;
    const k = this;
    // The fs contract on the objects: the OTT's calls are untyped, so each
    // result takes the contract's type here. Inodes' directory operations and
    // getattr never block; read, write and truncate may.
    const simplefs: FsDriver = {
      owner: 'FileSystem',
      *mount(dev) {
        return k.mountVolume(dev);
      },
      *umount(dev) {
        ott.callPlain(volume(dev), 'umount', []);
      },
      *lookup(dev, dir, name) {
        return ott.callPlain(inode(dev, dir), 'lookup', [name]) as number;
      },
      *create(dev, dir, name, type) {
        return ott.callPlain(inode(dev, dir), 'create', [name, type]) as number;
      },
      *unlink(dev, dir, name) {
        ott.callPlain(inode(dev, dir), 'unlink', [name]);
      },
      *rmdir(dev, dir, name) {
        ott.callPlain(inode(dev, dir), 'rmdir', [name]);
      },
      *getattr(dev, ino) {
        return ott.callPlain(inode(dev, ino), 'getattr', []) as Attr;
      },
      *readdir(dev, ino) {
        return ott.callPlain(inode(dev, ino), 'readdir', []) as string[];
      },
      *read(dev, ino, off, len) {
        return (yield* ott.call(inode(dev, ino), 'read', [off, len])) as Uint8Array;
      },
      *write(dev, ino, off, data) {
        return (yield* ott.call(inode(dev, ino), 'write', [off, data])) as number;
      },
      *truncate(dev, ino, size) {
        yield* ott.call(inode(dev, ino), 'truncate', [size]);
      },
      *statfs(dev) {
        const fs = volume(dev);
        const i = k.instance(fs)!;
        if (!('statfs' in i.obj)) throw err('ENOSYS', `FileSystem ${i.cls.version} has no statfs`, 'update simplefs to 2.1.0 or later');
        return ott.callPlain(fs, 'statfs', []) as StatFs;
      },
    };
    return {
      filesystem: (fstype) => (fstype === 'simplefs' ? simplefs : undefined),
      device: (name) =>
        name === 'disk0' && this.blockDevice
          ? {
              kind: 'blk',
              owner: 'BlockDevice',
              capacity: () => ott.callPlain(this.blockDevice, 'capacity', [], 1) as number,
              *submit(op, sector, buf) {
                yield* ott.call(k.blockDevice, 'submit', [op, sector, buf], 1);
              },
            }
          : undefined,
      deviceNames: () => (this.blockDevice ? ['disk0'] : []),
      missing: { fs: () => 'the object kernel has simplefs only', dev: 'the object kernel has disk0 only' },
      // Objects are never unloaded, so nothing needs pinning while mounted or open.
      pin: () => undefined,
      unpin: () => undefined,
    };
  }

  /** Mount `dev`: make and format its FileSystem object on first use. */
  private mountVolume(dev: string): number {
    const existing = this.volumes.get(dev);
    if (existing !== undefined) return this.ott.callPlain(existing, 'mount', []) as number;
    const blocks = this.ott.callPlain(this.blockDevice, 'capacity', [], 1) as number;
    const fs = this.env.create('FileSystem', 'new', { dev, blk: this.blockDevice, blocks });
    this.volumes.set(dev, fs);
    return this.ott.callPlain(fs, 'format', [fs]) as number;
  }
}

/** A machine from `config`, with a booted object kernel on it. */
export function bootObjectKernel(config: Partial<MachineConfig> = {}, options: ObjectKernelOptions = {}): ObjectKernel {
  return new ObjectKernel(new Machine(config), options).boot();
}
