// How the procedural kernel gives the shared VFS its filesystems and devices:
// through the `fs:<type>`, `blkdev:<dev>` and `chrdev:<dev>` ops tables, so
// every call goes through a stub. An `fs:` table implements the fs contract
// (`FsOps`, exec/fsops.ts), against which its module's table was checked.
// This code is written for version 1 of every table (and, for each fs
// operation added later, the version that added it): it calls each table
// through the view of the version it was written for, which a module that
// changed an operation's signature provides in its compat. A mount or an open
// file pins the module that owns the table.

import { FS_OP_SINCE, type FsOpName, type FsOps } from '../exec/fsops.js';
import type { DeviceNode, FsDriver, VfsBackend } from '../exec/vfs.js';
import type { Loader } from './loader.js';
import { callOp, callOpPlain, type OpsRegistry, type OpsTable, requireVersion } from './ops.js';

/** The blkdev and chrdev interface versions this code is written for. */
const BLKDEV_VERSION = 1;
const CHRDEV_VERSION = 1;

/**
 * Operation `op` of fs table `table`, called through its stub in the view of
 * the interface version that added it (ENOSYS on an older table). The table's
 * entries are untyped stubs; this is where they take the contract's types,
 * which the module's table was checked against when it was compiled.
 */
function fsOp<K extends FsOpName>(ops: OpsRegistry, table: OpsTable, op: K): FsOps[K] {
  const version = FS_OP_SINCE[op] ?? 1;
  return function* (...args: unknown[]) {
    requireVersion(table, version, op);
    return yield* callOp(ops.view(table, version), op, ...args);
  } as FsOps[K];
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
          capacity: () => callOpPlain(ops.view(table, BLKDEV_VERSION), 'capacity') as number,
          *submit(op, sector, buf) {
            yield* callOp(ops.view(table, BLKDEV_VERSION), 'submit', op, sector, buf);
          },
        }
      : {
          kind: 'chr',
          owner: table.owner,
          *read(pos, len) {
            return (yield* callOp(ops.view(table, CHRDEV_VERSION), 'read', pos, len)) as { data: Uint8Array; pos: number };
          },
          *write(data) {
            return (yield* callOp(ops.view(table, CHRDEV_VERSION), 'write', data)) as number;
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
