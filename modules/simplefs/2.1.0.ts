// simplefs 2.1.0: a change to per-instance records. Inodes gain `ctime` and
// `mtime` (simulated cycles of creation and of the last change of the data),
// which `getattr` reports. Inode records go from schema 1 to 2 through
// `upgrade.instance.inodes`, lazily by default: an inode is migrated the
// first time it is read after the update, so the update's pause does not
// grow with the number of files. Inodes that existed before the update get
// times of 0 ("unknown"). The fs table also gains an operation, `statfs`
// (fs interface version 2), which the kernel's statfs syscall needs.

import { type Ctx, defineModule, type KGen, type StatFs } from '../../kernel/module.js';
import { inode as inode10, type Inode as Inode1, setInode, truncateWith } from './1.0.0.js';
import { create as create12, type SfsState } from './1.2.0.js';
import v20, { type Imports, LAYOUT as LAYOUT20, write as write20 } from './2.0.0.js';
import { type Layout, mountVolume, timedRecord, umountVolume } from './persist.js';

interface Inode extends Inode1 {
  readonly ctime: number;
  readonly mtime: number;
}

type M = Ctx<SfsState, Imports>;

const stamp = (m: M, ino: number, fields: Partial<Pick<Inode, 'ctime' | 'mtime'>>) => setInode(m, ino, fields);

/** 2.0's, with inode times. */
const LAYOUT: Layout = { ...LAYOUT20, record: timedRecord };

/** Mount through `layout` (2.3 keeps volumes its own way); a root just formatted gets its times. */
function* mountIn(m: Ctx<object, Imports>, dev: string, layout: Layout): KGen<number> {
  const { root, formatted } = yield* mountVolume(m, dev, layout);
  if (formatted) stamp(m as M, root, { ctime: m.k.now(), mtime: m.k.now() });
  return root;
}

function* mount(m: M, dev: string): KGen<number> {
  return yield* mountIn(m, dev, LAYOUT);
}

function* umount(m: M, dev: string): KGen<void> {
  yield* umountVolume(m, dev, LAYOUT);
}

// The times go into the same record write as the change they stamp.
function create(m: M, dev: string, dir: number, name: string, type: 'file' | 'dir'): number {
  return create12(m as never, dev, dir, name, type, { ctime: m.k.now(), mtime: m.k.now() });
}

/** The data changed now. */
const modified = (m: Ctx<object, object>) => ({ mtime: m.k.now() });

function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array): KGen<number> {
  return yield* write20(m, dev, ino, offset, bytes, modified);
}

function* truncate(m: M, dev: string, ino: number, size: number): KGen<void> {
  yield* truncateWith(m as never, dev, ino, size, write20 as never, undefined, modified); // 2.0's truncate, one generator fewer
}

/** 1.0's attributes and the mtime, from one read of the record. */
function getattr(m: M, dev: string, ino: number) {
  const n = inode10(m as never, dev, ino) as Inode;
  return { ino: n.ino, type: n.type, size: n.size, nlink: n.nlink, mtime: n.mtime };
}

function statfs(m: M, dev: string): StatFs {
  const vol = m.state().volumes[dev];
  if (!vol) throw new Error(`simplefs: ${dev} was never mounted`);
  let files = 0;
  for (const [, rec] of m.records<Inode>('inodes').entries()) if (rec.dev === dev) files++;
  return { blockSize: 512, blocks: vol.blocks, free: vol.blocks - vol.used, files };
}

export { type Inode, LAYOUT, create, getattr, mount, mountIn, stamp, statfs, truncate, write };

export default defineModule<SfsState>({
  ...v20,
  version: '2.1.0',
  description: 'simplefs with inode times and statfs',
  records: { inodes: 2 },
  ops: { 'fs:simplefs': { ...v20.ops!['fs:simplefs']!, mount, umount, create, write, truncate, getattr, statfs } },
  opsVersions: { 'fs:simplefs': 2 },
  upgrade: {
    from: ['2.0.0'],
    lazy: true,
    instance: { inodes: (old: Inode1): Inode => ({ ...old, ctime: 0, mtime: 0 }) },
  },
  downgrade: {
    to: ['2.0.0'],
    instance: { inodes: ({ ctime: _c, mtime: _m, ...old }: Inode): Inode1 => old },
  },
});
