// The object twin's shadow variables: the same API as the procedural
// kernel's `m.shadow` (kernel/shadow.ts), with an object's id in the
// translation table as the instance. Objects keep their state in their own
// fields; a shadow attaches more data to an object that already exists,
// under a key, without a new class version having to transfer it.
//
// The kernel keeps them (ObjectKernel.shadows, offered to objects as
// `env.shadow`), apart from every object, so
// - they survive hot-swaps and their reverts: a swap gives an id a new
//   object, and the shadows hang on the id;
// - they go with their object: destroying it frees its shadows;
// - a hot-swap's transfer (a class's export and import) may read them but
//   not change them: objects are swapped one by one and an abort throws the
//   new objects away without undoing anything else, so a shadow changed by
//   an import would outlive the abort. Writes inside `duringTransfer` are
//   refused with EPERM, which makes the transfer fail and the update roll
//   back. Every other change is made by a method serving a real call, and
//   stands, as the objects' own fields do.
// Shadow data obeys the plain-data rule (exec/plaindata.ts) and is frozen.

import { freeze } from 'immer';
import { err } from '../exec/errno.js';
import { checkPlainData } from '../exec/plaindata.js';
import type { ObjId } from './ott.js';

export class ObjectShadows {
  // Private for real (#): objects hold this through their env.
  /** Key -> object id -> the shadow's data. */
  readonly #byKey = new Map<string, Map<ObjId, unknown>>();
  #transfers = 0;
  /** The live object of `id`, or undefined. */
  readonly #object: (id: ObjId) => object | undefined;

  constructor(object: (id: ObjId) => object | undefined) {
    this.#object = object;
  }

  /** The shadow of `key` on object `id`, or undefined. */
  get<T>(id: ObjId, key: string): Readonly<T> | undefined {
    this.#checkKey(key);
    return this.#byKey.get(key)?.get(id) as Readonly<T> | undefined;
  }

  /** The shadow of `key` on object `id`; if it has none, `ctor(object)` makes it first (ENOENT, before `ctor`, if there is no such object). */
  getOrAlloc<T, O extends object = any>(id: ObjId, key: string, ctor: (obj: O) => T): Readonly<T> {
    const found = this.get<T>(id, key);
    if (found !== undefined) return found;
    const obj = this.#object(id);
    if (obj === undefined) throw this.#noObject(id, key);
    return this.set(id, key, ctor(obj as O));
  }

  /** Make `data` the shadow of `key` on object `id` (allocating it or replacing what was there); returns it frozen. */
  set<T>(id: ObjId, key: string, data: T): Readonly<T> {
    this.#checkWrite(key);
    if (this.#object(id) === undefined) throw this.#noObject(id, key);
    if (data === undefined) throw err('EINVAL', `shadow '${key}' of object ${id} is undefined`, 'use free to remove a shadow');
    try {
      checkPlainData(data, `shadow '${key}' of object ${id}`);
    } catch (e) {
      throw err('EINVAL', e instanceof Error ? e.message : String(e), 'shadow data is plain data, as transfer data is');
    }
    const frozen = freeze(data, true);
    let ids = this.#byKey.get(key);
    if (!ids) this.#byKey.set(key, (ids = new Map()));
    ids.set(id, frozen);
    return frozen;
  }

  /** Free the shadow of `key` on object `id`; whether there was one. */
  free(id: ObjId, key: string): boolean {
    this.#checkWrite(key);
    const ids = this.#byKey.get(key);
    if (!ids?.delete(id)) return false;
    if (ids.size === 0) this.#byKey.delete(key);
    return true;
  }

  /** Free the shadows of `key` on every object; how many there were. */
  freeAll(key: string): number {
    this.#checkWrite(key);
    const n = this.#byKey.get(key)?.size ?? 0;
    this.#byKey.delete(key);
    return n;
  }

  /** Object `id` is destroyed: its shadows go with it. */
  dropObject(id: ObjId): void {
    for (const [key, ids] of this.#byKey) if (ids.delete(id) && ids.size === 0) this.#byKey.delete(key);
  }

  /** How many objects carry a shadow of each key, keys sorted. */
  counts(): [string, number][] {
    return [...this.#byKey].map(([key, ids]): [string, number] => [key, ids.size]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  /** Run a hot-swap's transfer: shadows may be read, not changed, until it returns. */
  duringTransfer<T>(fn: () => T): T {
    this.#transfers++;
    try {
      return fn();
    } finally {
      this.#transfers--;
    }
  }

  #checkWrite(key: string): void {
    this.#checkKey(key);
    if (this.#transfers > 0) throw err('EPERM', `a hot-swap's transfer cannot change shadow '${key}'`, 'change shadows from methods; an import may only read them');
  }

  #checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0) throw err('EINVAL', `a shadow key is a non-empty string, not ${JSON.stringify(key)}`);
  }

  #noObject(id: ObjId, key: string) {
    return err('ENOENT', `no object ${id} to attach shadow '${key}' to`, 'a shadow attaches to an object that exists');
  }
}
