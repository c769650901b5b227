// The persistent radix table that holds per-instance records (inodes, log
// records, ...). Keys are integers in [0, 2^31); nodes are 64 wide; a write
// copies only the path from the root to one leaf, and every old version
// stays valid: taking a snapshot is keeping the reference.
//
// The tree is never shallower than four levels (keys below 2^24, 16M), so
// a write costs the same four node copies whether the table holds a
// thousand records or a million; only keys past 2^24 add a level. (A tree
// that grew from one level made a write at 1M records 5.7x dearer than at
// 1k: see bench/ptable.ts.)
//
// Nodes are never mutated after they are published; only fresh copies made
// inside set/delete, and the nodes a builder (PTableBuilder) owns until it
// builds, are written. A builder is the batch path (Clojure's transients,
// immutable.js's withMutations): it copies each node of its base table at
// most once, however many of its records it writes, and fills the nodes it
// made in place.
//
// A node is only as long as its last used slot (at most 64): reading past
// its end gives undefined like an empty slot, and a write past it extends
// the copy. In the common small tables (a few dozen inodes) the three upper
// nodes of a path hold one child each, so a write copies four short arrays
// instead of four of 64 slots (about 1.1 KB per write before); a full node
// costs what it did.

const BITS = 6;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
export const MAX_KEY = 0x7fff_ffff;
/** Root shift of the shallowest tree: four levels. */
const MIN_SHIFT = 3 * BITS;

type Node = unknown[];

export class PTable<V> {
  /** @internal Use PTable.empty(), set() or a builder. */
  constructor(
    readonly size: number,
    /** @internal */ readonly root: Node | null,
    /** @internal Bit shift of the root level; 0 means the root holds values. */
    readonly shift: number,
  ) {}

  private static readonly EMPTY = new PTable<never>(0, null, MIN_SHIFT);

  static empty<V>(): PTable<V> {
    return PTable.EMPTY as PTable<V>;
  }

  /** A table of `entries`, built by a builder (a key given twice keeps its last value). */
  static from<V>(entries: Iterable<readonly [number, V]>): PTable<V> {
    const b = new PTableBuilder<V>();
    for (const [key, value] of entries) b.set(key, value);
    return b.build();
  }

  /** A builder that starts from this table's records; this table never changes. */
  edit(): PTableBuilder<V> {
    return new PTableBuilder<V>(this);
  }

  get(key: number): V | undefined {
    if (this.root === null || key < 0 || key >= capacityOf(this.shift)) return undefined;
    let node: Node = this.root;
    for (let s = this.shift; s > 0; s -= BITS) {
      const next = node[(key >>> s) & MASK] as Node | undefined;
      if (next === undefined) return undefined;
      node = next;
    }
    return node[key & MASK] as V | undefined;
  }

  set(key: number, value: V): PTable<V> {
    checkEntry(key, value);
    return this.written(key, value);
  }

  delete(key: number): PTable<V> {
    return this.get(key) === undefined ? this : this.written(key, undefined);
  }

  /** The table with `value` at `key` (undefined: without it), by a copy of the path to its leaf. */
  private written(key: number, value: V | undefined): PTable<V> {
    let root: Node = this.root ?? [];
    let shift = this.shift;
    while (key >= capacityOf(shift)) {
      const grown: Node = [root];
      root = grown;
      shift += BITS;
    }
    // One walk down, copying the path on the way back up (no second walk to learn whether the key existed).
    const path = PATH;
    let node: Node | undefined = root;
    let depth = 0;
    for (let s = shift; s > 0; s -= BITS) {
      path[depth++] = node;
      node = node === undefined ? undefined : (node[(key >>> s) & MASK] as Node | undefined);
    }
    const leaf: Node = node === undefined ? [] : node.slice();
    const existed = node !== undefined && node[key & MASK] !== undefined;
    leaf[key & MASK] = value;
    let child = leaf;
    for (let s = BITS; depth > 0; s += BITS) {
      const parent = path[--depth];
      path[depth] = undefined;
      const copy: Node = parent === undefined ? [] : parent.slice();
      copy[(key >>> s) & MASK] = child;
      child = copy;
    }
    const size = this.size + (value === undefined ? (existed ? -1 : 0) : existed ? 0 : 1);
    return new PTable<V>(size, child, shift);
  }

  /** Calls `fn` on every entry in key order: the fast way to visit them all (no iterator object per entry). */
  forEach(fn: (value: V, key: number) => void): void {
    if (this.root !== null) visit(this.root, this.shift, 0, fn as (value: unknown, key: number) => void);
  }

  /** Entries in key order. */
  *entries(): IterableIterator<[number, V]> {
    if (this.root === null) return;
    // One generator walking with a stack of positions, not a generator per level.
    const nodes: Node[] = [this.root];
    const next: number[] = [0];
    const bases: number[] = [0];
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const i = next[top]!;
      if (i >= nodes[top]!.length) {
        nodes.pop();
        next.pop();
        bases.pop();
        continue;
      }
      next[top] = i + 1;
      const child = nodes[top]![i];
      if (child === undefined) continue;
      const shift = this.shift - top * BITS;
      const key = bases[top]! + i * 2 ** shift;
      if (shift === 0) yield [key, child as V];
      else {
        nodes.push(child as Node);
        next.push(0);
        bases.push(key);
      }
    }
  }
}

/**
 * A table under construction, written in place. Every node it writes is one
 * it made, either new or a copy of its base table's node made at the first
 * write below it; the base table and every table built before stay as they
 * were. `build()` publishes the nodes: the builder must not be used after.
 */
export class PTableBuilder<V> {
  private root: Node | null;
  private shift: number;
  private count: number;
  /** The nodes this builder made (absent when it started empty: then it made them all). */
  private readonly owned: Set<Node> | null;
  private built = false;

  constructor(base: PTable<V> = PTable.empty<V>()) {
    this.root = base.root;
    this.shift = base.shift;
    this.count = base.size;
    this.owned = base.root === null ? null : new Set();
  }

  get size(): number {
    return this.count;
  }

  set(key: number, value: V): this {
    checkEntry(key, value);
    this.write(key, value);
    return this;
  }

  delete(key: number): this {
    if (key >= 0 && key <= MAX_KEY && this.root !== null && key < capacityOf(this.shift)) this.write(key, undefined);
    return this;
  }

  build(): PTable<V> {
    this.checkOpen();
    this.built = true;
    return this.root === null || this.count === 0 ? PTable.empty<V>() : new PTable<V>(this.count, this.root, this.shift);
  }

  private write(key: number, value: V | undefined): void {
    this.checkOpen();
    if (this.root === null) {
      if (value === undefined) return;
      this.root = this.made([]);
    }
    while (key >= capacityOf(this.shift)) {
      const grown = this.made([this.root]);
      this.root = grown;
      this.shift += BITS;
    }
    let node = this.mine(this.root);
    this.root = node;
    for (let s = this.shift; s > 0; s -= BITS) {
      const i = (key >>> s) & MASK;
      const child = node[i] as Node | undefined;
      if (child === undefined && value === undefined) return; // deleting a key that is not there
      const own = child === undefined ? this.made([]) : this.mine(child);
      node[i] = own;
      node = own;
    }
    const i = key & MASK;
    const had = node[i] !== undefined;
    node[i] = value;
    if (had && value === undefined) this.count--;
    else if (!had && value !== undefined) this.count++;
  }

  /** `node` if this builder made it, else its copy (made once, then this builder's). */
  private mine(node: Node): Node {
    if (this.owned === null || this.owned.has(node)) return node;
    return this.made(node.slice());
  }

  private made(node: Node): Node {
    this.owned?.add(node);
    return node;
  }

  private checkOpen(): void {
    if (this.built) throw new Error('PTableBuilder used after build(): start another one');
  }
}

/** The path of the write in progress (set never re-enters). */
const PATH: (Node | undefined)[] = new Array(8);

function capacityOf(shift: number): number {
  return shift + BITS < 31 ? 1 << (shift + BITS) : 2 ** (shift + BITS);
}

function checkEntry(key: number, value: unknown): void {
  if (!Number.isInteger(key) || key < 0 || key > MAX_KEY) throw new RangeError(`PTable key ${key} outside [0, ${MAX_KEY}]`);
  if (value === undefined) throw new TypeError('PTable values cannot be undefined');
}

function visit(node: Node, shift: number, base: number, fn: (value: unknown, key: number) => void): void {
  for (let i = 0; i < node.length; i++) {
    const child = node[i];
    if (child === undefined) continue;
    const key = base + i * 2 ** shift;
    if (shift === 0) fn(child, key);
    else visit(child as Node, shift - BITS, key, fn);
  }
}
