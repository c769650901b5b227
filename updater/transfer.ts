// The transfer phase: build a module's new image from its old one through
// the version's transfer functions. Old data is never modified (it is
// immutable): the new snapshot and new record tables are new values, so an
// abort needs only to drop them. The result is checked before it is used:
// it must be plain data, and the version's own `check` must accept it
// (return nothing; a string says what is wrong, anything else aborts too).
// Shadow variables (kernel/shadow.ts) are carried over as they are.

import { freeze } from 'immer';
import { err, thrownMessage } from '../exec/errno.js';
import { PTable, PTableBuilder } from '../kernel/ptable.js';
import { freezeNew } from '../kernel/freezing.js';
import type { ModuleImage, Rec } from '../kernel/store.js';
import { keepTables } from '../kernel/shadow.js';
import { type LazyStep, type PendingMigrations, recordData, stamped } from '../kernel/migrations.js';
import { checkPlainData } from '../kernel/plaindata.js';
import type { ModulePlan } from './plan.js';

export interface TransferResult {
  readonly image: ModuleImage;
  /** Schema version of each record table after the transfer. */
  readonly schemas: Record<string, number>;
  /** Records migrated now. */
  readonly records: number;
  /** Tables left to migrate on access, with the step to register at the switch. */
  readonly lazy: { readonly table: string; readonly step: LazyStep }[];
  /** Tables migrated eagerly: every record is at the new schema, pending steps can go. */
  readonly eager: string[];
}

export interface TransferOptions {
  /** Leave records to migrate on first access. */
  readonly lazy: boolean;
  /** Steps of earlier lazy updates, to bring old records up to date first. */
  readonly pending: PendingMigrations;
  /** The update's id (recorded with the steps it registers). */
  readonly update: number;
}

/** Simulated cycles a transfer costs: a base, plus per migrated record. */
export function transferCycles(records: number, stateTransferred: boolean): number {
  return 500 + (stateTransferred ? 500 : 0) + 30 * records;
}

/**
 * The new image of one module. Throws ECANCELED naming the module when the
 * transfer throws or its result fails a check; nothing has changed then.
 */
export function transferImage(old: ModuleImage, oldSchemas: Readonly<Record<string, number>>, p: ModulePlan, opts: TransferOptions): TransferResult {
  const fail = (what: string, e: unknown): never => {
    throw err('ECANCELED', `${p.name} ${p.from} -> ${p.to}: ${what}: ${thrownMessage(e)}`, 'the update was rolled back; fix the transfer and try again');
  };
  const t = p.transfer;
  let state: unknown = old.state;
  if (t?.state) {
    try {
      state = t.state(old.state);
    } catch (e) {
      fail('state transfer threw', e);
    }
    try {
      checkPlainData(state, 'state');
    } catch (e) {
      fail('transferred state is not plain data', e);
    }
    state = freeze(state, true);
  }

  const tables: Record<string, PTable<Rec>> = {};
  const schemas: Record<string, number> = {};
  const lazy: { table: string; step: LazyStep }[] = [];
  const eager: string[] = [];
  let records = 0;
  /** One record through `fn`, after any pending lazy steps brought it to the running schema. */
  const migrate = (table: string, key: number, rec: Rec, current: number, schema: number, fn: (old: any) => any): Rec => {
    let out: unknown;
    try {
      const upToDate = rec.v === current ? rec : opts.pending.upgrade(p.name, table, rec, current);
      out = fn(recordData(upToDate));
      // What the transfer handed on from the (frozen) record is not walked again; what it made is.
      checkPlainData(out, () => `${table}[${key}]`, upToDate);
    } catch (e) {
      fail(`transfer of ${table} record ${key}`, e);
    }
    if (typeof out !== 'object' || out === null || Array.isArray(out)) fail(`transfer of ${table} record ${key}`, new Error('did not return an object'));
    return freezeNew(stamped(out as object, schema)) as Rec;
  };
  for (const [table, schema] of Object.entries(p.newDef.records ?? {})) {
    schemas[table] = schema;
    const before = old.tables[table];
    const fn = t?.instance?.[table];
    const current = oldSchemas[table]!;
    if (!before) {
      tables[table] = PTable.empty();
    } else if (!fn) {
      if (current !== schema) fail(`records of ${table}`, new Error(`schema ${current} -> ${schema} with no transfer`));
      tables[table] = before;
    } else if (opts.lazy) {
      // Keep the records where they are (O(1)); try the transfer on one, so a broken one aborts now.
      const first = before.entries().next();
      if (!first.done) {
        const [key, rec] = first.value;
        if (rec.v !== schema) migrate(table, key, rec, current, schema, fn);
      }
      tables[table] = before;
      lazy.push({ table, step: { from: current, to: schema, fn, update: opts.update } });
    } else {
      // Built in place by a builder, not by a path copy per record.
      const migrated = new PTableBuilder<Rec>();
      before.forEach((rec, key) => {
        // A record already at the target schema (a revert of a record never migrated) stays as it is.
        if (rec.v === schema) {
          migrated.set(key, rec);
        } else {
          migrated.set(key, migrate(table, key, rec, current, schema, fn));
          records++;
        }
      });
      tables[table] = migrated.build();
      eager.push(table);
    }
  }

  if (t?.check) {
    let problem: string | undefined | void;
    try {
      problem = t.check(state);
    } catch (e) {
      fail('check threw', e);
    }
    // A string or nothing: anything else (an object, true, a promise) is a
    // check that does not say what it means, and aborts rather than commits.
    if (typeof problem === 'string' && problem.length > 0) fail('check failed', new Error(problem));
    if (problem !== undefined) fail('check failed', new Error(`it returned ${problem === '' ? 'an empty string' : problem === null ? 'null' : `a ${typeof problem}`}; a check returns what is wrong as a string, or nothing when all is well`));
  }
  // Shadows pass through untouched (no transfer function sees them); those of a table the new version drops go with it.
  const shadows = keepTables(old.shadows, Object.keys(tables));
  return { image: Object.freeze({ state, tables: Object.freeze(tables), shadows }), schemas, records, lazy, eager };
}
