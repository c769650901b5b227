// Lazy migration of per-instance records (K42's lazy update of many
// instances; Ginseng's lazy per-object transformation). An update that
// migrates a table lazily leaves its records where they are at the switch
// and registers the steps from their schema to the new one; the store's
// migrator hook runs those steps when a record is first read, and commits
// the result. Steps chain, so a table may be several updates behind. A
// background sweep may migrate the rest over time.

import { freeze } from 'immer';
import { err } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { PTable } from '../kernel/ptable.js';
import type { Rec } from '../kernel/store.js';
import type { KGen } from '../exec/thread.js';
import { checkPlainData } from './transfer.js';

/** One schema step of one table: records at `from` become records at `to` through `fn`. */
export interface LazyStep {
  readonly from: number;
  readonly to: number;
  readonly fn: (old: any) => any;
  /** The update that registered it. */
  readonly update: number;
}

/** Cycles charged for migrating one record on access. */
export const LAZY_RECORD_CYCLES = 30;

export class LazyMigrations {
  /** `module/table` -> steps by source schema. */
  private readonly steps = new Map<string, Map<number, LazyStep>>();

  constructor(private readonly k: Kernel) {
    k.store.migrator = (module, table, key, rec) => this.migrate(module, table, key, rec);
  }

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

  /** Bring one record's data from schema `v` to `target` through the registered steps (pure). */
  upgradeData(module: string, table: string, rec: Rec, target: number): Rec {
    let cur = rec;
    for (let guard = 0; cur.v !== target; guard++) {
      const step = this.steps.get(`${module}/${table}`)?.get(cur.v);
      if (!step || guard > 64) throw err('EIO', `${module}: record of ${table} at schema ${cur.v} has no migration to schema ${target}`);
      const { v: _v, ...data } = cur;
      const out: unknown = step.fn(data);
      checkPlainData(out, `${table} record`);
      cur = freeze({ ...(out as object), v: step.to }, true) as Rec;
    }
    return cur;
  }

  /** The store's hook: migrate a record read at an old schema, commit it, and return it. */
  private migrate(module: string, table: string, key: number, rec: Rec): Rec {
    const target = this.k.store.schemaOf(module, table);
    let next: Rec;
    try {
      next = this.upgradeData(module, table, rec, target);
    } catch (e) {
      this.k.oops(`lazy migration of ${module}/${table}[${key}]`, e);
      throw err('EIO', `${module}: record ${key} of ${table} could not be migrated: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.k.store.putRecord(module, table, key, next);
    if (this.k.sched.current) this.k.sched.work(LAZY_RECORD_CYCLES);
    return next;
  }

  /** Records of a table not yet at its current schema (a full scan: for modinfo and tests). */
  behind(module: string, table: string): number {
    const target = this.k.store.schemaOf(module, table);
    let n = 0;
    for (const [, rec] of this.k.store.table(module, table).entries()) if (rec.v !== target) n++;
    return n;
  }

  /**
   * A kernel thread body that migrates every record of `snapshot` (the table
   * as it was at the switch) still behind, `batch` records per step.
   */
  *sweep(module: string, table: string, snapshot: PTable<Rec>, batch = 64, pause = 2_000): KGen<number> {
    let done = 0;
    let inBatch = 0;
    for (const [key] of snapshot.entries()) {
      if (!this.k.store.has(module)) return done; // unloaded meanwhile
      const rec = this.k.store.table(module, table).get(key);
      if (rec !== undefined && rec.v !== this.k.store.schemaOf(module, table)) {
        this.k.store.getRecord(module, table, key);
        done++;
      }
      if (++inBatch >= batch) {
        inBatch = 0;
        yield* this.k.sched.sleep(pause);
      }
    }
    if (this.behind(module, table) === 0) this.clear(module, table);
    return done;
  }
}
