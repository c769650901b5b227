// The updater: runs an update (or a revert) of one module or a group of
// modules through its phases, as a kernel thread, while the machine runs:
//
//   plan -> prepare -> quiesce (by strategy) -> transfer -> switch -> commit
//                                   \-> on timeout, a failed transfer or check: abort
//
// Transfer and switch run in one atomic section: inside the updater thread's
// step (module, per-task) or with every CPU stopped (stop-machine). Nothing
// visible changes before the switch, and the switch undoes itself if it
// fails, so an abort leaves state and slots as the very same references.
// Every phase is a trace event with its duration in simulated cycles and in
// wall time; `history` lists them.

import { err, isKernelError, KernelError } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import { buildTargets, viewSlotKey } from '../kernel/loader.js';
import { exportCompat, type ParamValue } from '../kernel/module.js';
import { isGeneratorFunction, makeTarget, type Slot, type Target } from '../kernel/symbols.js';
import type { KGen, Thread } from '../exec/thread.js';
import { hasFrameIn, ModuleGate, TransitionGate } from './gates.js';
import { LazyMigrations } from './lazy.js';
import { describePlan, needsTransfer, type NewVersion, type Plan, plan, type Strategy, type UpdateOptions } from './plan.js';
import { applySwitch, type NewAdaptor, type Prepared } from './switch.js';
import { transferCycles, transferImage, type TransferResult } from './transfer.js';

export type Phase = 'plan' | 'prepare' | 'forward' | 'block' | 'quiesce' | 'stop' | 'transfer' | 'switch' | 'commit' | 'abort';

export interface PhaseEvent {
  readonly phase: Phase;
  /** Simulated time the phase ended. */
  readonly at: number;
  readonly cycles: number;
  readonly wallUs: number;
  readonly detail: string;
}

export interface UpdateRecord {
  readonly id: number;
  readonly kind: 'update' | 'revert';
  readonly modules: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  readonly strategy: Strategy;
  readonly plan: Plan;
  outcome: 'running' | 'committed' | 'aborted';
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
  /** Calls held at the gate (module strategy) and the cycles they waited in all. */
  heldCalls: number;
  heldCycles: number;
  /** Cycles from the start of the update to its switch (or abort). */
  waitCycles: number;
  recordsMigrated: number;
}

export interface UpdaterTuning {
  /** How often the updater thread re-checks quiescence, in cycles. */
  readonly pollCycles: number;
  /** Stop-machine attempts before giving up. */
  readonly stopAttempts: number;
  /** Cycles between stop-machine attempts, at most (the wait is drawn from the seed so retries do not beat in step with the workload). */
  readonly stopRetryCycles: number;
}

export const DEFAULT_TUNING: UpdaterTuning = { pollCycles: 1_000, stopAttempts: 20, stopRetryCycles: 20_000 };

const wallNow = () => Number(process.hrtime.bigint()) / 1000;

export class Updater {
  readonly history: UpdateRecord[] = [];
  /** Versions each module ran before, newest last, with the version each update led to: what revert goes back to. */
  private readonly previous = new Map<string, (NewVersion & { readonly led: string })[]>();
  private running: UpdateRecord | null = null;
  /** Called for every phase event (the CLI prints progress from it). */
  onEvent: ((r: UpdateRecord, e: PhaseEvent) => void) | null = null;
  /** Record migrations left to first access. */
  readonly lazy: LazyMigrations;

  constructor(
    readonly k: Kernel,
    readonly tuning: UpdaterTuning = DEFAULT_TUNING,
  ) {
    this.lazy = new LazyMigrations(k);
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Plan an update without changing anything (update --dry-run). */
  plan(versions: readonly NewVersion[], opts: UpdateOptions = {}): Plan {
    return plan(this.k, versions, opts);
  }

  /** What `revert NAME` would go back to. */
  revertTarget(name: string): NewVersion {
    const running = this.k.loader.require(name).def.version;
    const prev = this.previous.get(name);
    const back = prev?.[prev.length - 1];
    // An entry that did not lead to the running version belongs to an earlier load of the module.
    if (!back || back.led !== running) throw err('EINVAL', `nothing to revert: ${name} ${running} was not reached by an update`, 'history lists the updates');
    return { def: back.def, source: back.source };
  }

  /** Start an update as a kernel thread; the machine must run for it to progress. */
  start(versions: readonly NewVersion[], opts: UpdateOptions = {}, kind: 'update' | 'revert' = 'update'): { record: UpdateRecord; thread: Thread } {
    if (this.running) throw err('EBUSY', `update ${this.running.id} is still in progress`, 'wait for it (tick) and try again');
    const w0 = wallNow();
    const p = this.plan(versions, { ...opts, direction: kind === 'revert' ? 'downgrade' : 'upgrade' });
    const record: UpdateRecord = {
      id: this.history.length + 1,
      kind,
      modules: p.modules.map((m) => ({ name: m.name, from: m.from, to: m.to })),
      strategy: p.strategy,
      plan: p,
      outcome: 'running',
      error: null,
      phases: [],
      startedAt: this.k.now,
      endedAt: null,
      syscallsDuring: 0,
      pauseWallUs: 0,
      stoppedCycles: 0,
      heldCalls: 0,
      heldCycles: 0,
      waitCycles: 0,
      recordsMigrated: 0,
    };
    this.history.push(record);
    this.running = record;
    this.event(record, 'plan', 0, wallNow() - w0, describePlan(p)[0]!);
    const thread = this.k.spawnKernel(`kupdate/${record.id}`, this.body(p, record, this.k.stats.syscalls));
    return { record, thread };
  }

  /** Run an update to its end. Throws the abort's KernelError; returns the record when committed. */
  run(versions: readonly NewVersion[], opts: UpdateOptions = {}, kind: 'update' | 'revert' = 'update'): UpdateRecord {
    const { record, thread } = this.start(versions, opts, kind);
    this.k.runThread(thread, (record.plan.timeout + 10 * this.tuning.stopRetryCycles) * 4);
    if (record.error) throw record.error;
    return record;
  }

  /** Revert a module to the version it ran before its last update, through its downgrade. */
  revert(name: string, opts: Omit<UpdateOptions, 'direction'> = {}): UpdateRecord {
    return this.run([this.revertTarget(name)], opts, 'revert');
  }

  private event(r: UpdateRecord, phase: Phase, cycles: number, wallUs: number, detail = ''): void {
    const e: PhaseEvent = { phase, at: this.k.now, cycles, wallUs, detail };
    r.phases.push(e);
    this.k.machine.events.trace.mixString(`update:${r.id}:${phase}`);
    this.onEvent?.(r, e);
  }

  private *body(p: Plan, r: UpdateRecord, syscallsAtStart: number): KGen<void> {
    const self = this.k.sched.self();
    const group = new Map<string, null>(p.modules.map((m) => [m.name, null]));
    const sources = new Map(p.modules.map((m) => [m.name, this.k.loader.require(m.name).source]));
    try {
      const w0 = wallNow();
      const { prepared, adaptors } = this.prepare(p);
      this.k.sched.work(300 * prepared.length);
      this.event(r, 'prepare', 300 * prepared.length, wallNow() - w0, `linked ${p.modules.map((m) => `${m.name} ${m.to}`).join(', ')}`);
      if (p.strategy === 'module') yield* this.quiesceModule(prepared, adaptors, p, r, group, self);
      else if (p.strategy === 'per-task') yield* this.quiesceTask(prepared, adaptors, p, r, self);
      else yield* this.quiesceStop(prepared, adaptors, p, r, group, self);
      r.outcome = 'committed';
      for (const m of p.modules) {
        const stack = this.previous.get(m.name) ?? [];
        if (r.kind === 'revert') stack.pop();
        else stack.push({ def: m.oldDef, source: sources.get(m.name)!, led: m.to });
        this.previous.set(m.name, stack);
      }
      this.event(r, 'commit', 0, 0, `${r.modules.map((m) => `${m.name} ${m.to}`).join(', ')} running`);
      this.k.printk(`${r.kind} ${r.id}: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} committed (${p.strategy})`);
    } catch (e) {
      r.outcome = 'aborted';
      r.error = isKernelError(e) ? e : new KernelError('ECANCELED', `update failed: ${e instanceof Error ? e.message : String(e)}`, 'the update was rolled back');
      r.waitCycles = this.k.now - r.startedAt;
      this.event(r, 'abort', 0, 0, r.error.describe());
      this.k.printk(`${r.kind} ${r.id}: aborted: ${r.error.message}`);
    } finally {
      r.endedAt = this.k.now;
      r.syscallsDuring = this.k.stats.syscalls - syscallsAtStart;
      this.running = null;
    }
  }

  /**
   * Load and link every new version, visible to no one yet: the group's
   * new export slots, and the adaptors its imports need, are made here and
   * only adopted at the switch.
   */
  private prepare(p: Plan): { prepared: Prepared[]; adaptors: NewAdaptor[] } {
    const { symbols, loader } = this.k;
    // Slots for exports the group adds, so members can link to each other.
    const newSlots = new Map<string, Slot>();
    const placeholder = (key: string): Target => ({ module: '-', version: '-', fn: key, call: () => { throw new Error(`${key} is not switched in yet`); }, frame: { module: '-', version: '-', fn: key } });
    for (const m of p.modules) {
      for (const key of m.functions.added.filter((x) => x.includes('@'))) {
        const sym = key.slice(0, key.indexOf('@'));
        const fn = m.newDef.exports![sym]!.fn;
        newSlots.set(key, symbols.create(key, placeholder(key), isGeneratorFunction(fn)));
      }
    }
    const adaptors: NewAdaptor[] = p.adaptors.map(({ key, provider }) => {
      const def = p.modules.find((m) => m.name === provider)?.newDef ?? loader.require(provider).def;
      const slot = symbols.create(key, placeholder(key), isGeneratorFunction(exportCompat(def).get(key)));
      slot.adaptor = true;
      newSlots.set(key, slot);
      return { provider, slot };
    });
    const prepared = p.modules.map((m) => {
      const mod = loader.require(m.name);
      const params: Record<string, ParamValue> = {};
      for (const [name, d] of Object.entries(m.newDef.params ?? {})) params[name] = name in mod.params ? mod.params[name]! : d.default;
      const imports = new Map<string, Slot>();
      for (const [sym, iface] of Object.entries(m.newDef.requires ?? {})) {
        const key = `${sym}@${iface}`;
        imports.set(key, newSlots.get(key) ?? symbols.get(key)!);
      }
      const ctx = loader.context(m.newDef, params, imports);
      const built = buildTargets(m.newDef, ctx);
      const own = new Map<string, Slot>();
      for (const [key, bt] of built.exports) {
        const slot = newSlots.get(key);
        if (slot) {
          slot.target = bt.target;
          own.set(key, slot);
        }
      }
      for (const a of adaptors) if (a.provider === m.name) a.slot.target = built.compat.get(a.slot.key)!.target;
      return { plan: m, ctx, imports, exports: built.exports, compat: built.compat, ops: built.ops, views: built.views, newSlots: own };
    });
    // Adaptors from modules outside the group run in their running version's context.
    for (const a of adaptors) {
      if (p.modules.some((m) => m.name === a.provider)) continue;
      const owner = loader.require(a.provider);
      a.slot.target = makeTarget(owner.name, owner.def.version, a.slot.key, exportCompat(owner.def).get(a.slot.key)!.bind(null, owner.ctx));
    }
    return { prepared, adaptors };
  }

  /** The slots of the group's running versions: their exports and ops entries. */
  private slotsOf(names: Iterable<string>): Slot[] {
    const out: Slot[] = [];
    for (const name of names) {
      const mod = this.k.loader.require(name);
      out.push(...mod.exports.values());
      for (const key of mod.opsTables) {
        const [kind, tname] = key.split(':') as [never, string];
        const table = this.k.ops.get(kind, tname);
        out.push(...Object.values(table?.slots ?? {}));
        for (const v of table?.views.values() ?? []) out.push(...Object.values(v.adaptors));
      }
    }
    return out;
  }

  /** Threads (other than `self`) with a frame in one of `modules`. */
  private busyThreads(modules: ReadonlyMap<string, string | null>, self: Thread): Thread[] {
    return this.k.sched.threads().filter((t) => t !== self && hasFrameIn(t.frames, modules));
  }

  private describeBusy(threads: readonly Thread[], modules: ReadonlyMap<string, string | null>): string {
    return threads
      .map((t) => `thread ${t.tid} (${t.name}) in ${t.frames.filter((f) => hasFrameIn([f], modules)).map((f) => `${f.module}@${f.version}:${f.fn}`).join(' > ')}${t.waitChannel ? `, waiting on ${t.waitChannel}` : ''}`)
      .join('; ');
  }

  /**
   * Transfer and switch, atomically. Returns the simulated cycles they cost,
   * and the phase events to emit once the caller's pause is measured.
   */
  private transferAndSwitch(prepared: readonly Prepared[], adaptors: readonly NewAdaptor[], r: UpdateRecord): { cycles: number; emit: () => void } {
    const w0 = wallNow();
    const results: (TransferResult | null)[] = prepared.map((x) => {
      if (!needsTransfer(x.plan)) return null;
      const name = x.plan.name;
      const schemas = Object.fromEntries(Object.keys(x.plan.oldDef.records ?? {}).map((t) => [t, this.k.store.schemaOf(name, t)]));
      return transferImage(this.k.store.image(name), schemas, x.plan, { lazy: r.plan.lazy, pending: this.lazy, update: r.id });
    });
    const records = results.reduce((n, x) => n + (x?.records ?? 0), 0);
    const lazyTables = results.flatMap((x, i) => (x?.lazy ?? []).map((l) => `${prepared[i]!.plan.name}/${l.table}`));
    const cycles = results.some((x) => x) ? transferCycles(records, prepared.some((x) => x.plan.stateTransfer)) : 0;
    const w1 = wallNow();
    r.recordsMigrated = records;
    const what = !results.some((x) => x) ? 'code only: nothing to transfer' : `${records} records migrated${lazyTables.length ? `; left to migrate on access: ${lazyTables.join(', ')}` : ''}`;
    applySwitch(this.k, prepared, results, adaptors);
    // Committed from here on: the lazy steps take effect with the new schemas.
    results.forEach((x, i) => {
      const name = prepared[i]!.plan.name;
      for (const t of x?.eager ?? []) this.lazy.clear(name, t);
      for (const l of x?.lazy ?? []) {
        this.lazy.add(name, l.table, l.step);
        if (r.plan.sweep) this.k.spawnKernel(`ksweep/${name}/${l.table}`, this.lazy.sweep(name, l.table, this.k.store.table(name, l.table)));
      }
    });
    const w2 = wallNow();
    r.pauseWallUs = w2 - w0;
    r.waitCycles = this.k.now - r.startedAt;
    const slots = this.slotsOf(prepared.map((x) => x.plan.name)).length;
    // The events go out after the pause is measured: a listener (the console) must not lengthen it.
    const emit = () => {
      this.event(r, 'transfer', cycles, w1 - w0, what);
      this.event(r, 'switch', 100, w2 - w1, `${slots} slots retargeted`);
    };
    return { cycles: cycles + 100, emit };
  }

  /** K42's hot-swap: FORWARD, then BLOCK until no thread has a frame in the group, then swap. */
  private *quiesceModule(prepared: readonly Prepared[], adaptors: readonly NewAdaptor[], p: Plan, r: UpdateRecord, group: Map<string, null>, self: Thread): KGen<void> {
    const sched = this.k.sched;
    const gate = new ModuleGate(group, sched);
    const slots = this.slotsOf(group.keys());
    for (const s of slots) s.gate = gate;
    const t0 = sched.now;
    try {
      // FORWARD: the gate counts calls in flight. K42 needed this phase to learn
      // of calls that began before the mediator was installed; here the shadow
      // stacks show them already, so one poll suffices.
      yield* sched.sleep(this.tuning.pollCycles);
      this.event(r, 'forward', sched.now - t0, 0, `${this.busyThreads(group, self).length} thread(s) in flight`);
      gate.phase = 'block';
      const t1 = sched.now;
      for (;;) {
        const busy = this.busyThreads(group, self);
        if (busy.length === 0) break;
        if (sched.now - r.startedAt >= p.timeout) {
          throw err('ETIMEDOUT', `update did not quiesce within ${p.timeout} cycles: ${this.describeBusy(busy, group)}`, 'try again later, raise --timeout, or see ps for what holds the thread');
        }
        yield* sched.sleep(this.tuning.pollCycles);
      }
      this.event(r, 'block', sched.now - t1, 0, `quiescent; ${gate.heldCalls} call(s) held at the gate`);
      const done = this.transferAndSwitch(prepared, adaptors, r);
      sched.work(done.cycles);
      done.emit();
    } finally {
      for (const s of slots) if (s.gate === gate) s.gate = null;
      gate.open();
      r.heldCalls = gate.heldCalls;
      r.heldCycles = gate.heldCycles;
    }
  }

  /** Livepatch's consistency model: each thread moves to the new code when no old frame of the group is on its stack. */
  private *quiesceTask(prepared: readonly Prepared[], adaptors: readonly NewAdaptor[], p: Plan, r: UpdateRecord, self: Thread): KGen<void> {
    const { sched, hooks } = this.k;
    const old = new Map<string, string>(p.modules.map((m) => [m.name, m.from]));
    const next = new Map<string, Target>();
    for (const x of prepared) {
      for (const [key, bt] of x.compat) next.set(key, bt.target);
      for (const [key, bt] of x.exports) next.set(key, bt.target);
      for (const [table, ops] of x.ops) for (const [op, bt] of ops) next.set(`${table}.${op}`, bt.target);
      for (const [table, byVersion] of x.views) for (const [version, ops] of byVersion) for (const [op, bt] of ops) next.set(viewSlotKey(table, version, op), bt.target);
    }
    const gate = new TransitionGate(next, sched.threads().filter((t) => t !== self));
    const slots = this.slotsOf(old.keys());
    for (const s of slots) s.gate = gate;
    const trySwitch = (t: Thread) => {
      if (gate.unpatched.has(t.tid) && !hasFrameIn(t.frames, old)) gate.unpatched.delete(t.tid);
    };
    const before = hooks.syscallReturn;
    hooks.syscallReturn = (t) => {
      before?.(t);
      trySwitch(t);
    };
    const t0 = sched.now;
    const total = gate.unpatched.size;
    try {
      for (;;) {
        for (const tid of [...gate.unpatched]) {
          const t = sched.thread(tid);
          if (!t) gate.unpatched.delete(tid);
          else trySwitch(t);
        }
        if (gate.unpatched.size === 0) break;
        if (sched.now - r.startedAt >= p.timeout) {
          const stuck = [...gate.unpatched].map((tid) => sched.thread(tid)!).filter(Boolean);
          throw err('ETIMEDOUT', `update did not complete its transition within ${p.timeout} cycles: ${this.describeBusy(stuck, old)}`, 'try again later, raise --timeout, or see ps for what holds the thread');
        }
        yield* sched.sleep(this.tuning.pollCycles);
      }
      this.event(r, 'quiesce', sched.now - t0, 0, `${total} thread(s) switched, none waited`);
      const done = this.transferAndSwitch(prepared, adaptors, r);
      sched.work(done.cycles);
      done.emit();
    } finally {
      hooks.syscallReturn = before;
      for (const s of slots) if (s.gate === gate) s.gate = null;
    }
  }

  /** Ksplice: stop every CPU at a step boundary; swap if no stack holds the group, else resume and retry, then abort. */
  private *quiesceStop(prepared: readonly Prepared[], adaptors: readonly NewAdaptor[], p: Plan, r: UpdateRecord, group: Map<string, null>, self: Thread): KGen<void> {
    const sched = this.k.sched;
    type Outcome = { kind: 'busy'; busy: string } | { kind: 'done' } | { kind: 'failed'; error: unknown };
    const done = sched.waitQueue('stop-machine');
    const jitter = this.k.machine.rng.fork(0x5709 + r.id);
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
          const busy = this.busyThreads(group, self);
          if (busy.length > 0) {
            box.outcome = { kind: 'busy', busy: this.describeBusy(busy, group) }; // now: their stacks change once the CPUs restart
            stoppedFor = 200;
          } else {
            const switched = this.transferAndSwitch(prepared, adaptors, r);
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
      this.event(r, 'stop', sched.now - t0, stoppedWallUs, `attempt ${attempt}: ${o.kind === 'busy' ? `busy: ${o.busy}` : o.kind}`);
      if (o.kind === 'done') {
        r.pauseWallUs = stoppedWallUs; // the whole stop: stack check, transfer and switch
        return;
      }
      if (o.kind === 'failed') throw o.error;
      if (attempt >= this.tuning.stopAttempts || sched.now - r.startedAt >= p.timeout) {
        throw err('EBUSY', `stop-machine found no safe point in ${attempt} attempts; at the last: ${o.busy}`, 'try again later, or use --strategy module, which waits instead');
      }
      yield* sched.sleep(jitter.int(this.tuning.stopRetryCycles >> 2, this.tuning.stopRetryCycles));
    }
  }
}
