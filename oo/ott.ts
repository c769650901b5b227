// The object translation table (K42's OTT): every call to a kernel object
// goes through it, one indirection per call. An object is named by an id;
// each CPU has a local table of entries (id -> the object that CPU calls),
// filled on first use by the miss handler, which asks the object's root.
// Hot-swap installs a mediator for the id, through which the table routes
// every call to it (with the interface the caller is written for) until the
// swap is over; then it changes the root to the new object and flushes the
// local entries, so the next call on every CPU misses and finds the new one. Each id also carries the interface version
// its object implements; a caller written for an older one names it
// (`iface`) and is given the class's adaptor object for that version, made
// once per id and interface (K42's adaptor objects; like the procedural
// kernel's table views). Calls cost no simulated cycles, as the
// procedural kernel's stubs cost none: the indirection's price is measured
// on the wall clock (see `livemod compare`).

import type { KGen } from '../exec/thread.js';

export type ObjId = number;

/** An object's methods as the table calls them. */
export type Callable = Record<string, (...args: readonly unknown[]) => unknown>;

/** What the table routes an id's calls through during a hot-swap (see hotswap.ts). */
export interface CallMediator {
  call(method: string, args: readonly unknown[], iface: number): KGen<unknown>;
  callPlain(method: string, args: readonly unknown[], iface: number): unknown;
}

export interface OttStats {
  calls: number;
  misses: number;
}

export class Ott {
  /** The object each id leads to (K42's root, here the object itself, a mediator or an adaptor). */
  private readonly roots: (Callable | undefined)[] = [null as never];
  private readonly local: (Callable | undefined)[][];
  /** The interface version each id's object implements. */
  private readonly ifaces: number[] = [0];
  /** Mediators installed, by id. */
  private readonly mediators = new Map<ObjId, CallMediator>();
  /** Adaptor objects made so far, by id, for each older interface. */
  private readonly views = new Map<ObjId, Map<number, Callable>>();
  readonly stats: OttStats = { calls: 0, misses: 0 };

  constructor(
    cpus: number,
    /** The CPU the calling code runs on. */
    private readonly cpu: () => number,
    /** Makes the adaptor object through which callers of interface `iface` reach object `id`. */
    private readonly adaptor: (id: ObjId, iface: number) => object,
  ) {
    this.local = Array.from({ length: cpus }, () => []);
  }

  /** A new id leading to `obj`, which implements interface `iface`. */
  register(obj: object, iface: number): ObjId {
    this.roots.push(obj as Callable);
    this.ifaces.push(iface);
    return this.roots.length - 1;
  }

  /** Make `id` lead to `obj` (implementing `iface`) from now on, on every CPU. */
  setRoot(id: ObjId, obj: object, iface: number): void {
    this.check(id);
    this.roots[id] = obj as Callable;
    if (this.ifaces[id] !== iface) this.views.delete(id);
    this.ifaces[id] = iface;
    for (const l of this.local) l[id] = undefined;
  }

  /** Route every call to `id` through `m` (null: stop). */
  mediate(id: ObjId, m: CallMediator | null): void {
    this.check(id);
    if (m) this.mediators.set(id, m);
    else this.mediators.delete(id);
  }

  /** Free `id`: a later call through it fails. */
  unregister(id: ObjId): void {
    this.check(id);
    this.roots[id] = undefined;
    this.views.delete(id);
    this.mediators.delete(id);
    for (const l of this.local) l[id] = undefined;
  }

  /** The interface version object `id` implements now. */
  iface(id: ObjId): number {
    return this.ifaces[id] ?? 0;
  }

  /** What `id` leads to now (the root): tests check that an abort leaves it as it was. */
  root(id: ObjId): object | undefined {
    return this.roots[id];
  }

  /** The local entry of the calling CPU, filled by the miss handler on first use. */
  entry(id: ObjId): Callable {
    const l = this.local[this.cpu()]!;
    const hit = l[id];
    if (hit) return hit;
    this.stats.misses++;
    this.check(id);
    return (l[id] = this.roots[id]!);
  }

  /** Call a method that may block; `iface` is the interface the caller is written for (0: whatever the object implements). */
  *call(id: ObjId, method: string, args: readonly unknown[], iface = 0): KGen<unknown> {
    this.stats.calls++;
    if (this.mediators.size !== 0) {
      const m = this.mediators.get(id);
      if (m) return yield* m.call(method, args, iface);
    }
    const o = iface !== 0 && iface < this.ifaces[id]! ? this.view(id, iface) : this.entry(id);
    return yield* (o[method]!(...args) as KGen<unknown>);
  }

  /** Call a method that never blocks (interrupt handlers call these). */
  callPlain(id: ObjId, method: string, args: readonly unknown[], iface = 0): unknown {
    this.stats.calls++;
    if (this.mediators.size !== 0) {
      const m = this.mediators.get(id);
      if (m) return m.callPlain(method, args, iface);
    }
    const o = iface !== 0 && iface < this.ifaces[id]! ? this.view(id, iface) : this.entry(id);
    return o[method]!(...args);
  }

  /** The adaptor through which a caller of interface `iface` reaches `id`. */
  view(id: ObjId, iface: number): Callable {
    let byIface = this.views.get(id);
    if (!byIface) this.views.set(id, (byIface = new Map()));
    let v = byIface.get(iface);
    if (!v) byIface.set(iface, (v = this.adaptor(id, iface) as Callable));
    return v;
  }

  /** How many adaptor objects exist now (for `compare` and tests). */
  adaptorCount(): number {
    let n = 0;
    for (const m of this.views.values()) n += m.size;
    return n;
  }

  private check(id: ObjId): void {
    if (!this.roots[id]) throw new Error(`object ${id} does not exist`);
  }
}
