// simplefs 2.0.1: 2.1's inode times, kept in a shadow variable instead of a
// record migration. Inodes gain `ctime` and `mtime` (simulated cycles of
// creation and of the last change of the data), which `getattr` reports as
// 2.1 does; but each inode's times live in its shadow `times` (m.shadow,
// attached to its record), so no record changes schema and the update is
// code only: nothing is transferred, and it may use the per-task strategy.
// An inode gains its shadow when 2.0.1's code creates it or changes its
// data; inodes that existed before report a time of 0 ("unknown"), as 2.1's
// migrated ones do. Deleting an inode frees its shadow with it.
//
// Beside 2.1.0 (the same change through `upgrade.instance.inodes`) it is the
// other way to add a per-record field live; bench/shadow.ts measures the two
// against each other. A revert to 2.0.0 frees every `times` shadow in its
// `downgrade.init` (livepatch's post-unpatch freeing its shadow variables):
// 2.0.0 does not keep them up to date, so they would be stale if 2.0.1 came
// back.

import { type Ctx, defineModule, type KGen } from '../../kernel/module.js';
import { getattr as getattr10 } from './1.0.0.js';
import { create as create12, type SfsState } from './1.2.0.js';
import { mountVolume } from './persist.js';
import v20, { type Imports, LAYOUT as LAYOUT20, truncate as truncate20, write as write20 } from './2.0.0.js';

/** The shadow of an inode. */
interface Times {
  readonly ctime: number;
  readonly mtime: number;
}

/** The shadow key of inode times. */
const TIMES = 'times';

type M = Ctx<SfsState, Imports>;

const inode = (ino: number) => ({ table: 'inodes', id: ino });

/** Set an inode's times, if it still exists (a writer may find it unlinked after blocking). */
function stamp(m: M, ino: number, times: Partial<Times>): void {
  if (m.records('inodes').get(ino) === undefined) return;
  const cur = m.shadow.get<Times>(inode(ino), TIMES);
  m.shadow.set<Times>(inode(ino), TIMES, { ctime: 0, mtime: 0, ...cur, ...times });
}

/** 2.0's mount; a volume it formats gets its root's times. (Times live in shadows, which the disk format does not carry: a remount finds none.) */
function* mount(m: M, dev: string): KGen<number> {
  const { root, formatted } = yield* mountVolume(m, dev, LAYOUT20);
  if (formatted) stamp(m, root, { ctime: m.k.now(), mtime: m.k.now() });
  return root;
}

function create(m: M, dev: string, dir: number, name: string, type: 'file' | 'dir'): number {
  const ino = create12(m as never, dev, dir, name, type);
  stamp(m, ino, { ctime: m.k.now(), mtime: m.k.now() });
  return ino;
}

function* write(m: M, dev: string, ino: number, offset: number, bytes: Uint8Array): KGen<number> {
  const n = yield* write20(m, dev, ino, offset, bytes);
  stamp(m, ino, { mtime: m.k.now() });
  return n;
}

function* truncate(m: M, dev: string, ino: number, size: number): KGen<void> {
  yield* truncate20(m, dev, ino, size);
  stamp(m, ino, { mtime: m.k.now() });
}

function getattr(m: M, dev: string, ino: number) {
  const attr = getattr10(m as never, dev, ino);
  return { ...attr, mtime: m.shadow.get<Times>(inode(ino), TIMES)?.mtime ?? 0 };
}

export { type Times, TIMES, create, getattr, mount, stamp, truncate, write };

export default defineModule<SfsState>({
  ...v20,
  version: '2.0.1',
  description: 'simplefs with inode times in a shadow variable',
  ops: { 'fs:simplefs': { ...v20.ops!['fs:simplefs']!, mount, create, write, truncate, getattr } },
  upgrade: { from: ['2.0.0'] },
  downgrade: { to: ['2.0.0'], init: (m) => void m.shadow.freeAll(TIMES) },
});
