// How a kernel gives the VFS (exec/vfs.ts) its filesystems and devices: the
// procedural kernel through ops tables and their stubs (kernel/filesystems.ts),
// the object twin through its objects (oo/kernel.ts). A filesystem type is the
// fs contract (exec/fsops.ts) with what it pins. A character device has
// read(pos, len) -> { data, pos } and write(bytes) -> count; a block device
// has submit(op, sector, buf) and capacity() -> sectors, and /dev/<disk>
// reads and writes whole sectors through it.

import type { FsOps } from './fsops.js';
import type { KGen } from './thread.js';

/** A filesystem type as the VFS reaches it: the fs contract's operations, device name first. */
export interface FsDriver extends FsOps {
  /** What is pinned while a mount or an open file uses it (a module, an object class). */
  readonly owner: string;
}

/** A character or block device under /dev. */
export type DeviceNode =
  | {
      readonly kind: 'chr';
      readonly owner: string;
      read(pos: number, len: number): KGen<{ data: Uint8Array; pos: number }>;
      write(data: Uint8Array): KGen<number>;
    }
  | {
      readonly kind: 'blk';
      readonly owner: string;
      capacity(): number;
      submit(op: 'read' | 'write', sector: number, buf: Uint8Array): KGen<void>;
    };

/** How a kernel gives the VFS its filesystems and devices. */
export interface VfsBackend {
  filesystem(fstype: string): FsDriver | undefined;
  device(name: string): DeviceNode | undefined;
  /** Names under /dev. */
  deviceNames(): string[];
  /** What to tell a user who mounts an unknown filesystem type or device. */
  readonly missing: { readonly fs: (fstype: string) => string; readonly dev: string };
  pin(owner: string): void;
  unpin(owner: string): void;
}
