// The gates the updater puts on slots while an update is in flight.
//
// ModuleGate is K42's mediator at module granularity. In FORWARD it lets
// every call through to the running code (the stubs count calls in flight).
// In BLOCK it holds new callers on a wait queue until the update commits or
// aborts, then lets them into whatever code is current. A thread that already
// has a frame in a module of the update is in flight and passes, so a call
// from one gated module into another cannot deadlock.
//
// TransitionGate is Linux livepatch's per-task consistency model: a thread
// runs the old code until it is switched (when none of its frames belongs to
// the old version), then the new code; nobody ever waits. Reversed half way,
// its goal becomes the old code: the threads already switched are behind
// again and go back the same way (when none of their frames belongs to the
// new version), as klp_reverse_transition does.
//
// Concurrency rule: gates are consulted inside a thread's step, so they need
// no locking; only `admit` may block, and only in ModuleGate's BLOCK phase.

import type { Scheduler } from '../exec/sched.js';
import type { Gate, Slot, Target } from '../kernel/symbols.js';
import type { Frame, KGen, Thread, WaitQueue } from '../exec/thread.js';

/** Does any frame belong to one of `modules` (at `version` when given)? */
export function hasFrameIn(frames: readonly Frame[], modules: ReadonlyMap<string, string | null>): Frame | undefined {
  for (const f of frames) {
    if (!modules.has(f.module)) continue;
    const v = modules.get(f.module);
    if (v === null || v === f.version) return f;
  }
  return undefined;
}

export class ModuleGate implements Gate {
  phase: 'forward' | 'block' | 'open' = 'forward';
  private readonly held: WaitQueue;
  /** Calls held in BLOCK, and the cycles they spent held. */
  heldCalls = 0;
  heldCycles = 0;

  constructor(
    /** The modules of the update (any version). */
    private readonly group: ReadonlyMap<string, null>,
    private readonly sched: Scheduler,
  ) {
    this.held = sched.waitQueue('update-gate');
  }

  *admit(slot: Slot, thread: Thread): KGen<Target> {
    if (this.phase === 'block' && !hasFrameIn(thread.frames, this.group)) {
      const since = this.sched.now;
      this.heldCalls++;
      while (this.phase === 'block') yield* this.held.wait(thread, `update gate (${slot.key})`);
      this.heldCycles += this.sched.now - since;
    }
    return slot.target; // after a commit, the new code
  }

  pick(slot: Slot): Target {
    return slot.target; // plain calls never straddle an update
  }

  /** Whether `t` is held here now (ps shows it `held`). */
  holds(t: Thread): boolean {
    return this.held.list().includes(t);
  }

  /** Let everyone through again (commit or abort). */
  open(): void {
    this.phase = 'open';
    this.held.wakeAll();
  }
}

export class TransitionGate implements Gate {
  /** The code the threads are moving to: the new, or the old once the transition is reversed. */
  goal: 'new' | 'old' = 'new';
  /** Threads not yet on the goal's code (Linux: patch_state != klp_target_state). */
  readonly behind: Set<number>;

  constructor(
    /** The new target of each slot, by slot key. */
    private readonly next: ReadonlyMap<string, Target>,
    threads: readonly Thread[],
  ) {
    this.behind = new Set(threads.map((t) => t.tid));
  }

  *admit(slot: Slot, thread: Thread): KGen<Target> {
    return this.pick(slot, thread);
  }

  /** Whether `t` runs the new code now (threads born during the transition and interrupts run the goal's). */
  onNew(t: Thread | null): boolean {
    const behind = t !== null && this.behind.has(t.tid);
    return behind ? this.goal === 'old' : this.goal === 'new';
  }

  /** Old code for a thread on the old; new code for the others. */
  pick(slot: Slot, thread: Thread | null): Target {
    return this.onNew(thread) ? (this.next.get(slot.key) ?? slot.target) : slot.target;
  }

  /** Reverse: the goal becomes the old code; the threads on the new code (of `threads`) are behind now. */
  reverse(threads: readonly Thread[]): void {
    const moved = threads.filter((t) => this.onNew(t));
    this.goal = 'old';
    this.behind.clear();
    for (const t of moved) this.behind.add(t.tid);
  }
}
