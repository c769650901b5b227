// A candidate persistent table for issue 14, measured against kernel/ptable.ts in
// bench/ptable.ts and bench/ptable-kernel.ts and not used by the kernel
// (why: those benchmarks' headers and issue 14's note). It has the API of
// ptable.ts: a rerooting table (Baker's trick, as Conchon and
// Filliâtre use it for persistent union-find). The newest version of a
// family owns a mutable radix tree of its records; every older version is a
// diff (one key, the value it had there) toward a newer one. A write on the
// newest version writes the tree in place and turns the old handle into a
// diff: no node is copied. Reading or writing an older version first makes
// it the owner again:
// - rerooting: walk its chain of diffs to the owner and undo them on the
//   tree, reversing the chain (O(distance));
// - or materializing: give it a copy of the tree with its diffs applied, so
//   it starts a family of its own (O(records + distance)).
// A family reroots until it has undone a sixteenth of its records' worth
// of diffs (a diff undone costs more than a slot copied: it is a cache miss
// where a copy streams), then materializes: versions read in turn cannot
// thrash for long.
// A write copies the tree instead of writing it once the family holds as
// many diffs as records (at least CUT_MIN): an old version kept forever (a
// rollback image) keeps at most one tree and that many diffs alive, as a
// path-copying table keeps at most its own tree.
//
// Every version stays readable and unchanged: what a version holds is
// fixed; only where its records live moves.
//
// Leaves are 1024 wide, inner nodes 64: with 64-wide leaves a write at 1M
// records also missed on the leaf's own array object (16k of them), and
// the 1M/1k write ratio was 3.4 to 5.4 against 2.8 to 3.1 (one run each,
// loaded machine). A cost the collector adds: a diff points from an older
// version to a newer one, so once a handle has been promoted (it was the
// newest during a scavenge), the diffs after it and the old records they
// hold live until the next full collection even when nothing uses them
// (1.6M uniform writes at 1M records promoted 120 MB, and 64 MB with the
// links cut, in a scratch run).

/** Inner nodes are 64 wide, leaves 1024 (see the header). */
const BITS = 6;
const MASK = (1 << BITS) - 1;
const LEAF_BITS = 10;
const LEAF_MASK = (1 << LEAF_BITS) - 1;
export const MAX_KEY = 0x7fff_ffff;
/** Diffs a family may hold before a write copies its tree, whatever its size. */
const CUT_MIN = 1024;
/** Reroot work a family may spend before a read of an old version copies instead: a sixteenth of its records, at least this. */
const REROOT_MIN = 1024;

type Node = unknown[];

/** A mutable radix tree and its bookkeeping: owned by one version at a time. */
class Family {
  /** Diffs that point into this family (an upper bound: dead ones are not counted out). */
  diffs = 0;
  /** Diffs undone by rerooting since the family was made. */
  rerooted = 0;
  constructor(
    public root: Node,
    public shift: number,
  ) {}
}

export class RTable<V> {
  /** The family whose tree holds this version (null: a diff, or the empty table). */
  private fam: Family | null;
  /** The newer version this one differs from (a diff only). */
  private next: RTable<V> | null = null;
  private dkey = 0;
  private dval: unknown = undefined;

  /** @internal Use RTable.empty(), set() or a builder. */
  constructor(
    readonly size: number,
    fam: Family | null,
  ) {
    this.fam = fam;
  }

  private static readonly EMPTY = new RTable<never>(0, null);

  static empty<V>(): RTable<V> {
    return RTable.EMPTY as RTable<V>;
  }

  static from<V>(entries: Iterable<readonly [number, V]>): RTable<V> {
    const b = new RTableBuilder<V>();
    for (const [key, value] of entries) b.set(key, value);
    return b.build();
  }

  edit(): RTableBuilder<V> {
    return new RTableBuilder<V>(this);
  }

  get(key: number): V | undefined {
    if (key < 0 || key > MAX_KEY || this.size === 0) return undefined;
    return treeGet(this.owned(), key) as V | undefined;
  }

  set(key: number, value: V): RTable<V> {
    checkEntry(key, value);
    return this.written(key, value);
  }

  delete(key: number): RTable<V> {
    return this.get(key) === undefined ? this : this.written(key, undefined);
  }

  private written(key: number, value: V | undefined): RTable<V> {
    if (this.size === 0 && this.fam === null && this.next === null) {
      const f = new Family([], 0);
      treeSet(f, key, value);
      return new RTable<V>(1, f);
    }
    const f = this.owned();
    if (f.diffs >= Math.max(CUT_MIN, this.size)) {
      // Cut: the new version gets a tree of its own; this one keeps the old tree and the diffs into it.
      const copy = new Family(cloneNode(f.root, f.shift), f.shift);
      const old = treeSet(copy, key, value);
      return new RTable<V>(this.size + sizeChange(old, value), copy);
    }
    const old = treeSet(f, key, value);
    const newer = new RTable<V>(this.size + sizeChange(old, value), f);
    this.fam = null;
    this.next = newer;
    this.dkey = key;
    this.dval = old;
    f.diffs++;
    return newer;
  }

  /** Calls `fn` on every entry in key order (should `fn` write this version or another of its family, the visit goes on from where it was). */
  forEach(fn: (value: V, key: number) => void): void {
    if (this.size === 0) return;
    const f = this.owned();
    const at = visit(f.root, f.shift, 0, fn as (value: unknown, key: number) => void, () => this.fam === f);
    if (at >= 0) for (let key = this.seek(at + 1); key >= 0; key = this.seek(key + 1)) fn(treeGet(this.owned(), key) as V, key);
  }

  /** Entries in key order (this version's, whatever is written meanwhile). */
  *entries(): IterableIterator<[number, V]> {
    for (let key = this.seek(0); key >= 0; key = this.seek(key + 1)) yield [key, treeGet(this.owned(), key) as V];
  }

  /** The smallest key >= `from` holding a record in this version, or -1. */
  private seek(from: number): number {
    if (this.size === 0 || from > MAX_KEY) return -1;
    const f = this.owned();
    return seekIn(f.root, f.shift, 0, from);
  }

  /** The family whose tree holds this version now, rerooting or materializing first if it is a diff. */
  private owned(): Family {
    if (this.fam !== null) return this.fam;
    const path = PATH;
    let n = 0;
    let v: RTable<V> = this;
    while (v.fam === null) {
      path[n++] = v;
      v = v.next!;
    }
    const f = v.fam;
    if (f.rerooted + n <= Math.max(REROOT_MIN, this.size >>> 4)) {
      // Undo the diffs from the owner back to this version, each newer version becoming a diff toward the older.
      f.rerooted += n;
      for (let i = n - 1; i >= 0; i--) {
        const older = path[i]!;
        const newer = i + 1 < n ? path[i + 1]! : v;
        newer.dval = treeSet(f, older.dkey, older.dval);
        newer.dkey = older.dkey;
        newer.next = older;
        newer.fam = null;
        older.fam = f;
        older.next = null;
        older.dval = undefined;
        path[i + 1] = undefined;
      }
      path[0] = undefined;
      return f;
    }
    // Materialize: a copy of the owner's tree with this version's diffs applied; older versions chain into it.
    const copy = new Family(cloneNode(f.root, f.shift), f.shift);
    for (let i = n - 1; i >= 0; i--) {
      const d = path[i]!;
      treeSet(copy, d.dkey, d.dval);
      path[i] = undefined;
    }
    this.fam = copy;
    this.next = null;
    this.dval = undefined;
    return copy;
  }
}

/** The chain walked by owned() (it never re-enters). */
const PATH: (RTable<any> | undefined)[] = [];

/**
 * A table under construction. From an empty base it fills a tree of its own
 * in place; from a table, its writes are writes of that table's versions
 * (each O(1)), so the base is never changed. `build()` ends it.
 */
export class RTableBuilder<V> {
  private fam: Family | null = null;
  private cur: RTable<V>;
  private count: number;
  private built = false;

  constructor(base: RTable<V> = RTable.empty<V>()) {
    this.cur = base;
    this.count = base.size;
    if (base.size === 0) this.fam = new Family([], 0);
  }

  get size(): number {
    return this.count;
  }

  set(key: number, value: V): this {
    checkEntry(key, value);
    this.checkOpen();
    if (this.fam !== null) this.count += sizeChange(treeSet(this.fam, key, value), value);
    else this.count = (this.cur = this.cur.set(key, value)).size;
    return this;
  }

  delete(key: number): this {
    this.checkOpen();
    if (key < 0 || key > MAX_KEY) return this;
    if (this.fam !== null) this.count += sizeChange(treeSet(this.fam, key, undefined), undefined);
    else this.count = (this.cur = this.cur.delete(key)).size;
    return this;
  }

  build(): RTable<V> {
    this.checkOpen();
    this.built = true;
    if (this.fam === null) return this.cur;
    return this.count === 0 ? RTable.empty<V>() : new RTable<V>(this.count, this.fam);
  }

  private checkOpen(): void {
    if (this.built) throw new Error('RTableBuilder used after build(): start another one');
  }
}

function sizeChange(old: unknown, value: unknown): number {
  return value === undefined ? (old === undefined ? 0 : -1) : old === undefined ? 1 : 0;
}

/** Keys a tree whose root is at `shift` holds (shift 0: the root is a leaf). */
function capacityOf(shift: number): number {
  if (shift === 0) return 1 << LEAF_BITS;
  return shift + BITS < 31 ? 1 << (shift + BITS) : 2 ** (shift + BITS); // a shift, not a pow, on every read
}

function treeGet(f: Family, key: number): unknown {
  if (key >= capacityOf(f.shift)) return undefined;
  let node = f.root;
  for (let s = f.shift; s >= LEAF_BITS; s -= BITS) {
    const next = node[(key >>> s) & MASK] as Node | undefined;
    if (next === undefined) return undefined;
    node = next;
  }
  return node[key & LEAF_MASK];
}

/** Write `value` (undefined: none) at `key` in place; returns what was there. */
function treeSet(f: Family, key: number, value: unknown): unknown {
  if (key >= capacityOf(f.shift)) {
    if (value === undefined) return undefined;
    do {
      f.root = [f.root];
      f.shift = f.shift === 0 ? LEAF_BITS : f.shift + BITS;
    } while (key >= capacityOf(f.shift));
  }
  let node = f.root;
  for (let s = f.shift; s >= LEAF_BITS; s -= BITS) {
    const i = (key >>> s) & MASK;
    let next = node[i] as Node | undefined;
    if (next === undefined) {
      if (value === undefined) return undefined;
      node[i] = next = [];
    }
    node = next;
  }
  const i = key & LEAF_MASK;
  const old = node[i];
  node[i] = value;
  return old;
}

/** The shift of the level below one at `shift` (> 0). */
function below(shift: number): number {
  return shift === LEAF_BITS ? 0 : shift - BITS;
}

function cloneNode(node: Node, shift: number): Node {
  if (shift === 0) return node.slice();
  const copy = new Array<unknown>(node.length);
  for (let i = 0; i < node.length; i++) {
    const child = node[i] as Node | undefined;
    if (child !== undefined) copy[i] = cloneNode(child, below(shift));
  }
  return copy;
}

/** The smallest key >= `from` under `node` (whose keys start at `base`), or -1. */
function seekIn(node: Node, shift: number, base: number, from: number): number {
  const span = 2 ** shift;
  for (let i = from > base ? Math.floor((from - base) / span) : 0; i < node.length; i++) {
    const child = node[i];
    if (child === undefined) continue;
    const key = base + i * span;
    if (shift === 0) return key;
    const found = seekIn(child as Node, below(shift), key, from);
    if (found >= 0) return found;
  }
  return -1;
}

/**
 * Calls `fn` on the entries under `node` in key order while `unchanged()`
 * holds after each call; returns -1 when done, or the key of the call after
 * which it no longer held (the tree may have been rerooted away).
 */
function visit(node: Node, shift: number, base: number, fn: (value: unknown, key: number) => void, unchanged: () => boolean): number {
  const span = 2 ** shift;
  for (let i = 0; i < node.length; i++) {
    const child = node[i];
    if (child === undefined) continue;
    const key = base + i * span;
    if (shift === 0) {
      fn(child, key);
      if (!unchanged()) return key;
    } else {
      const at = visit(child as Node, below(shift), key, fn, unchanged);
      if (at >= 0) return at;
    }
  }
  return -1;
}

function checkEntry(key: number, value: unknown): void {
  if (!Number.isInteger(key) || key < 0 || key > MAX_KEY) throw new RangeError(`RTable key ${key} outside [0, ${MAX_KEY}]`);
  if (value === undefined) throw new TypeError('RTable values cannot be undefined');
}
