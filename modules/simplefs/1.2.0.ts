// simplefs 1.2.0: a performance change that changes the module state.
// Directory entries become a hash map from name to inode (lookup costs the
// same in any directory) instead of a sorted list scanned from the front.
// State schema 1 -> 2: `upgrade.state` turns each list into a map and
// `downgrade.state` turns each map back into the sorted list, so an update
// followed by a revert gives back an equal state. Files, blocks and inodes
// are untouched; the code that reads and writes them is 1.1's.

import { type Ctx, defineModule, err, type KGen } from '../../kernel/module.js';
import v10, { changeInode, freeBlocks as freeBlocks10, getattr, type Imports, inode as inode10, type Inode, LAYOUT as LAYOUT10, read, truncate, type Volume, volume as volume10 } from './1.0.0.js';
import { type Layout, mountVolume, umountVolume } from './persist.js';
import { write } from './1.1.0.js';

interface SfsState {
  readonly volumes: Readonly<Record<string, Volume>>;
  readonly nextIno: number;
  /** Directory entries, by directory inode: name -> inode. */
  readonly dirs: Readonly<Record<number, Readonly<Record<string, number>>>>;
}

interface SfsStateV1 {
  readonly volumes: Readonly<Record<string, Volume>>;
  readonly nextIno: number;
  readonly dirs: Readonly<Record<number, readonly { readonly name: string; readonly ino: number }[]>>;
}

type M = Ctx<SfsState, Imports>;

// 1.0's helpers touch volumes, blocks and inodes, never `dirs`.
const inode = (m: M, dev: string, ino: number) => inode10(m as never, dev, ino);
const volume = (m: M, dev: string) => volume10(m as never, dev);
const freeBlocks = (m: M, dev: string, blocks: readonly number[]) => freeBlocks10(m as never, dev, blocks);

const HASH_LOOKUP_CYCLES = 20;

function entries(m: M, dev: string, dir: number): Readonly<Record<string, number>> {
  if (inode(m, dev, dir).type !== 'dir') throw err('ENOTDIR', `simplefs: inode ${dir} is not a directory`);
  return m.state().dirs[dir] ?? {};
}

function findEntry(m: M, dev: string, dir: number, name: string): number | undefined {
  const map = entries(m, dev, dir);
  m.k.work(HASH_LOOKUP_CYCLES);
  // hasOwn first: it also makes V8 intern `name` (a new string, split from a path), which
  // the keyed read then finds at once; a keyed read of a new string alone measured ~5x slower.
  return Object.hasOwn(map, name) ? map[name] : undefined;
}

/** 1.0's, with directories as maps. */
const LAYOUT: Layout = {
  ...LAYOUT10,
  dir: (entries) => Object.fromEntries(entries.map((e) => [e.name, e.ino])),
  entries: (dir: Readonly<Record<string, number>>) => Object.keys(dir).sort().map((name) => ({ name, ino: dir[name]! })),
};

function* mount(m: M, dev: string): KGen<number> {
  return (yield* mountVolume(m, dev, LAYOUT)).root;
}

function* umount(m: M, dev: string): KGen<void> {
  yield* umountVolume(m, dev, LAYOUT);
}

function lookup(m: M, dev: string, dir: number, name: string): number {
  const ino = findEntry(m, dev, dir, name);
  if (ino === undefined) throw err('ENOENT', `${name} does not exist`);
  return ino;
}

/**
 * Count a subdirectory's `..` in or out of directory `dir`'s links. Built
 * without an immer draft: immer copies a record with Object.create and its
 * descriptors, a hidden class of its own for each copy, and every read of
 * such a record after that (each lookup in the directory) goes megamorphic.
 */
function linkDir(m: M, dev: string, dir: number, by: 1 | -1): void {
  const d = inode(m, dev, dir);
  changeInode(m as never, dir, d, { nlink: d.nlink + by });
}

/** Create `name` in `dir`; the new inode's record also has `more`'s fields (a later version's times). */
function create(m: M, dev: string, dir: number, name: string, type: 'file' | 'dir', more?: object): number {
  volume(m, dev);
  if (findEntry(m, dev, dir, name) !== undefined) throw err('EEXIST', `${name} exists`);
  const ino = m.state().nextIno;
  m.records<Inode>('inodes').putNew(ino, { ino, dev, type, size: 0, nlink: type === 'dir' ? 2 : 1, blocks: [], ...more });
  if (type === 'dir') linkDir(m, dev, dir, 1);
  // Built by hand and `put`, without an immer draft of `dirs` (one entry per directory).
  const s = m.state();
  // `dirs` copied, then assigned to (keys are inode numbers): `{ ...dirs, [dir]: x }` defines
  // its computed key through V8's runtime. A name keeps the literal: it may be `__proto__`.
  const dirs: Record<number, Readonly<Record<string, number>>> = { ...s.dirs };
  dirs[dir] = { ...(s.dirs[dir] ?? {}), [name]: ino };
  if (type === 'dir') dirs[ino] = {};
  m.put({ ...s, nextIno: ino + 1, dirs });
  return ino;
}

/** Remove `name` from `dir`, giving its blocks back through `free` (later versions differ in their free-space layout). */
function removeEntry(m: M, dev: string, dir: number, name: string, want: 'file' | 'dir', free: (m: M, dev: string, blocks: readonly number[]) => void = freeBlocks): void {
  const ino = findEntry(m, dev, dir, name);
  if (ino === undefined) throw err('ENOENT', `${name} does not exist`);
  const node = inode(m, dev, ino);
  if (want === 'file' && node.type === 'dir') throw err('EISDIR', `${name} is a directory`, 'use rmdir');
  if (want === 'dir' && node.type !== 'dir') throw err('ENOTDIR', `${name} is not a directory`);
  if (want === 'dir' && Object.keys(m.state().dirs[ino] ?? {}).length > 0) throw err('ENOTEMPTY', `${name} is not empty`);
  free(m, dev, node.blocks);
  m.records<Inode>('inodes').delete(ino);
  if (want === 'dir') linkDir(m, dev, dir, -1);
  const s = m.state();
  const rest: Record<string, number> = {};
  for (const [n, i] of Object.entries(s.dirs[dir] ?? {})) if (n !== name) rest[n] = i;
  const dirs: Record<number, Readonly<Record<string, number>>> = { ...s.dirs }; // then assigned, as in create
  dirs[dir] = rest;
  if (want === 'dir') delete dirs[ino];
  m.put({ ...s, dirs });
}

function unlink(m: M, dev: string, dir: number, name: string): void {
  removeEntry(m, dev, dir, name, 'file');
}

function rmdir(m: M, dev: string, dir: number, name: string): void {
  removeEntry(m, dev, dir, name, 'dir');
}

function readdir(m: M, dev: string, ino: number): string[] {
  return Object.keys(entries(m, dev, ino)).sort();
}

/** 1.x lists -> maps. */
function toMaps(old: SfsStateV1): SfsState {
  const dirs: Record<number, Record<string, number>> = {};
  for (const [ino, list] of Object.entries(old.dirs)) dirs[Number(ino)] = Object.fromEntries(list.map((e) => [e.name, e.ino]));
  return { volumes: old.volumes, nextIno: old.nextIno, dirs };
}

/** maps -> 1.x sorted lists. */
function toLists(cur: SfsState): SfsStateV1 {
  const dirs: Record<number, { name: string; ino: number }[]> = {};
  for (const [ino, map] of Object.entries(cur.dirs)) {
    dirs[Number(ino)] = Object.keys(map).sort().map((name) => ({ name, ino: map[name]! }));
  }
  return { volumes: cur.volumes, nextIno: cur.nextIno, dirs };
}

/** Every directory inode has a map, and every entry names an existing record's number. */
function checkState(s: SfsState): string | undefined {
  for (const [ino, map] of Object.entries(s.dirs)) {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) return `directory ${ino} is not a map`;
    for (const [name, child] of Object.entries(map)) if (!Number.isInteger(child) || child >= s.nextIno) return `entry ${name} in directory ${ino} points at inode ${child}`;
  }
  return undefined;
}

/** Shared with later versions (the same module). */
export { type SfsState, LAYOUT, checkState, create, lookup, mount, readdir, removeEntry, rmdir, toLists, toMaps, unlink };

export default defineModule<SfsState>({
  name: 'simplefs',
  version: '1.2.0',
  description: 'simplefs with hashed directory lookup',
  license: 'MIT',
  requires: v10.requires!,
  state: { schema: 2, initial: () => ({ volumes: {}, nextIno: 1, dirs: {} }) },
  records: { inodes: 1 },
  ops: {
    'fs:simplefs': { mount, umount, lookup, create, unlink, rmdir, getattr, readdir, read, write, truncate },
  },
  upgrade: { from: ['1.0.0', '1.1.0'], state: toMaps, check: checkState },
  downgrade: { to: ['1.1.0'], state: toLists },
});
