// Pending lazy migrations of per-instance records (K42's lazy update of many
// instances; Ginseng's lazy per-object transformation), kept by the store
// next to the tables' schema versions. An update that migrates a table
// lazily leaves its records where they are and registers the step from
// their schema to the new one here; the store runs the steps when a record
// is first read at an old schema. Steps chain, so a table may be several
// updates behind. They are kernel state: they outlive the updater object
// that registered them and go when the module is unloaded.

import { freeze } from 'immer';
import { err } from '../exec/errno.js';
import { checkPlainData } from './plaindata.js';

/** One schema step of one table: records at `from` become records at `to` through `fn`. */
export interface LazyStep {
  readonly from: number;
  readonly to: number;
  readonly fn: (old: any) => any;
  /** The update that registered it. */
  readonly update: number;
}

/**
 * A record's data as a transfer function takes it: without its schema stamp
 * `v`, frozen like the record it comes from (a transfer builds a new value
 * and never changes its input). Copied key by key into a fresh literal,
 * then frozen: a rest destructuring made an object in V8's dictionary mode,
 * and a spread of an unfrozen copy (`{ ...old, field }`, what transfers
 * do) took V8's slow path, about 2 us a record against 0.15 for a frozen one.
 */
export function recordData(rec: { readonly v: number }): Readonly<Record<string, unknown>> {
  const data: Record<string, unknown> = {};
  for (const key in rec) if (key !== 'v') data[key] = (rec as unknown as Record<string, unknown>)[key];
  return Object.freeze(data);
}

/**
 * What a transfer function returned (checked: a plain object), as a record
 * at schema `v`: the object itself, stamped, when it is one the transfer
 * made (it becomes the store's record, frozen by the caller); a copy when
 * it is frozen or already has a `v` (an input handed back, a shared
 * constant). A spread of every result cost as much as the rest of the
 * record's migration.
 */
export function stamped(out: object, v: number): { readonly v: number } {
  if (Object.isExtensible(out) && !Object.hasOwn(out, 'v')) {
    (out as { v: number }).v = v;
    return out as { readonly v: number };
  }
  return { ...out, v };
}

/** Cycles charged for migrating one record on access. */
export const LAZY_RECORD_CYCLES = 30;

export class PendingMigrations {
  /** `module/table` -> steps by source schema. */
  private readonly steps = new Map<string, Map<number, LazyStep>>();

  /** Steps pending for a table (empty when none). */
  pending(module: string, table: string): LazyStep[] {
    return [...(this.steps.get(`${module}/${table}`)?.values() ?? [])];
  }

  add(module: string, table: string, step: LazyStep): void {
    const id = `${module}/${table}`;
    let m = this.steps.get(id);
    if (!m) this.steps.set(id, (m = new Map()));
    m.set(step.from, step);
  }

  /** Forget a table's steps (an eager transfer has brought every record up to date). */
  clear(module: string, table: string): void {
    this.steps.delete(`${module}/${table}`);
  }

  /** Forget every step of a module (it is unloaded). */
  clearModule(module: string): void {
    for (const id of [...this.steps.keys()]) if (id.startsWith(`${module}/`)) this.steps.delete(id);
  }

  /** Bring one record's data from schema `rec.v` to `target` through the registered steps (pure). */
  upgrade<R extends { readonly v: number }>(module: string, table: string, rec: R, target: number): R {
    let cur = rec;
    for (let guard = 0; cur.v !== target; guard++) {
      const step = this.steps.get(`${module}/${table}`)?.get(cur.v);
      if (!step || guard > 64) throw err('EIO', `${module}: record of ${table} at schema ${cur.v} has no migration to schema ${target}`);
      const out: unknown = step.fn(recordData(cur));
      checkPlainData(out, `${table} record`, cur); // what it handed on from the frozen record is not walked again
      if (typeof out !== 'object' || out === null || Array.isArray(out)) throw new Error(`${table} record: the migration did not return an object`);
      cur = freeze(stamped(out, step.to), true) as unknown as R;
    }
    return cur;
  }
}
