// Shadow variables (Linux livepatch's klp_shadow): data an update attaches to
// an instance that already exists, under a key, without changing the
// instance's record or migrating anything. An update that adds a field to
// every inode can keep it in a shadow instead of moving every record to a
// new schema: the update stays code only, and each inode gains the field the
// first time the new code sets it.
//
// An instance is a record of one of the module's tables, named by the table
// and the record's key: `{ table: 'inodes', id: 7 }`. A module sees only the
// shadows of its own records, under keys it chooses.
//
// Where they live: in the module's image in the store, beside the snapshot
// and the tables but apart from both (kernel-owned: no transfer function sees
// them). So they
// - survive updates and reverts: a transfer carries them over untouched
//   (those of a table the new version no longer has go with the table);
// - go with their instance: deleting a record frees its shadows;
// - go with the module: rmmod drops its image, shadows and all;
// - roll back exactly as the rest of the image does. The rule: a shadow
//   change is a change of the image, undone exactly when the image is put
//   back. An update's transfer and switch run atomically, in one step; the
//   only module code in them that can change shadows is `upgrade.init` /
//   `downgrade.init` (transfer functions are pure and get no `m`), and an
//   abort there restores the image taken before it, undoing those changes.
//   Threads running while a transition is pending change shadows as they
//   commit state: those are real operations and stand.
// Shadow data obeys the plain-data rule of module state (plaindata.ts) and is
// frozen: change it with `set`, never in place.
//
// The image is key -> table -> persistent radix table (ptable.ts) from
// record key to data, so writing a shadow copies one path, taking a
// snapshot is keeping the reference, and `freeAll(key)` drops one entry.

import { err, thrownMessage } from '../exec/errno.js';
import { checkPlainData } from './plaindata.js';
import { PTable } from './ptable.js';

/** Key -> table -> record key -> the shadow's data (deep-frozen plain data). */
export type ShadowImage = Readonly<Record<string, Readonly<Record<string, PTable<unknown>>>>>;

export const NO_SHADOWS: ShadowImage = Object.freeze({});

/** An instance a shadow attaches to: a record of one of the module's tables. */
export interface Instance {
  readonly table: string;
  readonly id: number;
}

/** `o[name]` if `o` has it as its own (a key may be any string, `toString` and `__proto__` too). */
function own<V>(o: Readonly<Record<string, V>> | undefined, name: string): V | undefined {
  return o !== undefined && Object.hasOwn(o, name) ? o[name] : undefined;
}

/** The shadow of `key` on record `id` of `table`, if any. */
export function shadowOf(img: ShadowImage, table: string, id: number, key: string): unknown {
  return own(own(img, key), table)?.get(id);
}

/** `img` with `data` as the shadow of `key` on record `id` of `table`. */
export function withShadow(img: ShadowImage, table: string, id: number, key: string, data: unknown): ShadowImage {
  const byTable = own(img, key) ?? {};
  const t = (own(byTable, table) ?? PTable.empty<unknown>()).set(id, data);
  return Object.freeze({ ...img, [key]: Object.freeze({ ...byTable, [table]: t }) });
}

/** `img` without the shadow of `key` on record `id` of `table` (the same value if there was none). */
export function withoutShadow(img: ShadowImage, table: string, id: number, key: string): ShadowImage {
  const byTable = own(img, key);
  const t = own(byTable, table);
  if (!byTable || !t || t.get(id) === undefined) return img;
  const rest = t.delete(id);
  if (rest.size > 0) return Object.freeze({ ...img, [key]: Object.freeze({ ...byTable, [table]: rest }) });
  const { [table]: _gone, ...tables } = byTable;
  if (Object.keys(tables).length > 0) return Object.freeze({ ...img, [key]: Object.freeze(tables) });
  const { [key]: _key, ...keys } = img;
  return Object.freeze(keys);
}

/** `img` without any shadow of record `id` of `table`: the instance is gone. */
export function withoutInstance(img: ShadowImage, table: string, id: number): ShadowImage {
  let out = img;
  for (const key of Object.keys(img)) out = withoutShadow(out, table, id, key);
  return out;
}

/** `img` with only the shadows of the tables named (an update that drops a table drops its shadows). */
export function keepTables(img: ShadowImage, tables: readonly string[]): ShadowImage {
  let changed = false;
  const out: Record<string, Readonly<Record<string, PTable<unknown>>>> = {};
  for (const [key, byTable] of Object.entries(img)) {
    const kept = Object.entries(byTable).filter(([t]) => tables.includes(t));
    if (kept.length !== Object.keys(byTable).length) changed = true;
    if (kept.length > 0) out[key] = Object.freeze(Object.fromEntries(kept));
  }
  return changed ? Object.freeze(out) : img;
}

/** How many records of each table carry a shadow of each key, as `[key, table, count]` sorted: for modinfo and tests. */
export function shadowCounts(img: ShadowImage): [string, string, number][] {
  return Object.keys(img)
    .sort()
    .flatMap((key) =>
      Object.keys(img[key]!)
        .sort()
        .map((table): [string, string, number] => [key, table, img[key]![table]!.size]),
    );
}

/** What the shadows of a module need of the store (StateStore has it). */
export interface ShadowHost {
  shadows(module: string): ShadowImage;
  putShadows(module: string, next: ShadowImage): void;
  /** Whether record `id` of `table` exists (read without migrating it). */
  hasRecord(module: string, table: string, id: number): boolean;
  /** Record `id` of `table` at its current schema (migrated first if behind). */
  getRecord(module: string, table: string, id: number): unknown;
  /** Whether the module declares `table`. */
  hasTable(module: string, table: string): boolean;
}

/** Freezes `data` deep (the store's freezeNew), given by the store so this file needs no immer. */
export type Freezer = <T>(data: T) => T;

/**
 * `m.shadow`: a module's shadow variables. Every call names the instance and
 * the key; data is plain and frozen. Errors are errno'd for module code:
 * EINVAL for a bad key, table or datum, ENOENT for a record that does not
 * exist (a shadow attaches to an existing instance).
 */
export class ModuleShadows {
  // Private for real (#): module code holds this object, and must not reach the store through it.
  readonly #host: ShadowHost;
  readonly #module: string;
  readonly #freeze: Freezer;

  constructor(host: ShadowHost, module: string, freeze: Freezer) {
    this.#host = host;
    this.#module = module;
    this.#freeze = freeze;
    Object.freeze(this);
  }

  /** The shadow of `key` on `instance`, or undefined. */
  get<T>(instance: Instance, key: string): Readonly<T> | undefined {
    this.#check(instance, key);
    return shadowOf(this.#host.shadows(this.#module), instance.table, instance.id, key) as Readonly<T> | undefined;
  }

  /**
   * The shadow of `key` on `instance`; if it has none, `ctor(record)` makes
   * it first, given the instance's record as it is now (ENOENT if there is
   * no such record: `ctor` is not called then).
   */
  getOrAlloc<T, R = any>(instance: Instance, key: string, ctor: (record: R) => T): Readonly<T> {
    const found = this.get<T>(instance, key);
    if (found !== undefined) return found;
    const rec = this.#host.getRecord(this.#module, instance.table, instance.id);
    if (rec === undefined) throw this.#noRecord(instance, key);
    return this.set(instance, key, ctor(rec as R));
  }

  /** Make `data` the shadow of `key` on `instance` (allocating it or replacing what was there); returns it frozen. */
  set<T>(instance: Instance, key: string, data: T): Readonly<T> {
    this.#check(instance, key);
    if (!this.#host.hasRecord(this.#module, instance.table, instance.id)) throw this.#noRecord(instance, key);
    if (data === undefined) throw err('EINVAL', `${this.#module}: shadow '${key}' of ${instance.table}[${instance.id}] is undefined`, 'use free to remove a shadow');
    try {
      checkPlainData(data, `shadow '${key}' of ${instance.table}[${instance.id}]`);
    } catch (e) {
      throw err('EINVAL', `${this.#module}: ${thrownMessage(e)}`, 'shadow data is plain data, as module state is');
    }
    const frozen = this.#freeze(data);
    this.#host.putShadows(this.#module, withShadow(this.#host.shadows(this.#module), instance.table, instance.id, key, frozen));
    return frozen;
  }

  /** Free the shadow of `key` on `instance`; whether there was one. */
  free(instance: Instance, key: string): boolean {
    this.#check(instance, key);
    const img = this.#host.shadows(this.#module);
    const next = withoutShadow(img, instance.table, instance.id, key);
    if (next === img) return false;
    this.#host.putShadows(this.#module, next);
    return true;
  }

  /** Free the shadows of `key` on every instance; how many there were. */
  freeAll(key: string): number {
    this.#checkKey(key);
    const img = this.#host.shadows(this.#module);
    const byTable = own(img, key);
    if (!byTable) return 0;
    const { [key]: _gone, ...rest } = img;
    this.#host.putShadows(this.#module, Object.freeze(rest));
    return Object.values(byTable).reduce((n, t) => n + t.size, 0);
  }

  #check(instance: Instance, key: string): void {
    this.#checkKey(key);
    if (typeof instance !== 'object' || instance === null || typeof instance.table !== 'string' || !Number.isInteger(instance.id)) {
      throw err('EINVAL', `${this.#module}: a shadow's instance is { table, id } (a record table and a record key), not ${JSON.stringify(instance)}`);
    }
    if (!this.#host.hasTable(this.#module, instance.table)) {
      throw err('EINVAL', `${this.#module} declares no record table '${instance.table}'`, 'a shadow attaches to a record of one of the module\'s own tables');
    }
  }

  #noRecord(instance: Instance, key: string) {
    return err('ENOENT', `${this.#module}: no record ${instance.id} in ${instance.table} to attach shadow '${key}' to`, 'a shadow attaches to an existing instance: put the record first');
  }

  #checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0) throw err('EINVAL', `${this.#module}: a shadow key is a non-empty string, not ${JSON.stringify(key)}`);
  }
}
