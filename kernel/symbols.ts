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
// tracer) of each push and pop. Stub of a plain function: a plain call,
// which runs to completion inside one step and so can never straddle an
// update.
//
// Direct binding (no stubs) exists only to measure what the stubs cost.

import type { Scheduler } from '../exec/sched.js';
import type { Frame, KGen, Thread } from '../exec/thread.js';

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
  return function* stub(...args: unknown[]): KGen<unknown> {
    const thread = sched.self();
    slot.calls++;
    const target = slot.gate === null ? slot.target : yield* slot.gate.admit(slot, thread);
    const frame = target.frame;
    const calls = thread.frameCalls;
    if (calls.length > 0) calls[calls.length - 1]!++;
    thread.frames.push(frame);
    calls.push(0);
    // The frame hooks have subscribers only while a tracer runs: skip the call (and its argument list) otherwise.
    if (sched.framePushed.size !== 0) sched.framePushed.run(thread, frame);
    slot.active++;
    try {
      return yield* target.call(...args);
    } finally {
      slot.active--;
      thread.frames.pop();
      calls.pop();
      if (sched.framePopped.size !== 0) sched.framePopped.run(thread, frame);
    }
  };
}

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
