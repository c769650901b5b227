// A factory per object class, as in K42's update system: it knows the class's
// version history, which version is running, and every instance it made, so
// a class update can reach all of them. It refuses an update unless the
// running version is the one just before the new one (N-1), and a revert
// unless it goes back to the one just before the running one.
//
// It also keeps the hot-swaps still pending in front of its instances, as
// the kernel keeps the state an update leaves behind. It only keeps them:
// `PendingSwap` below says what they are to it and to its readers, and the
// hot-swap protocol (hotswap.ts) implements it, as it implements the object
// table's CallMediator. So the factory, which the kernel uses, does not
// depend on the update machinery built on top of it.

import { err } from '../exec/errno.js';
import type { ObjClass, ObjEnv } from './objclass.js';
import type { ObjId, Ott } from './ott.js';

/** Where the hot-swap of one instance stands (`done`: swapped, or given back its old object). */
export type MediatorPhase = 'forward' | 'block' | 'lazy' | 'done';

/** A hot-swap still pending in front of one instance (hotswap.ts's Mediator). */
export interface PendingSwap {
  readonly phase: MediatorPhase;
  /** Which instance, swapped from which class version to which. */
  readonly swap: { readonly id: ObjId; readonly cls: { readonly from: ObjClass; readonly to: ObjClass } };
  /** Swap now if nothing is in flight in the instance; whether it is swapped. */
  trySwap(): boolean;
}

export class Factory {
  private index: number;
  /** Every live instance and the class version its object is (older than running while a lazy swap is pending). */
  readonly instances = new Map<ObjId, { obj: object; cls: ObjClass }>();
  /** Instances with a mediator in front of them: during an update, and after a lazy one until each is swapped. */
  readonly pending = new Map<ObjId, PendingSwap>();

  constructor(
    readonly history: readonly ObjClass[],
    version: string,
  ) {
    const i = history.findIndex((c) => c.version === version);
    if (i < 0) throw err('ENOENT', `${history[0]?.name} has no version ${version}`, `versions: ${history.map((c) => c.version).join(', ')}`);
    this.index = i;
  }

  get name(): string {
    return this.history[0]!.name;
  }

  get running(): ObjClass {
    return this.history[this.index]!;
  }

  /** The class version `version`, checked to be the next one after the running version (N-1 rule). */
  next(version: string): ObjClass {
    const want = this.find(version);
    const n = this.history.indexOf(want);
    if (n !== this.index + 1) {
      const expected = this.history[this.index + 1];
      throw err('EINVAL', `${this.name} runs ${this.running.version}; a factory updates only from the version just before (N-1), and ${version} follows ${this.history[n - 1]?.version ?? 'nothing'}`, expected ? `update ${this.name} to ${expected.version} first` : `${this.running.version} is the newest version`);
    }
    return want;
  }

  /** The version just before the running one, for revert. */
  previous(): ObjClass {
    const p = this.history[this.index - 1];
    if (!p) throw err('EINVAL', `${this.name} runs its first version ${this.running.version}: there is nothing to revert to`);
    return p;
  }

  find(version: string): ObjClass {
    const c = this.history.find((x) => x.version === version);
    if (!c) throw err('ENOENT', `${this.name} has no version ${version}`, `versions: ${this.history.map((x) => x.version).join(', ')}`);
    return c;
  }

  /** Make `cls` the running version (the update committed). */
  commit(cls: ObjClass): void {
    this.index = this.history.indexOf(cls);
  }

  /** A new instance of the running version from transfer data in `format`. */
  create(ott: Ott, env: ObjEnv, format: string, data: unknown): ObjId {
    const cls = this.running;
    const make = cls.importFrom[format];
    if (!make) throw new Error(`${cls.name} ${cls.version} cannot be made from format '${format}'`);
    const obj = make(structuredClone(data), env);
    const id = ott.register(obj, cls.iface);
    this.instances.set(id, { obj, cls });
    return id;
  }

  destroy(ott: Ott, id: ObjId): void {
    if (!this.instances.delete(id)) throw new Error(`${this.name} has no instance ${id}`);
    this.pending.delete(id);
    ott.unregister(id);
  }
}
