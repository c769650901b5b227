// The switch phase: make the new versions current, atomically. It runs
// inside one step (or with the machine stopped), so no thread can observe a
// half-switched group. Every change is logged with its inverse; if any step
// fails, the log is replayed backwards and the machine is exactly as before.

import { err, thrownMessage } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import { type BuiltTarget, type LinkedVersion, type NewAdaptor, viewSlotKey } from '../kernel/link.js';
import { type OpsTable, parseOpsKey } from '../kernel/ops.js';
import type { Slot } from '../kernel/symbols.js';
import type { ModulePlan } from './plan.js';
import type { TransferResult } from './transfer.js';

/** A version prepared by the loader (linked, not yet visible) with its part of the plan. */
export type Prepared = LinkedVersion & { readonly plan: ModulePlan };

/** Point `slot` at `target` (and mark it an adaptor or not), logging the inverse in `undo`. */
function retarget(slot: Slot, target: Slot['target'], adaptor: boolean, undo: (() => void)[]): void {
  const old = { target: slot.target, adaptor: slot.adaptor };
  slot.target = target;
  slot.adaptor = adaptor;
  undo.push(() => {
    slot.target = old.target;
    slot.adaptor = old.adaptor;
  });
}

/**
 * The slots for a set of operations: an operation's old slot is retargeted,
 * a new operation gets a new slot (keyed by `keyOf`), and the slots of
 * operations that are gone are removed; every change is logged in `undo`.
 */
function resyncSlots(k: Kernel, old: Readonly<Record<string, Slot>>, ops: Map<string, BuiltTarget>, keyOf: (op: string) => string, undo: (() => void)[]): Record<string, Slot> {
  const slots: Record<string, Slot> = {};
  for (const [op, bt] of ops) {
    const existing = old[op];
    if (existing) {
      retarget(existing, bt.target, existing.adaptor, undo);
      slots[op] = existing;
    } else {
      const key = keyOf(op);
      slots[op] = k.symbols.define(key, bt.target, bt.generator);
      undo.push(() => k.symbols.remove(key));
    }
  }
  for (const [op, slot] of Object.entries(old)) {
    if (ops.has(op)) continue;
    k.symbols.remove(slot.key);
    undo.push(() => k.symbols.adopt(slot));
  }
  return slots;
}

/** Give `table` exactly the older views the new version provides, reusing slots that stay. */
function switchViews(k: Kernel, table: OpsTable, tableKey: string, views: Map<number, Map<string, BuiltTarget>>, undo: (() => void)[]): void {
  const before = table.views;
  for (const [version, ops] of views) {
    const adaptors = resyncSlots(k, before.get(version)?.adaptors ?? {}, ops, (op) => viewSlotKey(tableKey, version, op), undo);
    k.ops.setView(table, version, adaptors);
  }
  for (const [version, v] of before) {
    if (views.has(version)) continue;
    for (const slot of Object.values(v.adaptors)) {
      k.symbols.remove(slot.key);
      undo.push(() => k.symbols.adopt(slot));
    }
    k.ops.dropView(table, version);
  }
  undo.push(() => (table.views = before));
}

/** Switch every prepared module to its new version; all or nothing. */
export function applySwitch(k: Kernel, prepared: readonly Prepared[], results: readonly (TransferResult | null)[], adaptors: readonly NewAdaptor[] = []): void {
  const undo: (() => void)[] = [];
  try {
    for (const { provider, slot } of adaptors) {
      const owner = k.loader.require(provider);
      k.symbols.adopt(slot);
      owner.exports.set(slot.key, slot);
      undo.push(() => {
        k.symbols.remove(slot.key);
        owner.exports.delete(slot.key);
      });
    }
    prepared.forEach((p, i) => switchModule(k, p, results[i] ?? null, undo));
    // An importer that moved to the new interface may have left an adaptor unused: it goes, with its indirection.
    for (const { owner, key, slot } of k.loader.dropUnusedAdaptors()) {
      undo.push(() => {
        k.symbols.adopt(slot);
        owner.exports.set(key, slot);
      });
    }
  } catch (e) {
    for (const step of undo.reverse()) step();
    throw e;
  }
}

function switchModule(k: Kernel, p: Prepared, result: TransferResult | null, undo: (() => void)[]): void {
  const name = p.plan.name;
  const mod = k.loader.require(name);

  for (const [key, bt] of p.exports) {
    const slot = mod.exports.get(key);
    if (slot) {
      // Possibly an adaptor until now (a revert to a version that exports the old interface itself).
      retarget(slot, bt.target, false, undo);
    } else {
      const created = p.newSlots.get(key) ?? k.symbols.create(key, bt.target, bt.generator);
      k.symbols.adopt(created);
      mod.exports.set(key, created);
      undo.push(() => {
        k.symbols.remove(key);
        mod.exports.delete(key);
      });
    }
  }
  for (const [key, slot] of [...mod.exports]) {
    if (p.exports.has(key)) continue;
    const adaptor = p.compat.get(key);
    if (adaptor) {
      // The old interface lives on through the new version's adaptor.
      retarget(slot, adaptor.target, true, undo);
      continue;
    }
    k.symbols.remove(key);
    mod.exports.delete(key);
    undo.push(() => {
      k.symbols.adopt(slot);
      mod.exports.set(key, slot);
    });
  }

  for (const [tableKey, ops] of p.ops) {
    const { kind, name: tname } = parseOpsKey(tableKey)!;
    const table = k.ops.get(kind, tname);
    if (!table) {
      const slots: Record<string, Slot> = {};
      for (const [op, bt] of ops) slots[op] = k.symbols.define(`${tableKey}.${op}`, bt.target, bt.generator);
      undo.push(() => k.loader.unregisterOps(tableKey));
      const created = k.ops.register(kind, tname, name, slots, p.plan.newDef.opsVersions?.[tableKey] ?? 1);
      switchViews(k, created, tableKey, p.views.get(tableKey) ?? new Map(), undo);
      mod.opsTables.push(tableKey);
      undo.push(() => void mod.opsTables.splice(mod.opsTables.indexOf(tableKey), 1));
      continue;
    }
    const oldSlots = table.slots;
    const slots = resyncSlots(k, oldSlots, ops, (op) => `${tableKey}.${op}`, undo);
    k.ops.setSlots(table, slots);
    undo.push(() => k.ops.setSlots(table, { ...oldSlots }));
    const oldVersion = table.version;
    table.version = p.plan.newDef.opsVersions?.[tableKey] ?? 1;
    undo.push(() => (table.version = oldVersion));
    switchViews(k, table, tableKey, p.views.get(tableKey) ?? new Map(), undo);
  }

  if (result) {
    const oldImage = k.store.image(name);
    const oldSchemas = Object.fromEntries(Object.keys(p.plan.oldDef.records ?? {}).map((t) => [t, k.store.schemaOf(name, t)]));
    k.store.restore(name, result.image, result.schemas);
    undo.push(() => k.store.restore(name, oldImage, oldSchemas));
  }

  const old = { def: mod.def, ctx: mod.ctx, imports: new Map(mod.imports), source: mod.source, params: mod.params };
  k.loader.install(name, p.plan.newDef, p.ctx, p.imports, p.plan.source, p.ctx.params);
  undo.push(() => k.loader.install(name, old.def, old.ctx, old.imports, old.source, old.params));

  // In place of init, which an update does not re-run: what the version says to do to the running instance.
  if (p.plan.transfer?.init) {
    const image = k.store.image(name);
    undo.push(() => k.store.restore(name, image));
    try {
      p.plan.transfer.init(p.ctx);
    } catch (e) {
      throw err('ECANCELED', `${name} ${p.plan.to}: upgrade.init failed: ${thrownMessage(e)}`, 'the update was rolled back');
    }
  }
}
