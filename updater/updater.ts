// The procedural kernel's updater: runs an update (or a revert) of one module
// or a group of modules as a kernel thread while the machine runs, through
// the shared lifecycle (exec/lifecycle.ts). The phases, in the order below:
//
//   plan      (plan.ts) diff the versions; refuse what cannot be done live
//   prepare   (the loader, kernel/link.ts) link the new versions, invisible
//   quiesce   (transition.ts) by strategy: module, per-task or stop-machine
//   transfer  (transfer.ts) the new images, from the old ones      } one atomic
//   switch    (switch.ts) retarget the slots, install the versions } section
//   commit    push (or pop) each module's update stack (replace.ts), keep
//             the part for modules not loaded (deferred.ts)
//             \-> on timeout, a failed transfer or check: abort
//             \-> reversed while pending (revert, --reverse-after): nothing to undo
//
// module and per-task wait as a pending transition (exec/pending.ts), which
// the console and the API reach through the lifecycle (`k.updates.pending`)
// to watch, signal, force or reverse it; with no timeout it waits for as
// long as threads stay in the old code. A forced update leaves the old
// version resident: its stragglers may still run it, so rmmod is refused.
//
// Around them run the versions' callbacks (callbacks.ts): prePatch (or
// preUnpatch) before the plan is accepted, postPatch (or postUnpatch) after
// the commit, postUnpatch (or postPatch) after an abort.
//
// Nothing visible changes before the switch, and the switch undoes itself if
// it fails, so an abort leaves state and slots as the very same references.
// The modules of a running update are pinned (rmmod is EBUSY) until it ends.

import { err } from '../exec/errno.js';
import { POLL_CYCLES, type StartedUpdate, type UpdateKind, type UpdateOptions as ServiceOptions, type UpdateRecord, type UpdateService, type UpdateStep, wallNow } from '../exec/lifecycle.js';
import type { PendingTransition } from '../exec/pending.js';
import type { KGen } from '../exec/thread.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ModuleVersion } from '../kernel/loader.js';
import { touchWatchdog } from '../exec/watchdog.js';
import type { ModuleDef } from '../kernel/module.js';
import { UpdateCallbacks } from './callbacks.js';
import { atLoadSummary, beginKept, checkKept, commitKept, endKept, installKeptHooks, keptChanges, keptOnlyPlan, keptPlanLine, keptSummary, keptTop, splitKept } from './deferred.js';
import { sweepTable } from './lazy.js';
import { commitStacks } from './replace.js';
import { describePlan, needsTransfer, type Plan, plan, STRATEGIES, type Strategy, type UpdateOptions } from './plan.js';
import { applySwitch, type Prepared } from './switch.js';
import { slotsOf } from './group.js';
import { TRANSITIONS, type UpdaterTuning } from './transition.js';
import { transferCycles, transferImage, type TransferResult } from './transfer.js';

export type { UpdaterTuning } from './transition.js';

export const DEFAULT_TUNING: UpdaterTuning = { pollCycles: POLL_CYCLES, stopAttempts: 20, stopRetryCycles: 20_000 };

/** Where the versions an update names come from (the catalog, for the CLI). */
export interface VersionResolver {
  /** The definition `spec` names: `name@version` or a file. */
  load(spec: string): Promise<ModuleVersion>;
  /** Every known version of each module, so a refusal can suggest a group that would work. */
  candidates(): Promise<ReadonlyMap<string, readonly ModuleDef[]>>;
}

const NO_RESOLVER: VersionResolver = {
  load: async (spec) => {
    throw err('ENOENT', `no module catalog to find ${spec} in`, 'pass the loaded definitions to Updater.start, or a resolver to the Updater');
  },
  candidates: async () => new Map(),
};

export type ProceduralRecord = UpdateRecord<Plan>;

export class Updater implements UpdateService {
  readonly flags = ['--strategy', '--nowait', '--timeout', '--signal-after', '--reverse-after', '--lazy', '--eager', '--sweep', '--replace'] as const;
  readonly strategies: readonly string[] = STRATEGIES;

  constructor(
    readonly k: Kernel,
    private readonly resolver: VersionResolver = NO_RESOLVER,
    readonly tuning: UpdaterTuning = DEFAULT_TUNING,
  ) {
    installKeptHooks(k);
  }

  get lifecycle() {
    return this.k.updates;
  }

  /** Every update and revert on this kernel, oldest first (a refused one's detail is null: it has no plan). */
  get history(): readonly ProceduralRecord[] {
    return this.k.updates.history as ProceduralRecord[];
  }

  get busy(): boolean {
    return this.k.updates.running !== null;
  }

  /** Plan an update without changing anything (update --dry-run). */
  plan(versions: readonly ModuleVersion[], opts: UpdateOptions = {}): Plan {
    return plan(this.k, versions, opts);
  }

  /** What `revert NAME` would go back to: the top of the module's update stack. */
  revertTarget(name: string): ModuleVersion {
    const kept = this.k.loader.get(name) ? undefined : keptTop(this.k, name);
    if (kept) return kept;
    const mod = this.k.loader.require(name);
    const back = mod.updateStack.at(-1);
    if (!back) throw err('EINVAL', `nothing to revert: ${name} ${mod.def.version} was not reached by an update`, 'history lists the updates');
    return back;
  }

  /** Start an update as a kernel thread; the machine must run for it to progress. */
  start(versions: readonly ModuleVersion[], opts: UpdateOptions = {}, kind: UpdateKind = 'update'): { record: ProceduralRecord; thread: StartedUpdate['thread'] } {
    this.k.updates.refuseIfRunning();
    const w0 = wallNow();
    const { live, kept } = splitKept(this.k, versions);
    const replace = opts.replace === true;
    let p: Plan;
    let callbacks: UpdateCallbacks;
    try {
      p = live.length > 0 || kept.length === 0 ? this.plan(live, { ...opts, direction: kind === 'revert' ? 'downgrade' : 'upgrade' }) : keptOnlyPlan(kind, replace);
      checkKept(this.k, kept, kind, replace);
      callbacks = new UpdateCallbacks(this.k, p, kind);
      callbacks.begin();
    } catch (e) {
      // What was asked, and why not, goes into the history; the plan changed nothing.
      const modules = versions.map((v) => ({ name: v.def.name, from: this.k.loader.get(v.def.name)?.def.version ?? '-', to: v.def.version }));
      this.k.updates.refuse<Plan | null>({ kind, modules, strategy: opts.strategy ?? '-', lazy: opts.lazy === true, timeout: opts.timeout === null ? null : (opts.timeout ?? 0), detail: null }, w0, e);
      throw e;
    }
    const r = this.k.updates.begin<Plan>(
      {
        kind,
        modules: [...p.modules.map((m) => ({ name: m.name, from: m.from, to: m.to })), ...keptChanges(kept, kind)],
        strategy: p.modules.length ? p.strategy : 'deferred',
        lazy: p.lazy,
        timeout: p.timeout,
        signalAfter: opts.signalAfter ?? null,
        reverseAfter: opts.reverseAfter ?? null,
        detail: p,
      },
      w0,
      p.modules.length ? [describePlan(p)[0]!, keptPlanLine(kept, kind)].filter((x) => x).join('; ') : `plan: ${keptPlanLine(kept, kind)}`,
      p.modules.length > 0 && (p.strategy === 'module' || p.strategy === 'per-task'),
    );
    const group = p.modules.map((m) => this.k.loader.require(m.name));
    for (const mod of group) mod.updating = r.id;
    beginKept(this.k, r.id, kind, kept);
    const unpin = () => {
      for (const mod of group) if (mod.updating === r.id) mod.updating = null;
      endKept(this.k, r.id);
    };
    const thread = this.k.spawnKernel(`kupdate/${r.id}`, this.k.updates.drive(r, this.phases(p, r, unpin, callbacks, kept), () => r.strategy, unpin));
    return { record: r, thread };
  }

  /** Run an update to its end. Throws the abort's KernelError; returns the record when committed. */
  run(versions: readonly ModuleVersion[], opts: UpdateOptions = {}, kind: UpdateKind = 'update'): ProceduralRecord {
    const started = this.start(versions, opts, kind);
    const { timeout } = started.record;
    return this.k.updates.runToEnd(started, timeout === null ? Number.MAX_SAFE_INTEGER : (timeout + 10 * this.tuning.stopRetryCycles) * 4) as ProceduralRecord;
  }

  /** Revert a module to the version it ran before its last update, through its downgrade. */
  revert(name: string, opts: Omit<UpdateOptions, 'direction'> = {}): ProceduralRecord {
    return this.run([this.revertTarget(name)], opts, 'revert');
  }

  // --- the UpdateService interface: updates named by steps, versions found by the resolver ---

  async dryRun(step: UpdateStep, opts: ServiceOptions = {}): Promise<string[]> {
    const { versions, options } = await this.resolve(step, opts);
    const { live, kept } = splitKept(this.k, versions);
    checkKept(this.k, kept, step.kind, options.replace === true);
    const lines = live.length > 0 || kept.length === 0 ? describePlan(this.plan(live, { ...options, direction: step.kind === 'revert' ? 'downgrade' : 'upgrade' })) : ['plan: no module of it is loaded'];
    return kept.length ? [...lines, `  ${keptPlanLine(kept, step.kind)}`] : lines;
  }

  async request(step: UpdateStep, opts: ServiceOptions = {}): Promise<StartedUpdate> {
    const { versions, options } = await this.resolve(step, opts);
    return this.start(versions, options, step.kind);
  }

  summary(r: UpdateRecord): string {
    const atLoad = atLoadSummary(r);
    if (atLoad) return atLoad;
    const kept = keptSummary(r);
    if (kept && r.modules.every((m) => (r.kind === 'update' ? m.from : m.to) === '-')) return kept;
    return `${kept ? `${kept}; and ` : ''}${r.kind} ${r.id} committed: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${r.strategy}): waited ${r.waitCycles} cycles, paused ${r.pauseWallUs.toFixed(0)} us, ${r.syscallsDuring} syscalls ran meanwhile`;
  }

  private async resolve(step: UpdateStep, opts: ServiceOptions): Promise<{ versions: ModuleVersion[]; options: UpdateOptions }> {
    if (opts.strategy !== undefined && !this.strategies.includes(opts.strategy)) {
      throw err('EINVAL', `--strategy needs one of ${this.strategies.join(', ')}, got '${opts.strategy}'`);
    }
    const options = { ...opts, strategy: opts.strategy as Strategy | undefined, candidates: await this.resolver.candidates() };
    if (step.kind === 'revert') return { versions: [this.revertTarget(step.specs[0]!)], options };
    const versions: ModuleVersion[] = [];
    for (const spec of step.specs) versions.push(await this.resolver.load(spec));
    return { versions, options };
  }

  // --- the phases ---

  private *phases(p: Plan, r: ProceduralRecord, unpin: () => void, callbacks: UpdateCallbacks, kept: readonly ModuleVersion[]): KGen<void> {
    const k = this.k;
    const sources = new Map(p.modules.map((m) => [m.name, k.loader.require(m.name).source]));
    const pending = k.updates.pending!; // this update's: it runs from begin to finish
    try {
      if (p.modules.length > 0) yield* this.transition(p, r, pending);
      commitStacks(k, p.modules, r.kind, p.replace, sources);
      // forced: the old version stays resident for good
      if (pending.appliedForce) for (const m of p.modules) k.loader.require(m.name).resident ??= `${r.kind} ${r.id} was forced: threads may still run ${m.name} ${m.from}, whose code must stay resident`;
      commitKept(k, r.id, r.kind, p.replace, kept, p.modules);
      callbacks.completed();
    } catch (e) {
      callbacks.aborted();
      throw e;
    } finally {
      unpin();
    }
  }

  /** prepare, then quiesce, transfer and switch as the strategy says. */
  private *transition(p: Plan, r: ProceduralRecord, pending: PendingTransition): KGen<void> {
    const k = this.k;
    // prepare
    const w0 = wallNow();
    const { linked, adaptors } = k.loader.prepare(
      p.modules.map((m) => ({ name: m.name, def: m.newDef, addedExports: m.functions.added })),
      p.adaptors,
    );
    const prepared: Prepared[] = linked.map((l, i) => ({ ...l, plan: p.modules[i]! }));
    k.sched.work(300 * prepared.length);
    k.updates.event(r, 'prepare', 300 * prepared.length, wallNow() - w0, `linked ${p.modules.map((m) => `${m.name} ${m.to}`).join(', ')}`);
    // quiesce, then transfer and switch at the moment the strategy finds
    yield* TRANSITIONS[p.strategy]({
      k,
      plan: p,
      record: r,
      prepared,
      self: k.sched.self(),
      tuning: this.tuning,
      pending,
      event: (phase, cycles, wallUs, detail) => k.updates.event(r, phase, cycles, wallUs, detail),
      atomically: () => {
        touchWatchdog(k.sched, `update ${r.id}`); // the transfers, checks and callbacks get a budget of their own
        try {
          return this.transferAndSwitch(prepared, adaptors, r);
        } finally {
          k.reportLockups(); // a transfer the watchdog stopped has aborted the update; say why now
        }
      },
    });
  }

  /**
   * Transfer and switch, atomically. Returns the simulated cycles they cost,
   * and the phase events to emit once the caller's pause is measured.
   */
  private transferAndSwitch(prepared: readonly Prepared[], adaptors: Parameters<typeof applySwitch>[3], r: ProceduralRecord): { cycles: number; emit: () => void } {
    const { store } = this.k;
    const w0 = wallNow();
    const results: (TransferResult | null)[] = prepared.map((x) => {
      if (!needsTransfer(x.plan)) return null;
      const name = x.plan.name;
      const schemas = Object.fromEntries(Object.keys(x.plan.oldDef.records ?? {}).map((t) => [t, store.schemaOf(name, t)]));
      return transferImage(store.image(name), schemas, x.plan, { lazy: r.detail.lazy, pending: store.lazy, update: r.id });
    });
    const records = results.reduce((n, x) => n + (x?.records ?? 0), 0);
    const lazyTables = results.flatMap((x, i) => (x?.lazy ?? []).map((l) => `${prepared[i]!.plan.name}/${l.table}`));
    const cycles = results.some((x) => x) ? transferCycles(records, prepared.some((x) => x.plan.stateTransfer)) : 0;
    const w1 = wallNow();
    r.migrated = records;
    const what = !results.some((x) => x) ? 'code only: nothing to transfer' : `${records} records migrated${lazyTables.length ? `; left to migrate on access: ${lazyTables.join(', ')}` : ''}`;
    applySwitch(this.k, prepared, results, adaptors);
    // Committed from here on: the lazy steps take effect with the new schemas.
    results.forEach((x, i) => {
      const name = prepared[i]!.plan.name;
      for (const t of x?.eager ?? []) store.lazy.clear(name, t);
      for (const l of x?.lazy ?? []) {
        store.lazy.add(name, l.table, l.step);
        if (r.detail.sweep) this.k.spawnKernel(`ksweep/${name}/${l.table}`, sweepTable(this.k, name, l.table, store.table(name, l.table)));
      }
    });
    const w2 = wallNow();
    r.pauseWallUs = w2 - w0;
    r.waitCycles = this.k.now - r.startedAt;
    const slots = slotsOf(this.k, prepared.map((x) => x.plan.name)).length;
    // The events go out after the pause is measured: a listener (the console) must not lengthen it.
    const emit = () => {
      // A scan, so outside the pause: how many records the lazy tables have left behind their schema.
      r.pending = results.reduce((n, x, i) => n + (x?.lazy ?? []).reduce((m, l) => m + store.recordsBehind(prepared[i]!.plan.name, l.table), 0), 0);
      this.k.updates.event(r, 'transfer', cycles, w1 - w0, what);
      this.k.updates.event(r, 'switch', 100, w2 - w1, `${slots} slots retargeted`);
    };
    return { cycles: cycles + 100, emit };
  }
}
