// The update lifecycle both kernels share: how an update's record (what an
// update is: update.ts, re-exported here) is opened and filled in as it
// runs, the history, the one update that may run at a time, and how it ends
// (commit, forced or not; abort with a KernelError; or reversed).
// The procedural updater (updater/) and the object twin's hot-swap
// (oo/updater.ts) each drive their own phases through it; the console,
// `livemod compare` and the property tests reach either through the
// `UpdateService` interface below, and name updates with `UpdateStep`s.
//
//   begin (plan event; EBUSY if one runs) -> event ... -> commit | abort | reversed -> finish
//
// While an update waits for its threads, its transition is pending
// (exec/pending.ts): `pending` is where the console and the API watch it,
// signal its stragglers, force it or reverse it; it lives for as long as
// the record runs, and with no timeout that is until the threads move.
//
// The lifecycle is kernel state (every Executive has one, `k.updates`), not
// an updater object's, so two updater objects on one kernel see one history
// and one running update.

import { err, isKernelError, KernelError, thrownMessage } from './errno.js';
import { HookList } from './hooks.js';
import { type PatchState, PendingTransition, TransitionReversed } from './pending.js';
import type { Scheduler } from './sched.js';
import type { Taint } from './taint.js';
import type { KGen, Thread } from './thread.js';
import type { PhaseEvent, StartedUpdate, UpdateOptions, UpdateRecord, UpdateStep } from './update.js';
import { wallNow } from './update.js';

export { DEFAULT_UPDATE_TIMEOUT, POLL_CYCLES } from './pending.js';

export * from './update.js';

/** The one interface to either kernel's updater. */
export interface UpdateService {
  readonly lifecycle: UpdateLifecycle;
  /** The console options this updater takes (`--strategy`, `--lazy`, ...), in the order its usage lists them. */
  readonly flags: readonly string[];
  /** The strategies it can quiesce by; the first is not necessarily the default. */
  readonly strategies: readonly string[];
  /** The lines of what `step` would do, changing nothing; throws the refusal. */
  dryRun(step: UpdateStep, opts?: UpdateOptions): Promise<string[]>;
  /** Start `step` as a kernel thread (the machine must run for it to progress); throws the refusal. */
  request(step: UpdateStep, opts?: UpdateOptions): Promise<StartedUpdate>;
  /** One line saying what a committed update did. */
  summary(r: UpdateRecord): string;
}

/** What the lifecycle needs of the kernel it belongs to. */
export interface LifecycleHost {
  readonly now: number;
  readonly stats: { readonly syscalls: number };
  readonly sched: Scheduler;
  readonly taint: Taint;
  readonly hooks: { readonly syscallReturn: HookList<[Thread]> };
  readonly machine: { readonly events: { readonly trace: { mixString(s: string): void } } };
  printk(text: string): void;
  runThread(t: Thread, maxCycles?: number): unknown;
}

/** What an updater says of an update when it opens its record. */
type Fields<D> = Pick<UpdateRecord<D>, 'kind' | 'modules' | 'strategy' | 'lazy' | 'timeout' | 'detail'> & Partial<Pick<UpdateRecord<D>, 'signalAfter' | 'reverseAfter'>>;

const changes = (r: UpdateRecord) => r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ');

export class UpdateLifecycle {
  readonly history: UpdateRecord[] = [];
  running: UpdateRecord | null = null;
  /** The running update's transition, while it runs (exec/pending.ts). */
  pending: PendingTransition | null = null;
  /** An update ended (committed, aborted, reversed or forced), after its record is closed. */
  readonly ended = new HookList<[UpdateRecord]>();
  /** Threads a force left in the old code, until they next leave the kernel (ps shows them `forced`). */
  private readonly forcedTids = new Set<number>();
  private unsubscribeForced: (() => void) | null = null;
  /** Every phase event, as it happens (the console prints progress from it). */
  readonly phases = new HookList<[UpdateRecord, PhaseEvent]>();
  private readonly syscallsAtStart = new WeakMap<UpdateRecord, number>();
  /** Running updates asked to give up (cancel). */
  private readonly cancelled = new WeakSet<UpdateRecord>();

  constructor(
    private readonly k: LifecycleHost,
    /** How this kernel's update events are named in the trace (the two kernels' protocols are told apart there). */
    private readonly traceTag: string,
  ) {}

  /**
   * Open the record of an update whose plan was accepted and make it the
   * running one; emits the plan event. EBUSY while another update runs.
   */
  begin<D>(fields: Fields<D>, plannedAt: number, planDetail: string, waits = true): UpdateRecord<D> {
    this.refuseIfRunning();
    const r = this.open(fields, 'running', null);
    this.history.push(r);
    this.running = r;
    this.pending = new PendingTransition(this.k.sched, this.k.taint, `${r.kind} ${r.id}`, changes(r), { timeout: r.timeout, signalAfter: r.signalAfter, reverseAfter: r.reverseAfter }, r.startedAt, waits, (phase, detail) => this.event(r, phase, 0, 0, detail));
    this.syscallsAtStart.set(r, this.k.stats.syscalls);
    this.event(r, 'plan', 0, wallNow() - plannedAt, planDetail);
    return r;
  }

  /**
   * Record an update the plan refused: it joins the history with its
   * reason, so `history` shows what was asked and why not, but it never
   * runs, changes nothing and leaves no mark in the machine's trace.
   */
  refuse<D>(fields: Fields<D>, plannedAt: number, error: unknown): UpdateRecord<D> {
    const e = isKernelError(error) ? error : new KernelError('EINVAL', error instanceof Error ? error.message : String(error));
    const r = this.open(fields, 'refused', e);
    r.phases.push({ phase: 'plan', at: this.k.now, cycles: 0, wallUs: wallNow() - plannedAt, detail: `refused: ${e.describe()}` });
    r.endedAt = this.k.now;
    this.history.push(r);
    return r;
  }

  /**
   * Record an update that took effect at once, outside any transition (an
   * update kept for a module, applied while the module loads, before
   * anything can call it): committed, with its commit event. It does not
   * take the running slot, so it may happen while another update runs.
   */
  applied<D>(fields: Pick<UpdateRecord<D>, 'kind' | 'modules' | 'strategy' | 'lazy' | 'timeout' | 'detail'>, detail: string): UpdateRecord<D> {
    const r = this.open(fields, 'committed', null);
    this.history.push(r);
    r.endedAt = this.k.now;
    this.event(r, 'commit', 0, 0, detail);
    this.k.printk(`${r.kind} ${r.id}: ${changes(r)} committed (${r.strategy})`);
    this.k.taint.add('livepatched', `${r.kind} ${r.id}: ${changes(r)}`);
    return r;
  }

  /** A new record, numbered next, with nothing measured yet. */
  private open<D>(fields: Fields<D>, outcome: UpdateRecord['outcome'], error: KernelError | null): UpdateRecord<D> {
    return {
      id: this.history.length + 1,
      signalAfter: null,
      reverseAfter: null,
      ...fields,
      outcome,
      error,
      phases: [],
      startedAt: this.k.now,
      endedAt: null,
      syscallsDuring: 0,
      pauseWallUs: 0,
      stoppedCycles: 0,
      heldCalls: 0,
      heldCycles: 0,
      waitCycles: 0,
      migrated: 0,
      pending: 0,
      signalled: 0,
      forcedThreads: [],
    };
  }

  /** EBUSY if an update is in progress (checked before planning, so a refusal does not hide it). */
  refuseIfRunning(): void {
    if (this.running) throw err('EBUSY', `update ${this.running.id} is still in progress`, 'wait for it (tick) and try again');
  }

  event(r: UpdateRecord, phase: string, cycles: number, wallUs: number, detail = ''): void {
    const e: PhaseEvent = { phase, at: this.k.now, cycles, wallUs, detail };
    r.phases.push(e);
    this.k.machine.events.trace.mixString(`${this.traceTag}:${r.id}:${phase}`);
    this.phases.run(r, e);
  }

  /**
   * The update took effect; `how` ends the log line (the strategy, or eager
   * or lazy). Forced (its strategy called `forced`): outcome `forced`, and
   * its stragglers show as `forced` until they leave the kernel.
   */
  commit(r: UpdateRecord, how: string): void {
    const forced = this.pending?.appliedForce ?? null;
    r.outcome = forced ? 'forced' : 'committed';
    if (forced) r.forcedThreads = forced.map((t) => t.tid);
    // A module not loaded (`-`: its update is kept for when it comes) is not running anything.
    const loaded = r.modules.filter((m) => m.from !== '-' && m.to !== '-');
    const running = loaded.length ? `${loaded.map((m) => `${m.name} ${m.to}`).join(', ')} running` : 'nothing loaded changes';
    this.event(r, 'commit', 0, 0, `${running}${forced ? ` (forced; ${forced.length} thread(s) never moved)` : ''}`);
    this.k.printk(`${r.kind} ${r.id}: ${changes(r)} ${forced ? 'forced' : 'committed'} (${how})`);
    this.k.taint.add('livepatched', `${r.kind} ${r.id}: ${changes(r)}`);
    if (forced) for (const t of forced) this.markForced(t);
  }

  /** The transition was taken back before it completed (the caller has undone its changes): nothing was transferred. */
  reversed(r: UpdateRecord): void {
    r.outcome = 'reversed';
    r.waitCycles = this.k.now - r.startedAt;
    this.event(r, 'reverse', 0, 0, `every thread back on ${transitioned(r).map((m) => `${m.name} ${m.from}`).join(', ')}; nothing transferred`);
    this.k.printk(`${r.kind} ${r.id}: reversed: ${transitioned(r).map((m) => `${m.name} stays at ${m.from}`).join(', ')}`);
  }

  /**
   * The running update's pending transition, for `verb` (signal, force,
   * purge, reverse): EINVAL when none is pending, when it does not change
   * `name` (if given), or when its strategy does not wait (stop-machine).
   */
  pendingFor(verb: string, name?: string): { record: UpdateRecord; pending: PendingTransition } {
    const record = this.running;
    const pending = this.pending;
    if (!record || !pending) throw err('EINVAL', 'no transition pending', `${verb} acts on an update started with --nowait while it waits; history shows how the last ones ended`);
    if (name !== undefined && !record.modules.some((m) => m.name === name)) {
      throw err('EINVAL', `the pending transition (${record.kind} ${record.id}) does not change ${name}`, `it changes ${record.modules.map((m) => m.name).join(', ')}`);
    }
    if (!pending.waits) throw err('EINVAL', `${record.kind} ${record.id} (${record.strategy}) does not wait in the background, so it cannot be ${verb === 'signal' ? 'signalled' : `${verb}d`}`, 'only module, per-task and hot-swap transitions can');
    return { record, pending };
  }

  /** Where `t` stands in the running transition (or `forced` after a force, until it leaves the kernel); null: in none. */
  patchState(t: Thread): PatchState | null {
    return this.pending?.state(t) ?? (this.forcedTids.has(t.tid) ? 'forced' : null);
  }

  private markForced(t: Thread): void {
    this.forcedTids.add(t.tid);
    this.unsubscribeForced ??= this.k.hooks.syscallReturn.add((x) => {
      if (!this.forcedTids.delete(x.tid) || this.forcedTids.size > 0) return;
      this.unsubscribeForced?.();
      this.unsubscribeForced = null;
    });
  }

  /** The update was rolled back (the caller has undone its changes); a non-errno failure becomes ECANCELED. */
  abort(r: UpdateRecord, e: unknown): void {
    r.outcome = 'aborted';
    r.error = isKernelError(e) ? e : new KernelError('ECANCELED', `update failed: ${thrownMessage(e)}`, 'the update was rolled back');
    r.waitCycles = this.k.now - r.startedAt;
    this.event(r, 'abort', 0, 0, r.error.describe());
    this.k.printk(`${r.kind} ${r.id}: aborted: ${r.error.message}`);
  }

  /** Close the record, committed or aborted: no update runs any more. */
  finish(r: UpdateRecord): void {
    r.endedAt = this.k.now;
    r.syscallsDuring = this.k.stats.syscalls - (this.syscallsAtStart.get(r) ?? this.k.stats.syscalls);
    if (this.running === r) {
      r.signalled = this.pending?.signalled ?? r.signalled;
      this.running = null;
      this.pending = null;
    }
    this.ended.run(r);
  }

  /**
   * The body of an updater thread: run `phases`; commit with `how` when they
   * return, or undo with `rollback` and abort when they throw; finish always.
   */
  *drive(r: UpdateRecord, phases: KGen<void>, how: () => string, rollback: () => void = () => {}): KGen<void> {
    try {
      yield* phases;
      this.commit(r, how());
    } catch (e) {
      rollback();
      if (e instanceof TransitionReversed) this.reversed(r);
      else this.abort(r, e);
    } finally {
      this.finish(r);
    }
  }

  /**
   * Ask the running update `r` to give up (Ctrl-C on a command waiting for
   * it): it aborts and rolls back at its next wait, where the strategies
   * look at their timeout (`throwIfCancelled`). An update past its last
   * wait commits as it would have.
   */
  cancel(r: UpdateRecord): void {
    if (r.outcome === 'running') this.cancelled.add(r);
  }

  /** ECANCELED when `cancel(r)` was asked: for the wait loops of the strategies, beside their timeout check. */
  throwIfCancelled(r: UpdateRecord): void {
    if (this.cancelled.has(r)) throw err('ECANCELED', `${r.kind} ${r.id} cancelled while it waited (Ctrl-C)`, 'it was rolled back; nothing changed');
  }

  /** Run a started update to its end; returns its record, or throws its abort. */
  runToEnd(started: StartedUpdate, maxCycles = Number.MAX_SAFE_INTEGER): UpdateRecord {
    this.k.runThread(started.thread, maxCycles);
    if (started.record.error) throw started.record.error;
    return started.record;
  }

  /** The head line of a record in `history`. */
  static headline(r: UpdateRecord): string {
    return `${r.kind} ${r.id}: ${changes(r)}  strategy ${r.strategy}${r.lazy ? ' (lazy)' : ''}  ${r.outcome}${r.error ? ` (${r.error.errno})` : ''}`;
  }
}

/** The modules an update's transition changes: not those it names while they are not loaded (from or to `-`, kept). */
export function transitioned(r: UpdateRecord): UpdateRecord['modules'][number][] {
  return r.modules.filter((m) => m.from !== '-' && m.to !== '-');
}
