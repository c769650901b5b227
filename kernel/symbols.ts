// Slots and stubs: the indirection every cross-module call goes through.
//
// Each exported `name@N` and each ops-table entry owns a Slot holding its
// current Target. Importers are bound to the slot's stub, never to the
// target, so the updater can retarget a slot while the machine runs.
//
// Stub of a generator function: consults the slot's gate (which may block
// the caller, K42's BLOCK phase), then pushes a Frame on the calling thread's
// shadow stack for as long as the call is active; `slot.active` counts the
// calls in flight, and the scheduler's frame hooks tell observers (the
// tracer) of each push and pop. The call is a StubCall, an iterator that
// the caller's `yield*` drives step by step as it would a generator, rather
// than a `function*` around the target: a blocked thread resumes through
// every generator frame on its stack at every step, and the stub's was
// pure overhead there. Stub of a plain function: a plain call, which runs
// to completion inside one step and so can never straddle an update.
//
// Direct binding (no stubs) exists only to measure what the stubs cost.

import type { Scheduler } from '../exec/sched.js';
import type { Directive, Frame, KGen, Thread } from '../exec/thread.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFn = (...args: any[]) => any;

/** One version of one function, bound to its module's context. */
export interface Target {
  readonly module: string;
  readonly version: string;
  /** The function's name inside its module. */
  readonly fn: string;
  readonly call: AnyFn;
  /** The frame pushed while a generator call of this target is active. */
  readonly frame: Frame;
}

/**
 * Installed on a slot by the updater, consulted on every entry.
 * `admit` (generator slots) may block the thread and returns the target to
 * run; `pick` (plain slots) must not block.
 */
export interface Gate {
  admit(slot: Slot, thread: Thread): KGen<Target>;
  pick(slot: Slot, thread: Thread | null): Target;
}

export type Binding = 'stubs' | 'direct';

export class Slot {
  gate: Gate | null = null;
  /** True when the target is a compat adaptor for an older interface. */
  adaptor = false;
  /** Generator calls of this slot that are active right now. */
  active = 0;
  /** Calls that entered the stub (both kinds), for `modinfo`. */
  calls = 0;
  readonly stub: AnyFn;

  constructor(
    /** `name@N` for a symbol, `kind:name.op` for an ops entry. */
    readonly key: string,
    readonly generator: boolean,
    public target: Target,
    sched: Scheduler,
  ) {
    this.stub = generator ? generatorStub(this, sched) : plainStub(this, sched);
  }
}

function generatorStub(slot: Slot, sched: Scheduler): AnyFn {
  const stub = (...args: unknown[]): KGen<unknown> => new StubCall(slot, sched, args);
  generatorStubs.add(stub);
  return stub;
}

/** Stubs of generator slots: plain functions that return a call to drive with `yield*`, where a `function*` would be told apart by its kind. */
const generatorStubs = new WeakSet<AnyFn>();

/** Whether `fn` is the stub of a generator slot (a call through it may block, as a generator function's may). */
export function isGeneratorStub(fn: unknown): boolean {
  return typeof fn === 'function' && generatorStubs.has(fn as AnyFn);
}

/**
 * One call through a generator stub, which the caller drives with `yield*`
 * as it would drive a generator. At its first step it consults the gate
 * (whose `admit` it runs first if it may block) and pushes the target's
 * frame; then it hands every step, throw and return to the target's
 * generator, and pops the frame when that ends, however it ends. What
 * happens when is what `function* stub(...args) { ...; try { return yield*
 * target.call(...args); } finally { ... } }` does, written as an iterator:
 * a thread blocked under a stub then resumes through no generator frame of
 * the stub's, at every step. Its fields are private (`#`): module code holds
 * the call and must not reach the slot or the scheduler through it.
 */
class StubCall implements KGen<unknown> {
  readonly #slot: Slot;
  readonly #sched: Scheduler;
  readonly #args: unknown[];
  #phase: 'fresh' | 'admitting' | 'running' | 'done' = 'fresh';
  /** The gate's `admit` while admitting, then the target's generator. */
  #inner: KGen<unknown> | null = null;
  #thread: Thread | null = null;
  #frame: Frame | null = null;

  constructor(slot: Slot, sched: Scheduler, args: unknown[]) {
    this.#slot = slot;
    this.#sched = sched;
    this.#args = args;
  }

  next(value?: unknown): IteratorResult<Directive, unknown> {
    return this.#phase === 'running' ? this.#forward(0, value) : this.#resume(0, value);
  }

  throw(e: unknown): IteratorResult<Directive, unknown> {
    return this.#phase === 'running' ? this.#forward(1, e) : this.#resume(1, e);
  }

  return(value: unknown): IteratorResult<Directive, unknown> {
    return this.#phase === 'running' ? this.#forward(2, value) : this.#resume(2, value);
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** A step of the target's generator (0 next, 1 throw, 2 return); the frame goes when it ends. */
  #forward(how: 0 | 1 | 2, v: unknown): IteratorResult<Directive, unknown> {
    const inner = this.#inner!;
    let r: IteratorResult<Directive, unknown>;
    try {
      r = how === 0 ? inner.next(v) : how === 1 ? inner.throw(v) : inner.return(v);
    } catch (e) {
      this.#leave();
      throw e;
    }
    if (r.done === true) this.#leave();
    return r;
  }

  /** A step before the target runs: the first one, or one of a gate's `admit`. */
  #resume(how: 0 | 1 | 2, v: unknown): IteratorResult<Directive, unknown> {
    const slot = this.#slot;
    if (this.#phase === 'fresh') {
      this.#phase = 'done';
      if (how === 1) throw v; // thrown into before it started: as a generator, it never runs
      if (how === 2) return { done: true, value: v };
      const thread = this.#sched.self();
      this.#thread = thread;
      slot.calls++;
      if (slot.gate === null) return this.#enter(slot.target);
      this.#inner = slot.gate.admit(slot, thread);
      this.#phase = 'admitting';
      v = undefined;
    } else if (this.#phase === 'done') {
      if (how === 1) throw v;
      return { done: true, value: how === 2 ? v : undefined };
    }
    // Admitting: the gate may hold the thread; what it returns is the target to run.
    let r: IteratorResult<Directive, Target>;
    try {
      const admit = this.#inner as KGen<Target>;
      r = how === 0 ? admit.next(v) : how === 1 ? admit.throw(v) : admit.return(v as Target);
    } catch (e) {
      this.#phase = 'done';
      throw e;
    }
    if (r.done !== true) return r;
    if (how === 2) {
      this.#phase = 'done';
      return r;
    }
    return this.#enter(r.value);
  }

  /** Push `target`'s frame, count the call active, and run the target's generator to its first yield. */
  #enter(target: Target): IteratorResult<Directive, unknown> {
    const thread = this.#thread!;
    const sched = this.#sched;
    const frame = target.frame;
    const calls = thread.frameCalls;
    if (calls.length > 0) calls[calls.length - 1]!++;
    thread.frames.push(frame);
    calls.push(0);
    this.#frame = frame;
    // The frame hooks have subscribers only while a tracer runs: skip the call (and its argument list) otherwise.
    if (sched.framePushed.size !== 0) sched.framePushed.run(thread, frame);
    this.#slot.active++;
    this.#phase = 'running';
    try {
      this.#inner = target.call(...this.#args) as KGen<unknown>;
    } catch (e) {
      this.#leave();
      throw e;
    }
    return this.#forward(0, undefined);
  }

  /** The call has ended: pop its frame. */
  #leave(): void {
    const thread = this.#thread!;
    const sched = this.#sched;
    this.#phase = 'done';
    this.#inner = null;
    this.#slot.active--;
    thread.frames.pop();
    thread.frameCalls.pop();
    if (sched.framePopped.size !== 0) sched.framePopped.run(thread, this.#frame!);
  }
}
Object.freeze(StubCall.prototype);

function plainStub(slot: Slot, sched: Scheduler): AnyFn {
  return (...args: unknown[]): unknown => {
    slot.calls++;
    const calls = sched.current?.frameCalls;
    if (calls && calls.length > 0) calls[calls.length - 1]!++;
    const target = slot.gate === null ? slot.target : slot.gate.pick(slot, sched.current);
    return target.call(...args);
  };
}

/** A `function*`, whichever realm made it (a module loaded by path runs in its own: catalog/sandbox.ts). */
export function isGeneratorFunction(fn: unknown): boolean {
  return typeof fn === 'function' && Object.prototype.toString.call(fn) === '[object GeneratorFunction]';
}

export function makeTarget(module: string, version: string, fn: string, call: AnyFn): Target {
  return Object.freeze({ module, version, fn, call, frame: Object.freeze({ module, version, fn }) });
}

/** Every slot of the machine, by key. */
export class SymbolTable {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly sched: Scheduler,
    readonly binding: Binding,
  ) {}

  /** Create the slot for `key`; throws if it exists. */
  define(key: string, target: Target, generator: boolean): Slot {
    return this.adopt(this.create(key, target, generator));
  }

  /** A slot not yet in the table (an update links against it before making it visible). */
  create(key: string, target: Target, generator: boolean): Slot {
    return new Slot(key, generator, target, this.sched);
  }

  /** Make a created slot visible under its key; throws if the key is taken. */
  adopt(slot: Slot): Slot {
    if (this.slots.has(slot.key)) throw new Error(`slot ${slot.key} already defined`);
    this.slots.set(slot.key, slot);
    return slot;
  }

  get(key: string): Slot | undefined {
    return this.slots.get(key);
  }

  remove(key: string): void {
    this.slots.delete(key);
  }

  /** What an importer is linked to: the stub, or in direct mode the raw target. */
  bind(slot: Slot): AnyFn {
    return this.binding === 'direct' ? slot.target.call : slot.stub;
  }

  all(): Slot[] {
    return [...this.slots.values()];
  }
}

/** `name@N` */
export function symbolKey(name: string, iface: number): string {
  return `${name}@${iface}`;
}
