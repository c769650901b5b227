// A transition that lives in the background, as both kernels' updaters run
// one (the procedural per-task and module strategies, the twin's hot-swap):
// the part that is the same whichever protocol quiesces. The verbs are
// Linux's kernel/livepatch/transition.c, paired:
//
//   start          the updater opens it (UpdateLifecycle.begin) and its
//                  strategy tells it, by `watch`, where each thread stands
//   try_complete   the strategy's poll: `next()` says go on waiting, reverse
//                  or force, applying the policy (--signal-after,
//                  --reverse-after) on the way; `pause()` sleeps until the
//                  next poll, or until a verb below wakes it
//   reverse        requested here, done by the strategy: threads already
//                  moved go back, nothing was transferred; ends `reversed`
//   signal         a fake signal to every straggler (exec/signal.ts)
//   force          requested here, done by the strategy: everyone counts as
//                  moved; taints the kernel (F); ends `forced`
//   purge          Erlang's soft_purge (EBUSY naming the stragglers) and
//                  purge (kill them, then it completes)
//
// Concurrency rule: the verbs run between two steps (a console command, an
// API call, or a step of another thread) and only set a request or wake a
// thread; the strategy acts on a request in its own step, at its next poll,
// so what a verb asks for happens at one step boundary, never half way.

import { err } from './errno.js';
import { fakeSignal, kill } from './signal.js';
import type { Scheduler } from './sched.js';
import type { Taint } from './taint.js';
import type { KGen, Thread, WaitQueue } from './thread.js';

/** Default quiescence timeout of an update, in simulated cycles. */
export const DEFAULT_UPDATE_TIMEOUT = 5_000_000;
/** How often an updater thread re-checks quiescence, in cycles. */
export const POLL_CYCLES = 1_000;

/** Where a thread stands in a transition, as /proc/<pid>/patch_state says: on the old code, moved to the new, held at a gate, or moved by force while still in the old code. */
export type PatchState = 'old' | 'new' | 'held' | 'forced';

/** One thread that holds a transition up, and where (`simplefs.write`). */
export interface Straggler {
  readonly thread: Thread;
  readonly where: string;
}

/** What a strategy tells its pending transition while it waits. */
export interface TransitionView {
  /** The thread's place in the transition, or null when it is not in it. */
  state(t: Thread): PatchState | null;
  /** The threads still in the code being left (not those held at a gate). */
  stragglers(): readonly Straggler[];
}

/** When to give up waiting and what to do then (kpatch's loader: wait, signal, wait more, reverse). */
export interface TransitionPolicy {
  /** Cycles after which the update aborts (ETIMEDOUT); null: no limit. */
  readonly timeout: number | null;
  /** Signal the stragglers once, this many cycles after the start. */
  readonly signalAfter: number | null;
  /** Reverse the transition if it has not completed this many cycles after the start. */
  readonly reverseAfter: number | null;
}

/**
 * The timeout an update's options give (null: no limit; the default when
 * none is given), after checking it and the policy: each a positive whole
 * number of cycles. EINVAL naming the bad one.
 */
export function checkPolicy(opts: { readonly timeout?: number | null; readonly signalAfter?: number; readonly reverseAfter?: number }): number | null {
  const timeout = opts.timeout === null ? null : (opts.timeout ?? DEFAULT_UPDATE_TIMEOUT);
  const checks: [string, number | null | undefined][] = [['timeout', timeout], ['--signal-after', opts.signalAfter], ['--reverse-after', opts.reverseAfter]];
  for (const [what, v] of checks) {
    if (v !== null && v !== undefined && (!Number.isInteger(v) || v < 1)) throw err('EINVAL', `${what} must be a positive number of cycles, got ${v}`);
  }
  return timeout;
}

/** What a signal did: the threads woken to restart their syscall, and those left in an uninterruptible wait. */
export interface SignalReport {
  readonly woken: readonly number[];
  readonly uninterruptible: readonly number[];
}

/** Thrown by a strategy when its reversal is complete: the lifecycle ends the update `reversed`, after the same rollback as an abort. */
export class TransitionReversed extends Error {
  constructor() {
    super('transition reversed');
    this.name = 'TransitionReversed';
  }
}

export class PendingTransition {
  /** Set by `reverse` (the console's revert of a pending update, --reverse-after); the strategy acts on it at its next poll. */
  reverseRequested = false;
  /** Set by `force`. */
  forceRequested = false;
  /** The strategy has started to take the threads back. */
  reversing = false;
  /** Threads woken by signals so far. */
  signalled = 0;
  private policySignalled = false;
  private view: TransitionView | null = null;
  /** The queue the updater thread sleeps on between polls (a fresh one each pause, so a late timer cannot wake a later pause). */
  private sleeping: WaitQueue | null = null;

  constructor(
    private readonly sched: Scheduler,
    private readonly taint: Taint,
    /** What it changes, for messages: `update 3` and `simplefs 1.0.0 -> 1.1.0`. */
    readonly what: string,
    readonly changes: string,
    readonly policy: TransitionPolicy,
    readonly startedAt: number,
    /** Whether its strategy waits through `next`/`pause` (module, per-task, hot-swap), so the verbs reach it; stop-machine does not. */
    readonly waits: boolean,
    /** Emit a phase event of the update (a signal is one). */
    private readonly event: (phase: string, detail: string) => void = () => {},
  ) {}

  /** The strategy reports where threads stand (called once it starts to wait). */
  watch(view: TransitionView | null): void {
    this.view = view;
  }

  /** Where `t` stands, or null when the transition does not concern it (or nothing is being watched yet). */
  state(t: Thread): PatchState | null {
    return this.view?.state(t) ?? null;
  }

  stragglers(): readonly Straggler[] {
    return this.view?.stragglers() ?? [];
  }

  /**
   * try_complete's decision, once the strategy has found the transition not
   * yet complete: `force` or `reverse` when asked (by a verb or the policy),
   * else `wait`. Signals the stragglers once when --signal-after is due.
   */
  next(): 'wait' | 'reverse' | 'force' {
    if (this.forceRequested) return 'force';
    const elapsed = this.sched.now - this.startedAt;
    const { signalAfter, reverseAfter } = this.policy;
    if (!this.reversing && reverseAfter !== null && elapsed >= reverseAfter) this.reverseRequested = true;
    if (this.reverseRequested && !this.reversing) return 'reverse';
    if (signalAfter !== null && !this.policySignalled && elapsed >= signalAfter) {
      this.policySignalled = true;
      this.signal();
    }
    return 'wait';
  }

  /** Whether the timeout (if any) has passed. */
  overdue(): boolean {
    return this.policy.timeout !== null && this.sched.now - this.startedAt >= this.policy.timeout;
  }

  /**
   * Sleep until the next poll, `cycles` from now, or until a verb wakes the
   * updater. The timer is the one sched.sleep sets (same event, same time),
   * so a transition nobody touches runs exactly as a plain sleep would.
   */
  *pause(cycles: number): KGen<void> {
    const q = this.sched.waitQueue('sleep');
    this.sleeping = q;
    try {
      yield* this.sched.sleepOn(q, cycles);
    } finally {
      this.sleeping = null;
    }
  }

  /** Wake the updater thread for a poll now. */
  poke(): void {
    this.sleeping?.wakeAll();
  }

  /** reverse: the strategy takes back the threads that moved, at its next poll. EINVAL when already reversing. */
  reverse(): void {
    if (this.reverseRequested || this.reversing) throw err('EINVAL', `${this.what} is already being reversed`, 'tick to let it finish, or force to end it now');
    this.reverseRequested = true;
    this.poke();
  }

  /** force: the strategy completes at its next poll, whoever is still in the old code. */
  force(): void {
    this.forceRequested = true;
    this.poke();
  }

  /** The threads a force left in the old code, once the strategy has applied it (null: not forced). */
  appliedForce: readonly Thread[] | null = null;

  /** The strategy applies a force: taint the kernel, naming what and who never moved. */
  forced(stuck: readonly Thread[]): void {
    this.appliedForce = stuck;
    this.taint.add('forced', `${this.what} (${this.changes}) forced with ${stuck.length} thread(s) never moved${stuck.length ? ` (${stuck.map((t) => `tid ${t.tid}`).join(', ')})` : ''}`);
  }

  /** signal: a fake signal to every straggler. */
  signal(): SignalReport {
    const woken: number[] = [];
    const uninterruptible: number[] = [];
    for (const { thread } of this.stragglers()) {
      const res = fakeSignal(this.sched, thread);
      if (res === 'woken') woken.push(thread.tid);
      else if (res === 'uninterruptible') uninterruptible.push(thread.tid);
    }
    this.signalled += woken.length;
    this.event('signal', `${woken.length} thread(s) woken to restart their syscall${woken.length ? ` (${woken.map((t) => `tid ${t}`).join(', ')})` : ''}; ${uninterruptible.length} in an uninterruptible wait`);
    this.poke();
    return { woken, uninterruptible };
  }

  /**
   * purge: Erlang's soft_purge without `killing` (EBUSY naming the threads
   * still in the old code), its purge with it (those threads are killed;
   * the transition completes once they have unwound). Returns the tids killed.
   */
  purge(killing: boolean): number[] {
    const stuck = this.stragglers();
    if (stuck.length > 0 && !killing) {
      throw err('EBUSY', `${this.what}: ${stuck.length} thread(s) still run the old code: ${stuck.map((s) => `tid ${s.thread.tid} (${s.thread.name}) in ${s.where}`).join(', ')}`, 'wait for them (tick), signal them, or purge --kill to kill them');
    }
    for (const s of stuck) kill(this.sched, s.thread);
    this.poke();
    return stuck.map((s) => s.thread.tid);
  }
}
