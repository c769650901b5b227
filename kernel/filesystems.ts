// How the procedural kernel gives the shared VFS its filesystems and devices:
// through the `fs:<type>`, `blkdev:<dev>` and `chrdev:<dev>` ops tables, so
// every call goes through a stub. This code is written for version 1 of every
// table (and 2 for statfs): it calls each table through the view of the
// version it was written for, which a module that changed an operation's
// signature provides in its compat. A mount or an open file pins the module
// that owns the table.

import type { DeviceNode, FsDriver, VfsBackend } from '../exec/vfs.js';
import type { KGen } from '../exec/thread.js';
import type { Loader } from './loader.js';
import { callOp, callOpPlain, type OpsRegistry, type OpsTable, requireVersion } from './ops.js';

/** The fs interface version each operation first appeared in (the kernel's callers are written against these). */
const FS_OP_VERSION: Readonly<Record<string, number>> = { statfs: 2 };
/** The blkdev and chrdev interface versions this code is written for. */
const BLKDEV_VERSION = 1;
const CHRDEV_VERSION = 1;

export function moduleFilesystems(ops: OpsRegistry, loader: Loader): VfsBackend {
  const fsDriver = (table: OpsTable): FsDriver => ({
    owner: table.owner,
    *call(op: string, args: readonly unknown[]): KGen<unknown> {
      const version = FS_OP_VERSION[op] ?? 1;
      requireVersion(table, version, op);
      return yield* callOp(ops.view(table, version), op, ...args);
    },
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
