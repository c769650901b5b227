// The module API: the one file a module imports, as a Linux module includes
// <linux/module.h>. A module file default-exports `defineModule({...})`.
//
// Module code keeps no state in closures or module-level variables: all of it
// lives in the kernel's store (`m.state()`, `m.commit()`, `m.records()`), where
// the updater can find, snapshot and migrate it. Every function a module
// exports or registers in an ops table takes the module's context `m` as its
// first argument; callers never pass it, the linker binds it. Other modules'
// functions are reached only through `m.imports`, which the linker fills with
// stubs. Never hold a snapshot across a `yield`: read again after blocking.

import type { Draft } from 'immer';
import type { Disk } from '../hw/disk.js';
import type { RecordTable } from './records.js';
import type { ModuleShadows } from './shadow.js';
import type { AnyFn } from './symbols.js';
import type { KGen } from '../exec/thread.js';
import type { FsOps, FsOpsV1 } from '../exec/fsops.js';

export type { Draft } from 'immer';
export { MAX_REQUEST_SECTORS, SECTOR_SIZE, sectorRuns, type DiskOp, type DiskCompletion } from '../hw/disk.js';
export { KernelError, err, type Errno } from '../exec/errno.js';
export { DEFAULT_IO_TIMEOUT } from '../exec/iotimeout.js';
export type { KGen } from '../exec/thread.js';
export type { Rec } from './store.js';
export type { Instance, ModuleShadows } from './shadow.js';
export type { AnyFn } from './symbols.js';
export type { Attr, StatFs } from '../exec/abi.js';
export type { FsOps } from '../exec/fsops.js';

export type ParamValue = number | string | boolean;

export interface ParamDef {
  readonly type: 'int' | 'string' | 'bool';
  readonly default: ParamValue;
  readonly description: string;
  readonly min?: number;
  readonly max?: number;
}

/** An exported function and the interface version it implements. */
export interface ExportDef {
  readonly version: number;
  readonly fn: AnyFn;
}

/** What the kernel offers module code besides its imports. */
export interface KernelServices {
  /** Declare `cycles` of work done by the running step. */
  work(cycles: number): void;
  /** Simulated time, in cycles. */
  now(): number;
  /** The running thread's id (0 outside a thread, e.g. in an interrupt). */
  tid(): number;
  /** Block the running thread on the module's wait queue `key` until woken. */
  wait(key: string, why?: string): KGen<void>;
  /**
   * The same, but a signal (a live transition's `signal`) may end the wait:
   * the syscall is then unwound and restarted from the start, unseen by the
   * user program. The kernel allows that only while the syscall has
   * committed nothing (exec/signal.ts); after a commit this wait is
   * uninterruptible. Use it for waits that may last (for an event, for
   * input), not for disk I/O, which Linux never interrupts.
   */
  waitInterruptible(key: string, why?: string): KGen<void>;
  /**
   * Block on `key` until woken or until `cycles` pass (wait_event_timeout);
   * whether it was woken in time. Uninterruptible, as `wait`. A wait that is
   * woken in time leaves no timer event behind.
   */
  waitTimeout(key: string, cycles: number, why?: string): KGen<boolean>;
  wakeOne(key: string): boolean;
  wakeAll(key: string): number;
  /** Block the running thread for `cycles`. */
  sleep(cycles: number): KGen<void>;
  /** The same, but a signal may end it (msleep_interruptible; the rule of waitInterruptible). */
  sleepInterruptible(cycles: number): KGen<void>;
  /** Append a line to the kernel log. */
  printk(text: string): void;
  /** A hardware disk, for block drivers. */
  disk(name: string): Disk | undefined;
}

export interface ModuleContext<S = unknown, I extends object = Record<string, AnyFn>> {
  readonly name: string;
  readonly version: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Imported symbols, by name, bound by the linker. */
  readonly imports: I;
  /** The module's current snapshot (deep readonly). */
  state(): S;
  /** Change the snapshot with an immer recipe; returns the new snapshot. */
  commit(recipe: (draft: Draft<S>) => void): S;
  /**
   * Commit a new snapshot built without a draft (the unchanged parts shared
   * with `state()`); the store freezes what is new. For hot paths that make
   * a tiny change many times; `commit` stays the way to write module code.
   */
  put(next: S): S;
  /** One of the module's per-instance record tables (declared in `records`). */
  records<T extends object>(table: string): RecordTable<T>;
  /**
   * Shadow variables: data attached to a record (`{ table, id }`) under a
   * key, kept by the kernel apart from state and records, so it survives
   * updates and reverts; freed with its record and at rmmod.
   */
  readonly shadow: ModuleShadows;
  readonly k: KernelServices;
}

export interface StateDef<S> {
  /** Schema number of the module-wide snapshot. */
  readonly schema: number;
  readonly initial: (params: Readonly<Record<string, ParamValue>>) => S;
}

/**
 * How a version takes over from another (`upgrade`, in the new version) or
 * hands back to one (`downgrade`, for revert). Transfers are pure functions
 * of the old immutable data; the updater checks their result before use.
 */
export interface TransferDef {
  /** Module-wide snapshot, old to new. Omitted: the snapshot is kept as it is. */
  readonly state?: (old: any) => any;
  /** Per-instance records, by table: old record (its `v` removed) to new record. */
  readonly instance?: Readonly<Record<string, (old: any) => any>>;
  /** Check the transferred snapshot: return what is wrong, or nothing. */
  readonly check?: (next: any) => string | undefined | void;
  /** Records may migrate on first access instead of all at once. */
  readonly lazy?: boolean;
  /**
   * What to do to the running instance in place of the new version's `init`
   * (an update never re-runs init). Required when `init` changes. Runs in the
   * switch, with the new version's context; a throw rolls the update back.
   */
  readonly init?: (m: ModuleContext<any, any>) => void;
}

export interface UpgradeDef extends TransferDef {
  /** Versions this one takes over from. */
  readonly from: readonly string[];
}

export interface DowngradeDef extends TransferDef {
  /** Versions this one can go back to. */
  readonly to: readonly string[];
}

/**
 * A system state a version changes (Linux livepatch's `klp_state`): an id,
 * and the version of the change. An update must keep every state the
 * running stack has, at the same or a higher version.
 */
export interface SystemStateDecl {
  readonly id: string;
  readonly version: number;
}

/** A system state as the callbacks see it: its declaration and the data the callbacks keep with it. */
export interface SystemState extends SystemStateDecl {
  /** Whatever the version's callbacks keep here (plain data); a later version reads it through `prevState`. */
  data: unknown;
}

/** Where the target module is when a callback runs (Linux's module states). */
export type ModuleLife = 'coming' | 'live' | 'going';

/**
 * What a callback gets (livepatch's callbacks get their klp_object): the
 * module it is for, the versions involved, and the system states.
 */
export interface CallbackContext {
  /** The module the callback is for. */
  readonly module: string;
  /** The version declaring the callback. */
  readonly version: string;
  /**
   * The versions of the step the callback belongs to: the version left and
   * the version reached (`1.0.0`, `1.1.0` for an update to 1.1.0 and while
   * it applies at a load; `1.1.0`, `1.0.0` for its revert and at rmmod).
   */
  readonly from: string;
  readonly to: string;
  /** `coming`: the module is being loaded and the update applies before it runs; `going`: it is being unloaded; else `live`. */
  readonly life: ModuleLife;
  /** Append a line to the kernel log, prefixed with the module's name. */
  printk(text: string): void;
  /** One of this version's declared states, with its data (undefined if it declares no such state). */
  state(id: string): SystemState | undefined;
  /** The state as the version below this one in the stack has it (what an update takes over; undefined if it has none). */
  prevState(id: string): SystemState | undefined;
}

/**
 * Callbacks a version declares for its update (Linux livepatch's object
 * callbacks), each a plain function. prePatch runs before the update's
 * transition starts and may refuse it by throwing (`err('ENODEV', ...)`);
 * postPatch runs once it has completed; preUnpatch before a revert (or an
 * rmmod) takes the version away, postUnpatch after. postPatch, preUnpatch
 * and postUnpatch cannot fail: a throw is an oops, and the step goes on.
 */
export interface Callbacks {
  readonly prePatch?: (c: CallbackContext) => void;
  readonly postPatch?: (c: CallbackContext) => void;
  readonly preUnpatch?: (c: CallbackContext) => void;
  readonly postUnpatch?: (c: CallbackContext) => void;
}

export const CALLBACKS = ['prePatch', 'postPatch', 'preUnpatch', 'postUnpatch'] as const;
export type CallbackName = (typeof CALLBACKS)[number];

/**
 * An ops table as a module writes it, for an interface `T` whose operations
 * its callers reach as generators: each operation takes the module's context
 * `C` first (the linker binds it), and one that never blocks may be a plain
 * function returning its result.
 */
export type ModuleOps<T, C = any> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => KGen<infer R> ? (m: C, ...args: A) => R | KGen<R> : never;
};

/**
 * A filesystem type's table (`fs:NAME`), written against the fs contract
 * `FsOps` (exec/fsops.ts): every operation of interface version 1, and those
 * added later that the table implements (its version goes in `opsVersions`).
 */
export type FsModuleOps<C = any> = ModuleOps<FsOpsV1, C> & Partial<ModuleOps<FsOps, C>>;

/** The ops tables a module registers, keyed `kind:name`; TypeScript checks an `fs:` table against the fs contract. */
export interface OpsTables {
  readonly [key: string]: Readonly<Record<string, AnyFn>>;
  readonly [key: `fs:${string}`]: FsModuleOps;
}

export interface ModuleDef<S = any> {
  readonly name: string;
  /** Semantic version, `MAJOR.MINOR.PATCH`. */
  readonly version: string;
  readonly description: string;
  readonly license?: string;
  /** Imported symbols and the interface version each was written against. */
  readonly requires?: Readonly<Record<string, number>>;
  readonly exports?: Readonly<Record<string, ExportDef>>;
  /**
   * Function tables the module registers when it loads, keyed `kind:name`
   * (kinds: fs, blkdev, chrdev, irq), each a record of operations; an `fs:`
   * table is an `FsModuleOps`.
   */
  readonly ops?: OpsTables;
  /** Version of each ops table's interface, when above 1 (a table that gained operations). */
  readonly opsVersions?: Readonly<Record<string, number>>;
  readonly params?: Readonly<Record<string, ParamDef>>;
  readonly state?: StateDef<S>;
  /** Per-instance record tables and the schema version of their records. */
  readonly records?: Readonly<Record<string, number>>;
  readonly init?: (m: ModuleContext<S, any>) => void;
  readonly exit?: (m: ModuleContext<S, any>) => void;
  readonly upgrade?: UpgradeDef;
  readonly downgrade?: DowngradeDef;
  /** Run around an update to this version and its revert, in livepatch's order (see Callbacks). */
  readonly callbacks?: Callbacks;
  /** The system states this version changes (klp_state); an update may not lose one or lower its version. */
  readonly states?: readonly SystemStateDecl[];
  /**
   * Adaptors, written in terms of the new interfaces:
   * - `name@N`: an older interface version of an export; its slot exists
   *   only while some module imports that interface;
   * - `kind:name@V`: operations of an ops table as version V had them, for
   *   the kernel's callers written for V (only the operations that changed).
   */
  readonly compat?: Readonly<Record<string, AnyFn | Readonly<Record<string, AnyFn>>>>;
}

/** Identity with types: the default export of a module file. */
export function defineModule<S>(def: ModuleDef<S>): ModuleDef<S> {
  return def;
}

/** Builds the typed `draft` recipe helpers' companion: a typed context alias. */
export type Ctx<S, I extends object = Record<string, AnyFn>> = ModuleContext<S, I>;

/** The compat adaptors of older export interfaces: `name@N` -> function. */
export function exportCompat(def: ModuleDef): Map<string, AnyFn> {
  const out = new Map<string, AnyFn>();
  for (const [key, v] of Object.entries(def.compat ?? {})) if (!key.includes(':') && typeof v === 'function') out.set(key, v);
  return out;
}

/** The compat views of ops tables: `kind:name` -> older version -> adapted operations. */
export function tableCompat(def: ModuleDef): Map<string, Map<number, Readonly<Record<string, AnyFn>>>> {
  const out = new Map<string, Map<number, Readonly<Record<string, AnyFn>>>>();
  for (const [key, v] of Object.entries(def.compat ?? {})) {
    const m = /^(.+:.+)@(\d+)$/.exec(key);
    if (!m || typeof v !== 'object') continue;
    let byVersion = out.get(m[1]!);
    if (!byVersion) out.set(m[1]!, (byVersion = new Map()));
    byVersion.set(Number(m[2]), v as Readonly<Record<string, AnyFn>>);
  }
  return out;
}
