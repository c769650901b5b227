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
// inside set/delete are written.

const BITS = 6;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
export const MAX_KEY = 0x7fff_ffff;
/** Root shift of the shallowest tree: four levels. */
const MIN_SHIFT = 3 * BITS;

type Node = unknown[];

export class PTable<V> {
  private constructor(
    readonly size: number,
    private readonly root: Node | null,
    /** Bit shift of the root level; 0 means the root holds values. */
    private readonly shift: number,
  ) {}

  private static readonly EMPTY = new PTable<never>(0, null, MIN_SHIFT);

  static empty<V>(): PTable<V> {
    return PTable.EMPTY as PTable<V>;
  }

  /**
   * A table of `entries`, built in place: the nodes are filled while no one
   * else can see them, so each record costs one slot, not a path copy as
   * `set` does (an eager transfer of a whole table builds one this way).
   * A key given twice keeps its last value.
   */
  static from<V>(entries: Iterable<readonly [number, V]>): PTable<V> {
    let root: Node | null = null;
    let shift = MIN_SHIFT;
    let size = 0;
    for (const [key, value] of entries) {
      checkKey(key);
      if (value === undefined) throw new TypeError('PTable values cannot be undefined');
      root ??= new Array(WIDTH);
      while (key >= capacityOf(shift)) {
        const grown: Node = new Array(WIDTH);
        grown[0] = root;
        root = grown;
        shift += BITS;
      }
      let node: Node = root;
      for (let s = shift; s > 0; s -= BITS) node = (node[(key >>> s) & MASK] ??= new Array(WIDTH)) as Node;
      if (node[key & MASK] === undefined) size++;
      node[key & MASK] = value;
    }
    return root === null ? PTable.empty<V>() : new PTable<V>(size, root, shift);
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
    checkKey(key);
    if (value === undefined) throw new TypeError('PTable values cannot be undefined');
    let root: Node = this.root ?? new Array(WIDTH);
    let shift = this.shift;
    while (key > capacityOf(shift) - 1) {
      const grown: Node = new Array(WIDTH);
      grown[0] = root;
      root = grown;
      shift += BITS;
    }
    const existed = this.get(key) !== undefined;
    const newRoot = setIn(root, shift, key, value);
    return new PTable<V>(existed ? this.size : this.size + 1, newRoot, shift);
  }

  delete(key: number): PTable<V> {
    if (this.get(key) === undefined) return this;
    const newRoot = setIn(this.root!, this.shift, key, undefined);
    return new PTable<V>(this.size - 1, newRoot, this.shift);
  }

  /** Entries in key order. */
  *entries(): IterableIterator<[number, V]> {
    if (this.root !== null) yield* walk<V>(this.root, this.shift, 0);
  }
}

function capacityOf(shift: number): number {
  return shift + BITS < 31 ? 1 << (shift + BITS) : 2 ** (shift + BITS);
}

function checkKey(key: number): void {
  if (!Number.isInteger(key) || key < 0 || key > MAX_KEY) throw new RangeError(`PTable key ${key} outside [0, ${MAX_KEY}]`);
}

function setIn(node: Node, shift: number, key: number, value: unknown): Node {
  const copy = node.slice();
  copy.length = WIDTH;
  const i = (key >>> shift) & MASK;
  if (shift === 0) copy[i] = value;
  else copy[i] = setIn((node[i] as Node | undefined) ?? new Array(WIDTH), shift - BITS, key, value);
  return copy;
}

function* walk<V>(node: Node, shift: number, base: number): IterableIterator<[number, V]> {
  for (let i = 0; i < WIDTH; i++) {
    const child = node[i];
    if (child === undefined) continue;
    const key = base + i * 2 ** shift;
    if (shift === 0) yield [key, child as V];
    else yield* walk<V>(child as Node, shift - BITS, key);
  }
}
