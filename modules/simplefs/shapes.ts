// simplefs's copies of its records and state with some fields changed, built
// as object literals of the shapes its versions make, not as object spreads.
// In V8 (Node 20) `{ ...x, field }` defines `field` through the runtime
// (CreateDataProperty), and a spread whose inline cache has seen many
// shapes, or whose source is frozen (every record and snapshot a kept image
// holds), copies each property through the runtime too: about 1,300
// instructions a copy, some 2 copies a syscall on the write path. A literal
// of a known shape (checked first) took a quarter to a half of the time in
// a microbenchmark, and it gives every copy the same hidden class, which
// keeps the loads that read them from going megamorphic.
//
// Exactness: a literal is used only when the source has exactly the keys of
// a shape listed here, in the same order, so it makes the object the spread
// would (keys, order and values; plain data has no symbol keys, which
// for-in would not see: exec/plaindata.ts). Any other source, such as a
// record of a user's version with fields of its own, is spread as before:
// no field is ever lost or added. The shapes listed are those simplefs's own versions
// make, which later versions' code reaches through 1.0's helpers.

/** Whether `o`'s enumerable keys are `keys`, in this order (for-in: no array made). */
function hasKeys(o: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in o) if (key !== keys[i++]) return false;
  return i === keys.length;
}

/** An inode record as 1.0 to 2.0 keep it, and as 2.1 and later do (with times). */
const PLAIN_INODE = ['ino', 'dev', 'type', 'size', 'nlink', 'blocks', 'v'] as const;
const TIMED_INODE = ['ino', 'dev', 'type', 'size', 'nlink', 'blocks', 'ctime', 'mtime', 'v'] as const;

type AnyRecord = Readonly<Record<string, unknown>>;

/**
 * A new record: `cur` with `fields` and then `more` set, as
 * `{ ...cur, ...fields, ...more }` makes it (a field `cur` lacks is added at
 * the end, in the order it is first set).
 */
export function inodeWith<T extends object>(cur: T, fields: object, more?: object): T {
  const c = cur as AnyRecord;
  let next: Record<string, unknown>;
  if (hasKeys(c, TIMED_INODE)) next = { ino: c.ino, dev: c.dev, type: c.type, size: c.size, nlink: c.nlink, blocks: c.blocks, ctime: c.ctime, mtime: c.mtime, v: c.v };
  else if (hasKeys(c, PLAIN_INODE)) next = { ino: c.ino, dev: c.dev, type: c.type, size: c.size, nlink: c.nlink, blocks: c.blocks, v: c.v };
  else next = { ...c };
  for (const key in fields) next[key] = (fields as AnyRecord)[key];
  if (more !== undefined) for (const key in more) next[key] = (more as AnyRecord)[key];
  return next as T;
}

/** A volume as every version up to 2.2 keeps it (a bitmap of free blocks). */
const BITMAP_VOLUME = ['blocks', 'freeMap', 'used', 'root', 'mounted'] as const;

/** Volume `v` with a new bitmap and count of used blocks. */
export function volumeWith<V extends { readonly freeMap: unknown; readonly used: number }>(v: V, freeMap: V['freeMap'], used: number): V {
  const o = v as unknown as AnyRecord;
  if (hasKeys(o, BITMAP_VOLUME)) return { blocks: o.blocks, freeMap, used, root: o.root, mounted: o.mounted } as unknown as V;
  return { ...v, freeMap, used };
}

/** The module state as 1.0 to 2.3 keep it, and as 3.0 does (with a journal). */
const STATE = ['volumes', 'nextIno', 'dirs'] as const;
const JOURNAL_STATE = ['volumes', 'nextIno', 'dirs', 'journal'] as const;

/** The next snapshot: `s` with these values of the fields every version's state has. */
export function stateWith<S extends { readonly volumes: unknown; readonly nextIno: number; readonly dirs: unknown }>(s: S, volumes: S['volumes'], nextIno: number, dirs: S['dirs']): S {
  const o = s as unknown as AnyRecord;
  if (hasKeys(o, STATE)) return { volumes, nextIno, dirs } as unknown as S;
  if (hasKeys(o, JOURNAL_STATE)) return { volumes, nextIno, dirs, journal: o.journal } as unknown as S;
  return { ...s, volumes, nextIno, dirs };
}
