// What a persistent table's builder promises (kernel/ptable.ts, and the
// candidate tables measured in bench/), as one routine the tests of every
// table share: edits applied through a builder give the table that the same
// edits give one by one, the builder's size follows along, and the base is
// never written.

/** A persistent table with a builder, as PTable and the benchmarks' candidates are. */
export interface EditableTable<V, T extends EditableTable<V, T>> {
  readonly size: number;
  set(key: number, value: V): T;
  delete(key: number): T;
  entries(): Iterable<readonly [number, V]>;
  edit(): { readonly size: number; set(key: number, value: V): void; delete(key: number): void; build(): T };
}

/** One edit: set `key` to `value`, or (when `set` is false) delete `key`. */
export type TableEdit<V> = readonly [set: boolean, key: number, value: V];

/**
 * Apply `edits` to `base` one by one and through a builder; throws if the
 * builder's size strays from the one-by-one table's at any step. Returns
 * both results and the base's entries before and after, for the caller to
 * compare.
 */
export function editBothWays<V, T extends EditableTable<V, T>>(base: T, edits: readonly TableEdit<V>[]): { byOne: T; built: T; baseBefore: [number, V][]; baseAfter: [number, V][] } {
  const entries = (t: T): [number, V][] => [...t.entries()].map(([k, v]) => [k, v]);
  const baseBefore = entries(base);
  let byOne = base;
  const b = base.edit();
  for (const [isSet, k, v] of edits) {
    byOne = isSet ? byOne.set(k, v) : byOne.delete(k);
    if (isSet) b.set(k, v);
    else b.delete(k);
    if (b.size !== byOne.size) throw new Error(`builder size ${b.size} after ${isSet ? 'set' : 'delete'} ${k}, one by one ${byOne.size}`);
  }
  return { byOne, built: b.build(), baseBefore, baseAfter: entries(base) };
}
