// The transition strategies: how an update finds a moment when its atomic
// section (transfer and switch, `atomically` below) is safe, and what the
// rest of the machine does meanwhile. One function per strategy, in a table
// keyed by name; each states its concurrency rule where it applies.
//
//   module        K42's hot-swap: FORWARD, then BLOCK new callers at a gate
//                 until no thread has a frame in the group
//   per-task      Linux livepatch: each thread moves to the new code when no
//                 frame of the old version is on its stack; nobody waits
//   stop-machine  Ksplice: stop every CPU at a step boundary; switch if no
//                 stack holds the group, else resume and retry, then abort
//   unsafe        the negative control (tests and `livemod check` only):
//                 switch at once, whoever is inside the old version
//
// A strategy returns when the switch is done and throws (ETIMEDOUT, EBUSY,
// or the transfer's error) to abort, or TransitionReversed once a reversal
// is complete; the updater does the rest. The two that wait (module,
// per-task) do it as a pending transition (exec/pending.ts): they tell it
// where each thread stands, poll it for a reverse or a force (and its
// policy), and pause through it, so the verbs reach them between polls.

import { err } from '../exec/errno.js';
import { type UpdateRecord, wallNow } from '../exec/lifecycle.js';
import { type PendingTransition, type Straggler, TransitionReversed } from '../exec/pending.js';
import type { KGen, Thread } from '../exec/thread.js';
import type { Kernel } from '../kernel/kernel.js';
import { viewSlotKey } from '../kernel/link.js';
import type { Target } from '../kernel/symbols.js';
import { hasFrameIn, ModuleGate, TransitionGate } from './gates.js';
import { busyThreads, describeBusy, slotsOf, whereIn } from './group.js';
import type { Plan, Strategy } from './plan.js';
import type { Prepared } from './switch.js';

export interface UpdaterTuning {
  /** How often the updater thread re-checks quiescence, in cycles. */
  readonly pollCycles: number;
  /** Stop-machine attempts before giving up. */
  readonly stopAttempts: number;
  /** Cycles between stop-machine attempts, at most (the wait is drawn from the seed so retries do not beat in step with the workload). */
  readonly stopRetryCycles: number;
}

/** What a strategy works with. */
export interface TransitionContext {
  readonly k: Kernel;
  readonly plan: Plan;
  readonly record: UpdateRecord<Plan>;
  readonly prepared: readonly Prepared[];
  /** The updater thread (never counted as busy). */
  readonly self: Thread;
  readonly tuning: UpdaterTuning;
  /** The update's pending transition: its requests, policy and timeout. */
  readonly pending: PendingTransition;
  /** Emit a phase event of this update. */
  event(phase: string, cycles: number, wallUs: number, detail: string): void;
  /**
   * Transfer and switch, atomically: the caller must hold the CPU for the
   * whole call (one step, or every CPU stopped). Returns the simulated cycles
   * they cost, and the phase events to emit once the caller's pause is measured.
   */
  atomically(): { cycles: number; emit: () => void };
}

export type Transition = (c: TransitionContext) => KGen<void>;

/** The group's modules, as hasFrameIn reads them (any version). */
const groupOf = (p: Plan) => new Map<string, null>(p.modules.map((m) => [m.name, null]));

/**
 * K42's hot-swap: FORWARD, then BLOCK until no thread has a frame in the
 * group, then swap. Concurrency: the gate is consulted on entry to every
 * slot of the group; in FORWARD it lets calls through, in BLOCK it parks new
 * blocking calls on its wait queue (plain calls never block and finish
 * inside their step). Threads already inside finish on the old code; the
 * swap runs inside the updater's step, so no thread sees it half done, and
 * the held callers then run the new code.
 */
function* hotSwap(c: TransitionContext): KGen<void> {
  const { k, plan: p, record: r, self } = c;
  const sched = k.sched;
  const group = groupOf(p);
  const gate = new ModuleGate(group, sched);
  const slots = slotsOf(k, group.keys());
  for (const s of slots) s.gate = gate;
  const pending = c.pending;
  pending.watch({
    state: (t) => (t === self ? null : gate.holds(t) ? 'held' : hasFrameIn(t.frames, group) ? 'old' : null),
    stragglers: () => busyThreads(k, group, self).map((t): Straggler => ({ thread: t, where: whereIn(t, group) })),
  });
  const t0 = sched.now;
  try {
    // FORWARD: the gate counts calls in flight. K42 needed this phase to learn
    // of calls that began before the mediator was installed; here the shadow
    // stacks show them already, so one poll suffices.
    yield* pending.pause(c.tuning.pollCycles);
    c.event('forward', sched.now - t0, 0, `${busyThreads(k, group, self).length} thread(s) in flight`);
    gate.phase = 'block';
    const t1 = sched.now;
    for (;;) {
      const busy = busyThreads(k, group, self);
      if (busy.length === 0) break;
      // Nothing was switched yet: a reversal only opens the gate (finally, below).
      k.updates.throwIfCancelled(r);
      const what = pending.next();
      if (what === 'reverse') throw new TransitionReversed();
      if (what === 'force') {
        pending.forced(busy); // they go on in the old code, against the new state: unsafe, hence the taint
        break;
      }
      if (pending.overdue()) {
        throw err('ETIMEDOUT', `update did not quiesce within ${p.timeout} cycles: ${describeBusy(busy, group)}`, 'try again later, raise --timeout, or see ps for what holds the thread');
      }
      yield* pending.pause(c.tuning.pollCycles);
    }
    c.event('block', sched.now - t1, 0, `quiescent; ${gate.heldCalls} call(s) held at the gate`);
    const done = c.atomically();
    sched.work(done.cycles);
    done.emit();
  } finally {
    pending.watch(null);
    for (const s of slots) if (s.gate === gate) s.gate = null;
    gate.open();
    r.heldCalls = gate.heldCalls;
    r.heldCycles = gate.heldCycles;
  }
}

/**
 * Livepatch's consistency model: each thread moves to the new code when no
 * old frame of the group is on its stack. Concurrency: the gate routes each
 * call by the calling thread (switched threads to the new targets, the rest
 * to the old), so old and new code run side by side and nobody waits. A
 * thread is switched at syscall return (it holds no kernel frame then) or
 * when a poll finds its stack clean; the slots are retargeted for good only
 * when every thread has switched. Reversed (klp_reverse_transition), the
 * goal becomes the old code and the switched threads go back the same way,
 * when no frame of the new version is on their stack; nothing was
 * transferred, so once all are back the update ends with nothing to undo.
 */
function* perTask(c: TransitionContext): KGen<void> {
  const { k, plan: p, record: r, self, pending } = c;
  const { sched, hooks } = k;
  const old = new Map<string, string>(p.modules.map((m) => [m.name, m.from]));
  const neu = new Map<string, string>(p.modules.map((m) => [m.name, m.to]));
  const next = new Map<string, Target>();
  for (const x of c.prepared) {
    for (const [key, bt] of x.compat) next.set(key, bt.target);
    for (const [key, bt] of x.exports) next.set(key, bt.target);
    for (const [table, ops] of x.ops) for (const [op, bt] of ops) next.set(`${table}.${op}`, bt.target);
    for (const [table, byVersion] of x.views) for (const [version, ops] of byVersion) for (const [op, bt] of ops) next.set(viewSlotKey(table, version, op), bt.target);
  }
  const others = () => sched.threads().filter((t) => t !== self);
  const gate = new TransitionGate(next, others());
  const slots = slotsOf(k, old.keys());
  for (const s of slots) s.gate = gate;
  /** The versions a thread behind the goal must have no frame of before it moves. */
  const leaving = () => (gate.goal === 'new' ? old : neu);
  const trySwitch = (t: Thread) => {
    if (gate.behind.has(t.tid) && !hasFrameIn(t.frames, leaving())) gate.behind.delete(t.tid);
  };
  const stuck = () => [...gate.behind].flatMap((tid) => sched.thread(tid) ?? []);
  pending.watch({
    state: (t) => (t === self ? null : gate.onNew(t) ? 'new' : 'old'),
    stragglers: () => stuck().filter((t) => hasFrameIn(t.frames, leaving())).map((t): Straggler => ({ thread: t, where: whereIn(t, leaving()) })),
  });
  const unsubscribe = hooks.syscallReturn.add(trySwitch);
  const t0 = sched.now;
  const total = gate.behind.size;
  let forced: readonly Thread[] = [];
  try {
    for (;;) {
      for (const tid of [...gate.behind]) {
        const t = sched.thread(tid);
        if (!t) gate.behind.delete(tid);
        else trySwitch(t);
      }
      if (gate.behind.size === 0) {
        if (gate.goal === 'old') throw new TransitionReversed();
        break;
      }
      k.updates.throwIfCancelled(r);
      const what = pending.next();
      if (what === 'force') {
        forced = stuck();
        pending.forced(forced); // they go on in the code they are in; every thread counts as moved
        gate.behind.clear();
        continue;
      }
      if (what === 'reverse') {
        pending.reversing = true;
        gate.reverse(others());
        c.event('reversing', sched.now - t0, 0, `${gate.behind.size} thread(s) to take back to the old code`);
        continue;
      }
      if (pending.overdue()) {
        throw err('ETIMEDOUT', `update did not complete its transition within ${p.timeout} cycles: ${describeBusy(stuck(), old)}`, 'try again later, raise --timeout, or see ps for what holds the thread');
      }
      yield* pending.pause(c.tuning.pollCycles);
    }
    c.event('quiesce', sched.now - t0, 0, `${total - forced.length} thread(s) switched, ${forced.length ? `${forced.length} forced` : 'none waited'}`);
    const done = c.atomically();
    sched.work(done.cycles);
    done.emit();
  } finally {
    pending.watch(null);
    unsubscribe();
    for (const s of slots) if (s.gate === gate) s.gate = null;
  }
}

/**
 * Ksplice: stop every CPU at a step boundary; swap if no stack holds the
 * group, else resume and retry after a seeded pause, then abort.
 * Concurrency: the callback runs with every other CPU stopped between two
 * steps, so the stack check and the swap see one consistent machine; the
 * updater thread sleeps on a wait queue until the callback has run.
 */
function* stopMachine(c: TransitionContext): KGen<void> {
  const { k, plan: p, record: r, self } = c;
  const sched = k.sched;
  const group = groupOf(p);
  type Outcome = { kind: 'busy'; busy: string } | { kind: 'done' } | { kind: 'failed'; error: unknown };
  const done = sched.waitQueue('stop-machine');
  const jitter = k.machine.rng.fork(0x5709 + r.id);
  for (let attempt = 1; ; attempt++) {
    const box: { outcome: Outcome } = { outcome: { kind: 'busy', busy: '' } };
    const t0 = sched.now;
    let stoppedFor = 0;
    /** Wall time with every CPU stopped: the callback itself. */
    let stoppedWallUs = 0;
    let emit = () => {};
    sched.stopMachine(() => {
      const w0 = wallNow();
      try {
        const busy = busyThreads(k, group, self);
        if (busy.length > 0) {
          box.outcome = { kind: 'busy', busy: describeBusy(busy, group) }; // now: their stacks change once the CPUs restart
          stoppedFor = 200;
        } else {
          const switched = c.atomically();
          stoppedFor = switched.cycles + 200;
          emit = switched.emit;
          box.outcome = { kind: 'done' };
        }
      } catch (e) {
        box.outcome = { kind: 'failed', error: e };
        stoppedFor = 200;
      } finally {
        done.wakeOne();
        stoppedWallUs = wallNow() - w0;
      }
      return stoppedFor;
    });
    yield* done.wait(self, 'stop-machine');
    r.stoppedCycles += stoppedFor;
    const o = box.outcome;
    emit();
    c.event('stop', sched.now - t0, stoppedWallUs, `attempt ${attempt}: ${o.kind === 'busy' ? `busy: ${o.busy}` : o.kind}`);
    if (o.kind === 'done') {
      r.pauseWallUs = stoppedWallUs; // the whole stop: stack check, transfer and switch
      return;
    }
    if (o.kind === 'failed') throw o.error;
    if (attempt >= c.tuning.stopAttempts || (p.timeout !== null && sched.now - r.startedAt >= p.timeout)) {
      throw err('EBUSY', `stop-machine found no safe point in ${attempt} attempts; at the last: ${o.busy}`, 'try again later, or use --strategy module, which waits instead');
    }
    k.updates.throwIfCancelled(r);
    yield* sched.sleep(jitter.int(c.tuning.stopRetryCycles >> 2, c.tuning.stopRetryCycles));
  }
}

/**
 * The negative control: no quiescence at all. The switch runs in the
 * updater's first step, so threads suspended inside the old version resume
 * there and run old code against the new state. It exists so that tests and
 * `livemod check` can show they fail when quiescence is missing.
 */
function* unsafe(c: TransitionContext): KGen<void> {
  c.event('quiesce', 0, 0, 'unsafe control: no quiescence, switching at once');
  const done = c.atomically();
  c.k.sched.work(done.cycles);
  done.emit();
}

/** The strategies, by name. */
export const TRANSITIONS: Readonly<Record<Strategy, Transition>> = {
  module: hotSwap,
  'per-task': perTask,
  'stop-machine': stopMachine,
  unsafe,
};
