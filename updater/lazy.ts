// The background sweep of a lazy migration: a kernel thread that reads every
// record of a table still behind its schema, a batch per step, so that the
// store's on-read migration (kernel/migrations.ts) brings them all up to date
// over time instead of on each record's first access. Started by `update
// --lazy --sweep`.

import type { Kernel } from '../kernel/kernel.js';
import type { PTable } from '../kernel/ptable.js';
import type { Rec } from '../kernel/store.js';
import type { KGen } from '../exec/thread.js';

/**
 * A kernel thread body that migrates every record of `snapshot` (the table
 * as it was at the switch) still behind, `batch` records per step; returns
 * how many it migrated.
 */
export function* sweepTable(k: Kernel, module: string, table: string, snapshot: PTable<Rec>, batch = 64, pause = 2_000): KGen<number> {
  let done = 0;
  let inBatch = 0;
  for (const [key] of snapshot.entries()) {
    if (!k.store.has(module)) return done; // unloaded meanwhile
    const rec = k.store.table(module, table).get(key);
    if (rec !== undefined && rec.v !== k.store.schemaOf(module, table)) {
      k.store.getRecord(module, table, key);
      done++;
    }
    if (++inBatch >= batch) {
      inBatch = 0;
      yield* k.sched.sleep(pause);
    }
  }
  if (k.store.recordsBehind(module, table) === 0) k.store.lazy.clear(module, table);
  return done;
}
