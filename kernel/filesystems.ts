// How the procedural kernel gives the shared VFS its filesystems and devices:
// through the `fs:<type>`, `blkdev:<dev>` and `chrdev:<dev>` ops tables, so
// every call goes through a stub. An `fs:` table implements the fs contract
// (`FsOps`, exec/fsops.ts), against which its module's table was checked.
// This code is written for version 1 of every table (and, for each fs
// operation added later, the version that added it): it calls each table
// through the view of the version it was written for, which a module that
// changed an operation's signature provides in its compat. A mount or an open
// file pins the module that owns the table.
//
// Module code is untrusted, so what an operation returns is checked here
// before the VFS uses it: a result its contract does not allow (a chrdev read
// that returns a number, a mount that returns no inode) is a bug in the
// module, thrown as a plain Error, which the syscall entry turns into an oops
// and EIO (exec/executive.ts), never a raw JavaScript error further on.

import { FS_OP_SINCE, type FsOpName, type FsOps } from '../exec/fsops.js';
import type { Directive, KGen } from '../exec/thread.js';
import type { DeviceNode, FsDriver, VfsBackend } from '../exec/vfs-backend.js';
import type { Loader } from './loader.js';
import { callOp, callOpPlain, opSlot, type OpsHandle, type OpsRegistry, type OpsTable, requireVersion } from './ops.js';

/** The blkdev and chrdev interface versions this code is written for. */
const BLKDEV_VERSION = 1;
const CHRDEV_VERSION = 1;

/** A short description of a value for an oops: `42`, `'text'`, `undefined`, `an object { a, b }`. */
function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  const keys = Object.keys(value);
  return `an object { ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''} }`;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** What each operation must return, where the VFS uses the result: a test and its description. */
type ResultCheck = readonly [(v: unknown) => boolean, string];
const INODE: ResultCheck = [isCount, 'an inode number'];
const FS_RESULTS: Readonly<Partial<Record<FsOpName, ResultCheck>>> = {
  mount: INODE,
  lookup: INODE,
  create: INODE,
  getattr: [(v) => isObject(v) && (v.type === 'file' || v.type === 'dir') && isCount(v.size), "an Attr { type: 'file' | 'dir', size, ... }"],
  readdir: [(v) => Array.isArray(v) && v.every((n) => typeof n === 'string'), 'an array of names'],
  read: [(v) => v instanceof Uint8Array, 'a Uint8Array'],
  write: [isCount, 'a count of bytes'],
  statfs: [(v) => isObject(v) && isCount(v.blockSize) && isCount(v.blocks) && isCount(v.free) && isCount(v.files), 'a StatFs { blockSize, blocks, free, files }'],
};
const CHR_READ: ResultCheck = [(v) => isObject(v) && v.data instanceof Uint8Array && isCount(v.pos), '{ data: Uint8Array, pos: number }'];
const COUNT: ResultCheck = [isCount, 'a count of bytes'];
const SECTORS: ResultCheck = [isCount, 'a number of sectors'];

/** `value`, if operation `op` of `table` may return it; else the module's bug, as an oops. */
function checked<T>(table: OpsHandle, op: string, value: unknown, check: ResultCheck | undefined): T {
  if (check && !check[0](value)) throw new Error(`${table.kind}:${table.name}.${op} of ${table.owner} returned ${show(value)}, not ${check[1]}`);
  return value as T;
}

/**
 * The call of a blocking operation, its result checked when it returns: an
 * iterator around the stub's generator, which `yield*` drives as it would
 * drive a generator (every step, throw and return forwarded). It holds no
 * frame of its own to suspend and resume, as a generator around the stub
 * would at every step of a thread blocked in the operation. A return (a
 * killed thread unwinding) is passed on unchecked, as a generator's `finally`
 * would be the only code to run there.
 */
class CheckedCall<T> implements KGen<T> {
  constructor(
    private readonly call: KGen<unknown>,
    private readonly table: OpsHandle,
    private readonly op: string,
    private readonly check: ResultCheck | undefined,
  ) {}

  next(value?: unknown): IteratorResult<Directive, T> {
    return this.checked(this.call.next(value));
  }

  throw(e: unknown): IteratorResult<Directive, T> {
    return this.checked(this.call.throw(e));
  }

  return(value: T): IteratorResult<Directive, T> {
    return this.call.return(value) as IteratorResult<Directive, T>;
  }

  [Symbol.iterator](): this {
    return this;
  }

  private checked(r: IteratorResult<Directive, unknown>): IteratorResult<Directive, T> {
    if (r.done === true) checked(this.table, this.op, r.value, this.check);
    return r as IteratorResult<Directive, T>;
  }
}

/** What a non-blocking operation returned (checked already), as the generator the fs contract calls for: done at the first step. */
class Returned<T> implements KGen<T> {
  /**
   * An instance that lives as long as the process, so that the class's
   * hidden class survives garbage collections. V8 gives an instance the
   * map it reaches from the class's initial map by adding `result`, and
   * keeps a map reached that way only while some object has it. A Returned
   * lives for one call, so a full (mark-compact) collection found none
   * alive, freed the map, and with it threw away the optimized code of every
   * function that built or checked one (the VFS's `read`, `resolve`, `open`,
   * the dispatch in `fsOp`, `next` here: deopt reason "weak objects"), which
   * was then run in baseline code and compiled again: 106.5k against 87.4k
   * instructions per workload syscall (callgrind, 16 threads). A CheckedCall
   * needs no such instance: a thread blocked in an operation holds one.
   */
  static readonly mapAnchor = new Returned<unknown>(undefined);

  private readonly result: IteratorReturnResult<T>;

  constructor(value: T) {
    this.result = { done: true, value };
  }

  next(): IteratorResult<Directive, T> {
    return this.result;
  }

  throw(e: unknown): IteratorResult<Directive, T> {
    throw e;
  }

  return(value: T): IteratorResult<Directive, T> {
    return { done: true, value };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Operation `op` of fs table `table`, called through its stub in the view of
 * the interface version that added it (ENOSYS on an older table). The table's
 * entries are untyped stubs; this is where they take the contract's types,
 * which the module's table was checked against when it was compiled.
 *
 * Not a generator itself: the VFS calls an operation with `yield*` at once,
 * so the dispatch (and a plain operation's whole call) runs at the call, and
 * a blocking operation's stub generator is handed back inside a CheckedCall.
 */
function fsOp<K extends FsOpName>(ops: OpsRegistry, table: OpsTable, op: K): FsOps[K] {
  const version = FS_OP_SINCE[op] ?? 1;
  const check = FS_RESULTS[op];
  return ((...args: unknown[]): KGen<unknown> => {
    requireVersion(table, version, op);
    const h = ops.view(table, version);
    const fn = h.entries[op]!;
    if (opSlot(h, op).generator) return new CheckedCall(fn(...args) as KGen<unknown>, table, op, check);
    return new Returned(checked(table, op, fn(...args), check));
  }) as FsOps[K];
}

export function moduleFilesystems(ops: OpsRegistry, loader: Loader): VfsBackend {
  const fsDriver = (table: OpsTable): FsDriver => ({
    owner: table.owner,
    mount: fsOp(ops, table, 'mount'),
    umount: fsOp(ops, table, 'umount'),
    lookup: fsOp(ops, table, 'lookup'),
    create: fsOp(ops, table, 'create'),
    unlink: fsOp(ops, table, 'unlink'),
    rmdir: fsOp(ops, table, 'rmdir'),
    getattr: fsOp(ops, table, 'getattr'),
    readdir: fsOp(ops, table, 'readdir'),
    read: fsOp(ops, table, 'read'),
    write: fsOp(ops, table, 'write'),
    truncate: fsOp(ops, table, 'truncate'),
    statfs: fsOp(ops, table, 'statfs'),
  });
  const deviceNode = (table: OpsTable): DeviceNode =>
    table.kind === 'blkdev'
      ? {
          kind: 'blk',
          owner: table.owner,
          capacity: () => checked(table, 'capacity', callOpPlain(ops.view(table, BLKDEV_VERSION), 'capacity'), SECTORS),
          *submit(op, sector, buf) {
            yield* callOp(ops.view(table, BLKDEV_VERSION), 'submit', op, sector, buf);
          },
        }
      : {
          kind: 'chr',
          owner: table.owner,
          *read(pos, len) {
            return checked(table, 'read', yield* callOp(ops.view(table, CHRDEV_VERSION), 'read', pos, len), CHR_READ);
          },
          *write(data) {
            return checked(table, 'write', yield* callOp(ops.view(table, CHRDEV_VERSION), 'write', data), COUNT);
          },
        };
  return {
    filesystem(fstype) {
      const t = ops.get('fs', fstype);
      return t && fsDriver(t);
    },
    device(name) {
      const t = ops.get('chrdev', name) ?? ops.get('blkdev', name);
      return t && deviceNode(t);
    },
    deviceNames: () => [...ops.list('chrdev'), ...ops.list('blkdev')].map((t) => t.name),
    missing: { fs: (fstype) => `insmod ${fstype} first`, dev: 'insmod the block driver first (insmod blkdev)' },
    pin: (owner) => loader.pin(owner),
    unpin: (owner) => loader.unpin(owner),
  };
}
