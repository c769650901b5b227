// Per-CPU scheduling of kernel threads. Each CPU runs one step of its
// current thread per dispatch event; the step's cost (a base plus the work
// the step declared) decides when that CPU dispatches again. A thread leaves
// its CPU when it blocks, exits, or reaches a preemption point after the
// timer asked for a reschedule. An idle CPU steals from the longest run
// queue. Everything is ordered by the event queue, so it is deterministic.
//
// A step occupies its CPU for its whole cost, even when it ends by blocking
// or exiting: the CPU starts no other step before that (a wake-up that comes
// sooner waits for it), and a stop-machine parks it only then, also when the
// step itself asked for the stop. The stop itself (who is busy, parking, the
// restart) is exec/stop-machine.ts. Threads block on wait queues
// (exec/thread.ts), with a timeout (sleep, sleepOn, waitTimeout), or are
// interrupted (interrupt: exec/signal.ts decides when).

import { HookList } from './hooks.js';
import type { Machine } from '../hw/machine.js';
import { BLOCK, type Directive, type Frame, type KGen, Thread, WaitQueue } from './thread.js';
import { type LockupReport, lockupPending, takeLockups, touchWatchdog } from './watchdog.js';
import { type StopPhase, StopMachine } from './stop-machine.js';

/** Cycles every step costs before any explicit work. */
export const STEP_BASE_CYCLES = 50;

interface CpuRun {
  readonly id: number;
  /** The tag of its dispatch events, and their function: made once, not at every step. */
  readonly tag: string;
  readonly dispatch: () => void;
  current: Thread | null;
  readonly runq: Thread[];
  dispatchPending: boolean;
  needResched: boolean;
}

export interface SchedHooks {
  /** Called when a thread finishes (result or error set). */
  onExit?(t: Thread): void;
}

export class Scheduler {
  /** The thread whose step is running, or null (interrupts, the console). */
  current: Thread | null = null;
  /** The CPU whose step is running, or null. */
  private stepCpu: CpuRun | null = null;
  private stepCost = 0;
  private nextTid = 1;
  private readonly live = new Map<number, Thread>();
  private readonly cpus: CpuRun[];
  readonly hooks: SchedHooks = {};
  /**
   * Told after every step, with the thread that took it and the cycles the
   * step cost (it ran from `now` for that long): a step boundary, where an
   * update can be requested (livemod check records them).
   */
  readonly stepped = new HookList<[Thread, number]>();
  // Hook points for observers (the tracer). None changes what the machine does, and with no subscriber each is a loop over an empty array.
  /** A blocked thread was made runnable (`now` is when; its waitChannel is already cleared). */
  readonly woken = new HookList<[Thread]>();
  /** A stub pushed a frame on a thread's shadow stack (kernel/symbols.ts). */
  readonly framePushed = new HookList<[Thread, Frame]>();
  /** A stub popped the frame it pushed. */
  readonly framePopped = new HookList<[Thread, Frame]>();
  /** Module code ran out of the watchdog's budget (exec/watchdog.ts): told at the end of the step, after it unwound. */
  readonly softLockup = new HookList<[LockupReport]>();
  /** A stop-machine was requested, took hold, ended. */
  readonly stops = new HookList<[StopPhase]>();
  /** Steps run, context switches, preemptions: for `stat`. */
  readonly counters = { steps: 0, switches: 0, preemptions: 0, steals: 0, stops: 0, stoppedCycles: 0 };
  /** Stops of the whole machine (exec/stop-machine.ts). */
  private readonly stopper: StopMachine<CpuRun>;

  constructor(private readonly machine: Machine) {
    this.cpus = machine.cpus.map((c) => {
      const run: CpuRun = { id: c.id, tag: `cpu${c.id}`, dispatch: () => this.dispatch(run), current: null, runq: [], dispatchPending: false, needResched: false };
      return run;
    });
    this.stopper = new StopMachine({ machine, cpus: this.cpus, stepCpu: () => this.stepCpu, kick: (c) => this.kick(c), counters: this.counters, stops: this.stops });
  }

  /** Set while every CPU is parked by stopMachine. */
  get stopped(): boolean {
    return this.stopper.stopped;
  }

  get now(): number {
    return this.machine.events.now;
  }

  /** Live (not exited) threads, by tid. */
  threads(): Thread[] {
    return [...this.live.values()];
  }

  thread(tid: number): Thread | undefined {
    return this.live.get(tid);
  }

  /** Which thread each CPU is running right now (null when idle). */
  running(): (Thread | null)[] {
    return this.cpus.map((c) => c.current);
  }

  /** Create a runnable thread from a generator, on the least loaded CPU. */
  spawn(name: string, kind: 'kernel' | 'user', gen: KGen<unknown>): Thread {
    const cpu = this.leastLoaded();
    const t = new Thread(this.nextTid++, name, kind, gen, cpu.id, this.wakeThread);
    this.live.set(t.tid, t);
    this.enqueue(t, cpu);
    return t;
  }

  /** Declare `cycles` of work done by the running step. */
  work(cycles: number): void {
    this.stepCost += cycles;
  }

  /** Make a blocked thread runnable again; prefers an idle CPU. */
  wake(t: Thread): void {
    if (t.state !== 'blocked') return;
    t.state = 'runnable';
    t.waitChannel = null;
    t.waitingOn = null;
    t.interruptible = false;
    if (this.woken.size !== 0) this.woken.run(t); // subscribers only while a tracer runs
    const home = this.cpus[t.cpu]!;
    const target = this.isIdle(home) ? home : (this.cpus.find((c) => this.isIdle(c)) ?? home);
    this.enqueue(t, target);
  }

  /** A new wait queue whose wake-ups go through this scheduler. */
  waitQueue(channel: string): WaitQueue {
    return new WaitQueue(channel, this.wakeThread);
  }

  /** `wake`, made once for every queue (a queue is made for each disk request). */
  private readonly wakeThread = (t: Thread): void => this.wake(t);

  // The waits below yield BLOCK themselves rather than through `yield*
  // q.wait(...)`: a blocked thread's every resume goes through each
  // generator on its stack, and these are at the bottom of the deepest ones.

  /** Block the current thread for `cycles` (`interruptible`: a signal may end the sleep early, see WaitQueue.wait). */
  sleep(cycles: number, interruptible = false): KGen<void> {
    return this.sleepOn(this.waitQueue(`sleep`), cycles, interruptible);
  }

  /** Block the current thread on `q` until `cycles` have passed or someone wakes `q`, whichever comes first. */
  *sleepOn(q: WaitQueue, cycles: number, interruptible = false): KGen<void> {
    const self = this.self();
    this.machine.events.after(cycles, 'wakeup', () => q.wakeOne());
    q.enqueue(self, q.channel, interruptible);
    yield BLOCK;
  }

  /**
   * Block the current thread on `q` until woken or until `cycles` pass
   * (Linux's wait_event_timeout); whether it was woken in time. The timer is
   * cancelled when the wait ends any other way (a wake-up, a kill), so a
   * wait that did not expire leaves no event in the trace; then `ended`, if
   * given, is called (a kernel forgets a queue nobody waits on any more).
   */
  *waitTimeout(q: WaitQueue, cycles: number, why: string = q.channel, ended?: () => void): KGen<boolean> {
    const self = this.self();
    let expired = false;
    const timer = this.machine.events.after(cycles, 'timeout', () => {
      if (self.waitingOn !== q || !q.remove(self)) return;
      expired = true;
      this.wake(self);
    });
    try {
      q.enqueue(self, why, false);
      yield BLOCK;
    } finally {
      this.machine.events.cancel(timer);
      if (ended) ended();
    }
    return !expired;
  }

  /**
   * Throw `error` into thread `t` at its next step (or, for a thread marked
   * killed, end it there): a blocked thread is taken off its wait queue and
   * made runnable for it (whoever would have woken it finds it gone).
   * Whether that is allowed is the caller's to decide (exec/signal.ts).
   */
  interrupt(t: Thread, error: unknown): void {
    if (t.state === 'exited') return;
    t.pendingThrow = error;
    if (t.state === 'blocked') {
      t.waitingOn?.remove(t);
      this.wake(t);
    }
  }

  /** The running thread; throws when called outside a thread's step. */
  self(): Thread {
    if (!this.current) throw new Error('no current thread: a blocking call was made outside a kernel thread');
    return this.current;
  }

  /** Timer interrupt: every CPU switches at its thread's next preemption point. */
  tick(): void {
    for (const c of this.cpus) c.needResched = true;
  }

  /**
   * Stop every CPU at its next step boundary, then run `onStopped` with no
   * thread running anywhere; the CPUs stay parked for the cycles it returns,
   * then resume (exec/stop-machine.ts). One stop at a time.
   */
  stopMachine(onStopped: () => number): void {
    this.stopper.request(onStopped);
  }

  /** No thread is running, runnable or about to be dispatched on any CPU: the timer may stop ticking (hw/timer.ts). */
  idle(): boolean {
    return this.cpus.every((c) => this.isIdle(c) && !c.dispatchPending);
  }

  private isIdle(c: CpuRun): boolean {
    return c.current === null && c.runq.length === 0;
  }

  private leastLoaded(): CpuRun {
    let best = this.cpus[0]!;
    for (const c of this.cpus) {
      const load = c.runq.length + (c.current ? 1 : 0);
      if (load < best.runq.length + (best.current ? 1 : 0)) best = c;
    }
    return best;
  }

  private enqueue(t: Thread, c: CpuRun): void {
    t.cpu = c.id;
    c.runq.push(t);
    this.machine.timer.kick();
    this.kick(c);
  }

  /** Have CPU `c` dispatch as soon as the step it is in has ended. */
  private kick(c: CpuRun): void {
    if (c.dispatchPending || this.stopper.stopped) return;
    c.dispatchPending = true;
    this.machine.events.after(Math.max(0, this.machine.cpus[c.id]!.busyUntil - this.now), c.tag, c.dispatch);
  }

  private pick(c: CpuRun): Thread | undefined {
    const own = c.runq.shift();
    if (own) return own;
    let victim: CpuRun | null = null;
    for (const o of this.cpus) if (o.runq.length > 0 && (!victim || o.runq.length > victim.runq.length)) victim = o;
    if (!victim) return undefined;
    this.counters.steals++;
    return victim.runq.pop();
  }

  /** Run one step on CPU `c`. */
  private dispatch(c: CpuRun): void {
    c.dispatchPending = false;
    if (this.stopper.requested) return this.stopper.park(c);
    if (this.stopper.stopped) return; // woken while stopped: restart kicks it
    let t = c.current;
    if (!t) {
      t = this.pick(c) ?? null;
      if (!t) return; // idle until a wake-up kicks this CPU
      c.current = t;
      t.cpu = c.id;
      this.counters.switches++;
    }
    t.state = 'running';
    this.current = t;
    this.stepCpu = c;
    this.stepCost = STEP_BASE_CYCLES;
    touchWatchdog(this); // a step is a yield to the scheduler: module code gets a full budget
    let res: IteratorResult<Directive, unknown>;
    try {
      if (t.killed) {
        t.pendingThrow = undefined;
        res = t.gen.return(undefined);
      } else if (t.pendingThrow !== undefined) {
        const e = t.pendingThrow;
        t.pendingThrow = undefined;
        res = t.gen.throw(e);
      } else {
        res = t.gen.next(t.resumeValue);
      }
    } catch (e) {
      t.error = e;
      res = { done: true, value: undefined };
    }
    this.current = null;
    this.stepCpu = null;
    t.resumeValue = undefined;
    const cost = this.stepCost;
    t.steps++;
    t.cycles += cost;
    this.counters.steps++;
    const cpu = this.machine.cpus[c.id]!;
    cpu.busyCycles += cost;
    cpu.busyUntil = this.now + cost;
    this.machine.events.trace.mixNumber(t.tid);

    if (res.done) {
      t.result = res.value;
      t.state = 'exited';
      t.frames.length = 0;
      t.frameCalls.length = 0;
      this.live.delete(t.tid);
      c.current = null;
      t.exitWaiters.wakeAll();
      this.hooks.onExit?.(t);
    } else if (res.value.kind === 'block') {
      c.current = null;
      if (t.state === 'running') t.state = 'runnable'; // yielded BLOCK without waiting: treat as a yield
      if (t.state === 'runnable') c.runq.push(t);
    } else if (c.needResched) {
      c.needResched = false;
      t.state = 'runnable';
      if (c.runq.length > 0) {
        this.counters.preemptions++;
        c.runq.push(t);
        c.current = null;
      }
    }
    // A stop asked for during this step parks this CPU at the step's end, when the next dispatch comes.
    if (this.stopper.requested || c.current || c.runq.length > 0 || this.cpus.some((o) => o.runq.length > 0)) {
      c.dispatchPending = true;
      this.machine.events.after(cost, c.tag, c.dispatch);
    }
    // Last, once the step's books are kept and the CPU's next dispatch is set: a subscriber may spawn a thread.
    if (lockupPending()) for (const r of takeLockups()) this.softLockup.run(r); // this step's, or one between steps (an interrupt, a stop-machine)
    if (this.stepped.size !== 0) this.stepped.run(t, cost); // subscribers only under a tracer or livemod check
  }
}
