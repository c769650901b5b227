// The update lifecycle both kernels share: what an update is while it runs
// and after (its record and phase events), the history, the one update that
// may run at a time, and how it ends (commit, or abort with a KernelError).
// The procedural updater (updater/) and the object twin's hot-swap
// (oo/updater.ts) each drive their own phases through it; the console,
// `livemod compare` and the property tests reach either through the
// `UpdateService` interface below, and name updates with `UpdateStep`s.
//
//   begin (plan event; EBUSY if one runs) -> event ... -> commit | abort -> finish
//
// The lifecycle is kernel state (every Executive has one, `k.updates`), not
// an updater object's, so two updater objects on one kernel see one history
// and one running update.

import { err, isKernelError, KernelError } from './errno.js';
import { HookList } from './hooks.js';
import type { KGen, Thread } from './thread.js';

/** Default quiescence timeout of an update, in simulated cycles. */
export const DEFAULT_UPDATE_TIMEOUT = 5_000_000;
/** How often an updater thread re-checks quiescence, in cycles. */
export const POLL_CYCLES = 1_000;

/** Wall time in microseconds (phase durations are given in both simulated cycles and wall time). */
export const wallNow = (): number => Number(process.hrtime.bigint()) / 1000;

export type UpdateKind = 'update' | 'revert';

/** One update as a user names it: `simplefs@1.2.0 blkdev@2.0.0` (a group), or `revert simplefs`. */
export interface UpdateStep {
  readonly kind: UpdateKind;
  /** `name@version` or a file path for an update; the module (or release) name for a revert. */
  readonly specs: readonly string[];
}

/** Parse `a@1 b@2` or `revert a`; EINVAL on an empty step or a revert of more than one name. */
export function parseUpdateStep(text: string): UpdateStep {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words[0] === 'revert') {
    if (words.length !== 2) throw err('EINVAL', `'${text}': revert takes one module name`, 'e.g. revert simplefs');
    return { kind: 'revert', specs: [words[1]!] };
  }
  if (words.length === 0) throw err('EINVAL', 'no update named', 'name one, e.g. simplefs@1.1.0, or revert simplefs');
  return { kind: 'update', specs: words };
}

/** The text of a step, as parseUpdateStep reads it. */
export const stepText = (s: UpdateStep): string => (s.kind === 'revert' ? `revert ${s.specs[0]}` : s.specs.join(' '));

export interface PhaseEvent {
  /** The procedural phases (plan, prepare, forward, block, quiesce, stop, transfer, switch) or the twin's (finish-lazy, complete), then commit or abort. */
  readonly phase: string;
  /** Simulated time the phase ended. */
  readonly at: number;
  readonly cycles: number;
  readonly wallUs: number;
  readonly detail: string;
}

/** A module (or the twin's release of one) that an update moves from one version to another. */
export interface VersionChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

/** What both kernels' updaters take; an updater refuses an option it has no use for (see UpdateService.flags). */
export interface UpdateOptions {
  /** The procedural kernel's transition strategy (module, per-task, stop-machine). */
  readonly strategy?: string;
  /** Cycles to wait for quiescence before aborting. */
  readonly timeout?: number;
  /** Migrate per-instance state on first access (true), all at the switch (false), or as each version says (undefined). */
  readonly lazy?: boolean;
  /** With lazy migration: also migrate the rest in the background. */
  readonly sweep?: boolean;
}

export interface UpdateRecord<D = unknown> {
  readonly id: number;
  readonly kind: UpdateKind;
  readonly modules: readonly VersionChange[];
  /** How it quiesces: a procedural strategy, or the twin's `hot-swap`. */
  readonly strategy: string;
  /** Some per-instance state is left to migrate (or swap) on first access. */
  readonly lazy: boolean;
  readonly timeout: number;
  /** `refused`: the plan said no, before anything started (the record keeps why; nothing changed). */
  outcome: 'running' | 'committed' | 'aborted' | 'refused';
  error: KernelError | null;
  readonly phases: PhaseEvent[];
  readonly startedAt: number;
  endedAt: number | null;
  /** Workload syscalls that completed while the update was in progress. */
  syscallsDuring: number;
  /** Wall time of the atomic section (transfer and switch; for stop-machine, the whole stop). */
  pauseWallUs: number;
  /** Simulated cycles every CPU stood stopped (stop-machine). */
  stoppedCycles: number;
  /** Calls held at a gate or mediator, and the cycles they waited in all. */
  heldCalls: number;
  heldCycles: number;
  /** Cycles from the start of the update to its switch (or abort). */
  waitCycles: number;
  /** Instances (records, objects) migrated at the switch. */
  migrated: number;
  /** Instances left to migrate on their next access. */
  pending: number;
  /** What only one kernel's updater knows (the procedural plan, the twin's class changes). */
  readonly detail: D;
}

/** What a console, `compare` or a test needs of an update once it has started. */
export interface StartedUpdate {
  readonly record: UpdateRecord;
  readonly thread: Thread;
}

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
  readonly machine: { readonly events: { readonly trace: { mixString(s: string): void } } };
  printk(text: string): void;
  runThread(t: Thread, maxCycles?: number): unknown;
}

const changes = (r: UpdateRecord) => r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ');

export class UpdateLifecycle {
  readonly history: UpdateRecord[] = [];
  running: UpdateRecord | null = null;
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
  begin<D>(fields: Pick<UpdateRecord<D>, 'kind' | 'modules' | 'strategy' | 'lazy' | 'timeout' | 'detail'>, plannedAt: number, planDetail: string): UpdateRecord<D> {
    this.refuseIfRunning();
    const r = this.open(fields, 'running', null);
    this.history.push(r);
    this.running = r;
    this.syscallsAtStart.set(r, this.k.stats.syscalls);
    this.event(r, 'plan', 0, wallNow() - plannedAt, planDetail);
    return r;
  }

  /**
   * Record an update the plan refused: it joins the history with its
   * reason, so `history` shows what was asked and why not, but it never
   * runs, changes nothing and leaves no mark in the machine's trace.
   */
  refuse<D>(fields: Pick<UpdateRecord<D>, 'kind' | 'modules' | 'strategy' | 'lazy' | 'timeout' | 'detail'>, plannedAt: number, error: unknown): UpdateRecord<D> {
    const e = isKernelError(error) ? error : new KernelError('EINVAL', error instanceof Error ? error.message : String(error));
    const r = this.open(fields, 'refused', e);
    r.phases.push({ phase: 'plan', at: this.k.now, cycles: 0, wallUs: wallNow() - plannedAt, detail: `refused: ${e.describe()}` });
    r.endedAt = this.k.now;
    this.history.push(r);
    return r;
  }

  /** A new record, numbered next, with nothing measured yet. */
  private open<D>(fields: Pick<UpdateRecord<D>, 'kind' | 'modules' | 'strategy' | 'lazy' | 'timeout' | 'detail'>, outcome: UpdateRecord['outcome'], error: KernelError | null): UpdateRecord<D> {
    return {
      id: this.history.length + 1,
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

  /** The update took effect; `how` ends the log line (the strategy, or eager or lazy). */
  commit(r: UpdateRecord, how: string): void {
    r.outcome = 'committed';
    this.event(r, 'commit', 0, 0, `${r.modules.map((m) => `${m.name} ${m.to}`).join(', ')} running`);
    this.k.printk(`${r.kind} ${r.id}: ${changes(r)} committed (${how})`);
  }

  /** The update was rolled back (the caller has undone its changes); a non-errno failure becomes ECANCELED. */
  abort(r: UpdateRecord, e: unknown): void {
    r.outcome = 'aborted';
    r.error = isKernelError(e) ? e : new KernelError('ECANCELED', `update failed: ${e instanceof Error ? e.message : String(e)}`, 'the update was rolled back');
    r.waitCycles = this.k.now - r.startedAt;
    this.event(r, 'abort', 0, 0, r.error.describe());
    this.k.printk(`${r.kind} ${r.id}: aborted: ${r.error.message}`);
  }

  /** Close the record, committed or aborted: no update runs any more. */
  finish(r: UpdateRecord): void {
    r.endedAt = this.k.now;
    r.syscallsDuring = this.k.stats.syscalls - (this.syscallsAtStart.get(r) ?? this.k.stats.syscalls);
    if (this.running === r) this.running = null;
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
      this.abort(r, e);
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
