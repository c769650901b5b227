// Function tables registered by modules (filesystem types, block devices,
// character devices, interrupt handlers) and the kernel's own syscall table.
// The kernel stores stubs, never raw functions, so every entry can be
// redirected by retargeting its slot.

import { FS_OP_NAMES } from '../exec/fsops.js';
import { HookList } from '../exec/hooks.js';
import { err } from '../exec/errno.js';
import type { AnyFn, Slot, SymbolTable } from './symbols.js';
import type { KGen } from '../exec/thread.js';

export const OPS_KINDS = ['fs', 'blkdev', 'chrdev', 'irq', 'syscall'] as const;
export type OpsKind = (typeof OPS_KINDS)[number];

/**
 * The operations a module's table of each kind may have (the kernel calls
 * no others): the fs contract (exec/fsops.ts), a character device's
 * read(pos, len) -> { data, pos } and write(bytes) -> count, a block
 * device's submit(op, sector, buf) and capacity() -> sectors, and an
 * interrupt handler(line, payload). A table may leave some out (ENOSYS).
 */
export const OPS_OPERATIONS: Readonly<Record<Exclude<OpsKind, 'syscall'>, readonly string[]>> = {
  fs: FS_OP_NAMES,
  chrdev: ['read', 'write'],
  blkdev: ['submit', 'capacity'],
  irq: ['handler'],
};

/**
 * A registered table. Its identity is stable (mounts and open files keep it);
 * its slots are replaced in place when an update adds or removes operations.
 */
export interface OpsTable {
  readonly kind: OpsKind;
  readonly name: string;
  /** The module that registered it ('kernel' for the syscall table). */
  readonly owner: string;
  /** Interface version of the table: callers written for a newer one get ENOSYS. */
  version: number;
  slots: Readonly<Record<string, Slot>>;
  /** What callers use: stubs (or raw targets in direct-binding mode). */
  entries: Readonly<Record<string, AnyFn>>;
  /** Older versions of the table for callers written for them: the operations whose signature changed, adapted. */
  views: ReadonlyMap<number, OpsView>;
}

/** A table as an older version had it: its own slots for the adapted operations, the table's for the rest. */
export interface OpsView {
  readonly version: number;
  /** Adaptor slots, by operation. */
  readonly adaptors: Readonly<Record<string, Slot>>;
  readonly slots: Readonly<Record<string, Slot>>;
  readonly entries: Readonly<Record<string, AnyFn>>;
}

/** What a caller holds: a table, or an older view of one. */
export type OpsHandle = Pick<OpsTable, 'kind' | 'name' | 'owner' | 'version' | 'slots' | 'entries'>;

/** `kind:name` */
export function opsKey(kind: string, name: string): string {
  return `${kind}:${name}`;
}

export function parseOpsKey(key: string): { kind: OpsKind; name: string } | null {
  const i = key.indexOf(':');
  if (i <= 0) return null;
  const kind = key.slice(0, i);
  const name = key.slice(i + 1);
  if (!(OPS_KINDS as readonly string[]).includes(kind) || !/^[a-z0-9_-]+$/i.test(name)) return null;
  return { kind: kind as OpsKind, name };
}

export class OpsRegistry {
  private readonly tables = new Map<string, OpsTable>();
  /** Subscribers told after a table is registered / before it is unregistered (the kernel attaches interrupt lines). */
  readonly onRegister = new HookList<[OpsTable]>();
  readonly onUnregister = new HookList<[OpsTable]>();

  constructor(private readonly symbols: SymbolTable) {}

  register(kind: OpsKind, name: string, owner: string, slots: Record<string, Slot>, version = 1): OpsTable {
    const key = opsKey(kind, name);
    if (this.tables.has(key)) {
      throw err('EEXIST', `${key} is already registered by ${this.tables.get(key)!.owner}`, 'rmmod the module that owns it first');
    }
    const table: OpsTable = Object.seal({ kind, name, owner, version, slots: {}, entries: {}, views: new Map() });
    this.setSlots(table, slots);
    this.tables.set(key, table);
    this.onRegister.run(table);
    return table;
  }

  /** Give a registered table a new set of operation slots (an update added or removed some). */
  setSlots(table: OpsTable, slots: Record<string, Slot>): void {
    const entries: Record<string, AnyFn> = {};
    for (const [op, slot] of Object.entries(slots)) entries[op] = this.symbols.bind(slot);
    table.slots = Object.freeze({ ...slots });
    table.entries = Object.freeze(entries);
    // Views share the table's slots for the operations they do not adapt.
    for (const v of [...table.views.values()]) this.setView(table, v.version, { ...v.adaptors });
  }

  /** Give a table a view for callers written for `version`, with these adaptor slots. */
  setView(table: OpsTable, version: number, adaptors: Record<string, Slot>): void {
    const slots = { ...table.slots, ...adaptors };
    const entries: Record<string, AnyFn> = {};
    for (const [op, slot] of Object.entries(slots)) entries[op] = this.symbols.bind(slot);
    const views = new Map(table.views);
    views.set(version, Object.freeze({ version, adaptors: Object.freeze({ ...adaptors }), slots: Object.freeze(slots), entries: Object.freeze(entries) }));
    table.views = views;
  }

  dropView(table: OpsTable, version: number): void {
    const views = new Map(table.views);
    views.delete(version);
    table.views = views;
  }

  /**
   * The table as a caller written for interface `version` must see it: the
   * table itself when it is that version or a compatible newer one (no view
   * adapts it), else the view the module provides for that version.
   */
  view(table: OpsTable, version: number): OpsHandle {
    const v = version < table.version ? table.views.get(version) : undefined;
    if (!v) return table;
    return { kind: table.kind, name: table.name, owner: table.owner, version, slots: v.slots, entries: v.entries };
  }

  unregister(kind: OpsKind, name: string): void {
    const t = this.tables.get(opsKey(kind, name));
    if (!t) return;
    this.onUnregister.run(t);
    this.tables.delete(opsKey(kind, name));
  }

  get(kind: OpsKind, name: string): OpsTable | undefined {
    return this.tables.get(opsKey(kind, name));
  }

  list(kind?: OpsKind): OpsTable[] {
    return [...this.tables.values()].filter((t) => kind === undefined || t.kind === kind);
  }
}

/** ENOSYS unless `table` implements at least interface `version` (callers written for a newer table). */
export function requireVersion(table: OpsHandle, version: number, op: string): void {
  if (table.version < version) {
    throw err('ENOSYS', `${table.owner} implements ${table.kind} operations version ${table.version}; '${op}' needs version ${version}`, `update ${table.owner} to a version that has it`);
  }
}

/** The slot of operation `op` of a table (whose entry callers use); ENOSYS when the table lacks it. */
export function opSlot(table: OpsHandle, op: string): Slot {
  const slot = table.slots[op];
  if (!slot || !table.entries[op]) throw err('ENOSYS', `${opsKey(table.kind, table.name)} has no operation '${op}'`);
  return slot;
}

/**
 * Call operation `op` of a table from a generator, whether the operation
 * blocks or not. Throws ENOSYS when the table lacks it.
 */
export function* callOp(table: OpsHandle, op: string, ...args: unknown[]): KGen<unknown> {
  const fn = table.entries[op]!;
  return opSlot(table, op).generator ? yield* fn(...args) : fn(...args);
}

/** Call a non-blocking operation `op` outside a thread (interrupts, printk). */
export function callOpPlain(table: OpsHandle, op: string, ...args: unknown[]): unknown {
  if (opSlot(table, op).generator) throw err('EINVAL', `${opsKey(table.kind, table.name)}.${op} blocks and cannot be called here`);
  return table.entries[op]!(...args);
}
