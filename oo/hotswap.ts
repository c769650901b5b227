// K42's hot-swap protocol for a set of object instances swapped together.
// A mediator is installed in the translation table for each instance:
//   FORWARD  calls go on to the old object and are counted in flight (per
//            thread, across the whole set); calls begun before the mediator
//            was installed are not seen, so the updater waits for a
//            generation marker, after which none of them can be running;
//   BLOCK    a new call from a thread with no call in flight in the set waits
//            at the mediator; a thread already inside passes (it would
//            otherwise deadlock against itself); when nothing is in flight,
//   TRANSFER the old object exports its state in a format both versions
//            support and the new one imports a copy of it;
//   COMPLETE the new object takes the table entry and the held callers are
//            re-dispatched through the table, with the interface they were
//            written for, so an adaptor is put in between if they need one.
// In the lazy variant the set skips the common BLOCK: each mediator swaps
// its instance on the instance's next call when none is in flight there.
// Abort puts every old object back and re-dispatches the held callers to it.
// Plain (non-blocking) calls are never held: they run within one step, so
// they go to whichever object is installed at that moment.

import type { Scheduler } from '../exec/sched.js';
import type { KGen, Thread, WaitQueue } from '../exec/thread.js';
import type { Factory, MediatorPhase, PendingSwap } from './factory.js';
import type { ObjClass } from './objclass.js';
import type { Callable, CallMediator, ObjId, Ott } from './ott.js';

export type { MediatorPhase } from './factory.js';

/**
 * The swap of every instance of one class: its phase is shared by all of the
 * class's mediators, so moving them all to BLOCK or to lazy is one write,
 * whatever the number of instances.
 */
export class ClassSwap {
  phase: 'forward' | 'block' | 'lazy' = 'forward';
  constructor(
    readonly factory: Factory,
    readonly from: ObjClass,
    readonly to: ObjClass,
    readonly format: string,
  ) {}
}

/** The swap of one instance. */
export interface InstanceSwap {
  readonly cls: ClassSwap;
  readonly id: ObjId;
}

/** What the instances of one swap share: the calls in flight, per thread, and the held calls. */
export class SwapSet {
  readonly mediators: Mediator[] = [];
  inflight = 0;
  readonly perThread = new Map<Thread, number>();
  /** Where each thread with a call in flight is: its first call into the set, as `Inode.write`. */
  readonly where = new Map<Thread, string>();
  held = 0;
  heldCycles = 0;
  /** Called when nothing is in flight in the set any more. */
  onIdle: (() => void) | null = null;

  constructor(
    readonly ott: Ott,
    readonly sched: Scheduler,
  ) {}

  /** Whether thread `t` has a call in flight in some instance of the set. */
  inside(t: Thread | null): boolean {
    return t !== null && (this.perThread.get(t) ?? 0) > 0;
  }

  /** Whether `t` is held at one of the set's mediators now. */
  holds(t: Thread): boolean {
    return this.mediators.some((m) => m.holding(t));
  }

  /** Threads with calls in flight, for the timeout message. */
  busy(): Thread[] {
    return [...this.perThread.keys()];
  }
}

/** The mediator in front of one instance; its factory keeps it as a pending swap until the instance is swapped. */
export class Mediator implements CallMediator, PendingSwap {
  /** Set once this instance is swapped, or given back its old object. */
  private done = false;
  inflight = 0;
  private readonly held: WaitQueue;
  /** When each held thread began to wait (counted into the set's heldCycles when released). */
  private readonly heldSince = new Map<Thread, number>();

  constructor(
    readonly set: SwapSet,
    readonly swap: InstanceSwap,
    readonly old: object,
    /** Makes and installs the new object (TRANSFER and COMPLETE of this instance, lazy variant); throws to refuse. */
    private readonly complete: (m: Mediator) => void,
  ) {
    this.held = set.sched.waitQueue(`hot-swap:${swap.cls.from.name}#${swap.id}`);
    set.mediators.push(this);
  }

  get phase(): MediatorPhase {
    return this.done ? 'done' : this.swap.cls.phase;
  }

  /** Let everyone held here go; they re-dispatch through the table. */
  release(): void {
    this.done = true;
    const now = this.set.sched.now;
    for (const since of this.heldSince.values()) this.set.heldCycles += now - since;
    this.heldSince.clear();
    this.held.wakeAll();
  }

  /** Whether `t` is held here now. */
  holding(t: Thread): boolean {
    return this.heldSince.has(t) && t.state === 'blocked';
  }

  /** Lazy variant: swap now if nothing is in flight here. Returns whether the instance is swapped. */
  trySwap(): boolean {
    if (this.phase === 'done') return true;
    if (this.inflight > 0) return false;
    this.complete(this);
    return true;
  }

  *call(method: string, args: readonly unknown[], iface: number): KGen<unknown> {
    const { ott, sched } = this.set;
    const t = sched.current;
    if (this.phase !== 'forward' && this.phase !== 'done' && !this.set.inside(t)) {
      if (this.phase === 'lazy') this.trySwap();
      if ((this.phase as MediatorPhase) !== 'done') {
        this.set.held++;
        this.heldSince.set(sched.self(), sched.now);
        while (this.phase === 'block' || (this.phase === 'lazy' && !this.trySwap())) yield* this.held.wait(sched.self(), `hot-swap of ${this.swap.cls.from.name} ${this.swap.id}`);
      }
    }
    if (this.phase === 'done') return yield* ott.call(this.swap.id, method, args, iface);
    this.enter(t, method);
    try {
      return yield* (this.target(iface)[method]!(...args) as KGen<unknown>);
    } finally {
      this.leave(t);
    }
  }

  callPlain(method: string, args: readonly unknown[], iface: number): unknown {
    if (this.phase === 'lazy') this.trySwap();
    if (this.phase === 'done') return this.set.ott.callPlain(this.swap.id, method, args, iface);
    return this.target(iface)[method]!(...args);
  }

  /** The old object, or its adaptor for a caller of an older interface (which calls back through the table). */
  private target(iface: number): Callable {
    return iface !== 0 && iface < this.swap.cls.from.iface ? this.set.ott.view(this.swap.id, iface) : (this.old as Callable);
  }

  private enter(t: Thread | null, method: string): void {
    this.inflight++;
    this.set.inflight++;
    if (t) {
      const n = this.set.perThread.get(t) ?? 0;
      if (n === 0) this.set.where.set(t, `${this.swap.cls.from.name}.${method}`);
      this.set.perThread.set(t, n + 1);
    }
  }

  private leave(t: Thread | null): void {
    this.inflight--;
    this.set.inflight--;
    if (t) {
      const n = this.set.perThread.get(t)! - 1;
      if (n === 0) {
        this.set.perThread.delete(t);
        this.set.where.delete(t);
      } else this.set.perThread.set(t, n);
    }
    if (this.phase === 'lazy' && this.inflight === 0) this.held.wakeAll();
    if (this.set.inflight === 0) this.set.onIdle?.();
  }
}
