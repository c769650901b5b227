// A module's handle on one of its record tables (`m.records(table)`): get,
// put, an immer recipe on one record, delete and iteration, each through the
// state store (store.ts), which stamps, freezes, migrates on read and keeps
// the table persistent. Module authors see only this.

import type { Draft } from 'immer';
import { committer } from './freezing.js';
import type { Rec, StateStore } from './store.js';

/**
 * A module's handle on one of its record tables. Records are stamped with
 * the table's current schema version on write.
 */
export class RecordTable<T extends object> {
  constructor(
    private readonly store: StateStore,
    private readonly module: string,
    readonly name: string,
  ) {}

  get(key: number): Rec<T> | undefined {
    return this.store.getRecord(this.module, this.name, key) as Rec<T> | undefined;
  }

  put(key: number, value: T): Rec<T> {
    const rec = { ...value, v: this.store.schemaOf(this.module, this.name) } as Rec<T>;
    this.store.putRecord(this.module, this.name, key, rec as Rec);
    return rec;
  }

  /**
   * `put` without its copy, for a record the caller has just built for this
   * write: a new object that nobody else holds and that the caller gives up,
   * since the store stamps it (when it has no `v`) and freezes it (now or
   * with the next snapshot). A record that carries another `v` than the
   * table's, or is frozen, is copied and stamped as `put` does. Saves a copy
   * per write: an object spread at one site for every table and shape,
   * which V8 runs on its slow path.
   */
  putNew(key: number, rec: T): Rec<T> {
    const v = this.store.schemaOf(this.module, this.name);
    const r = rec as T & { v?: number };
    if (Object.isFrozen(r)) return this.put(key, rec);
    if (!Object.hasOwn(r, 'v')) r.v = v;
    else if (r.v !== v) return this.put(key, rec);
    this.store.putRecord(this.module, this.name, key, r as Rec);
    return r as Rec<T>;
  }

  /** Apply an immer recipe to an existing record; throws if there is none. */
  update(key: number, recipe: (draft: Draft<T>) => void): Rec<T> {
    const cur = this.get(key);
    if (cur === undefined) throw new RangeError(`${this.module}/${this.name}: no record ${key}`);
    const next = committer.produce(cur as unknown as T, recipe) as unknown as Rec<T>;
    if (next !== cur) this.store.putRecord(this.module, this.name, key, next as Rec);
    return next;
  }

  delete(key: number): void {
    this.store.deleteRecord(this.module, this.name, key);
  }

  get size(): number {
    return this.store.table(this.module, this.name).size;
  }

  /** Entries in key order, each migrated first if its schema is behind. */
  *entries(): IterableIterator<[number, Rec<T>]> {
    for (const [key] of this.store.table(this.module, this.name).entries()) {
      const rec = this.get(key);
      if (rec !== undefined) yield [key, rec];
    }
  }
}
