// What an object class version is, and what its objects may use. Objects
// keep their state in their own fields, as K42's objects do; what makes them
// updatable is that a class version says how to export that state in a
// transfer format and how to import it, and which interface version its
// methods implement. A newer version that changes the interface provides
// adaptor objects for callers written for an older one.

import type { Disk } from '../hw/disk.js';
import type { KGen } from '../exec/thread.js';
import type { ObjId } from './ott.js';
import type { ObjectShadows } from './shadow.js';

/** What an object may use: other objects through the table, and the machine. */
export interface ObjEnv {
  /** Call a method of object `id` that may block. */
  call(id: ObjId, method: string, ...args: unknown[]): KGen<unknown>;
  /** Call a method of object `id` that never blocks. */
  callPlain(id: ObjId, method: string, ...args: unknown[]): unknown;
  /** Call a blocking method as a caller written for interface `iface` of the object (through an adaptor if the object is newer). */
  callAs(iface: number, id: ObjId, method: string, ...args: unknown[]): KGen<unknown>;
  /** A new object of class `cls` (its factory's running version) from transfer data. */
  create(cls: string, format: string, data: unknown): ObjId;
  /** Destroy object `id` (its factory forgets it). */
  destroy(id: ObjId): void;
  /** Declare `cycles` of work done by the running step. */
  work(cycles: number): void;
  now(): number;
  /** Block the running thread on wait queue `key` until woken. */
  wait(key: string, why: string): KGen<void>;
  /**
   * The same, but a signal (a live transition's `signal`) may end the wait:
   * the syscall is unwound and restarted unseen. Objects change in place,
   * so the kernel cannot see whether the call has changed anything yet: a
   * class may use this only for a wait before its method changes anything
   * (the procedural kernel checks that rule itself, exec/signal.ts).
   */
  waitInterruptible(key: string, why: string): KGen<void>;
  /** Block on `key` until woken or until `cycles` pass; whether it was woken in time (the procedural kernel's `m.k.waitTimeout`). */
  waitTimeout(key: string, cycles: number, why: string): KGen<boolean>;
  wakeOne(key: string): boolean;
  printk(text: string): void;
  disk(name: string): Disk | undefined;
  /** Shadow variables: data attached to an object (by id) under a key, kept by the kernel; they survive hot-swaps and go with the object. */
  readonly shadow: ObjectShadows;
}

export interface ObjClass<O extends object = object> {
  /** The class name its factory is known by ('Inode'). */
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** The interface version its methods implement. */
  readonly iface: number;
  /** Transfer formats it can export its state in, preferred first. */
  readonly exportAs: Readonly<Record<string, (o: O) => unknown>>;
  /** Transfer formats it can build an object from, preferred first. */
  readonly importFrom: Readonly<Record<string, (data: unknown, env: ObjEnv) => O>>;
  /** Adaptor objects for callers written for older interface versions: given the id of the object. */
  readonly adaptors?: Readonly<Record<number, (env: ObjEnv, target: ObjId) => object>>;
  /** The interface version of each other class its code calls (as a module's `requires`). */
  readonly uses?: Readonly<Record<string, number>>;
  /** Whether instances may be swapped lazily, each on its next call (the default for this version). */
  readonly lazy?: boolean;
}

/**
 * The default export of a class version file (`oo/classes/<class>/<version>.ts`),
 * as `defineModule` is a module file's. Its transfer functions are typed for
 * the version's own objects; a factory only ever hands them those, so the
 * entry is seen from outside as a class of any object.
 */
export function defineClass<O extends object>(cls: ObjClass<O>): ObjClass {
  return cls as unknown as ObjClass;
}

/** The first format `to` imports that `from` exports, or null when there is none. */
export function transferFormat(from: ObjClass, to: ObjClass): string | null {
  return Object.keys(to.importFrom).find((f) => f in from.exportAs) ?? null;
}
