// Dynamic update of the object twin, as K42 did it: an update names releases
// (`simplefs@1.2.0`, several for a group); each class whose version changes
// is updated through its factory, which checks the N-1 rule, and every
// instance of it is hot-swapped (hotswap.ts): FORWARD until a generation
// marker elapses, then BLOCK until nothing is in flight, TRANSFER and
// COMPLETE, all instances of the group at once (eager); or each instance on
// its own next call (lazy). Refused before anything starts: a release that is
// unknown, a class version that is not N+1 of the running one, a pair of
// versions with no transfer format in common, and an interface that a
// running class calls and would no longer find (no adaptor).
//
//   plan -> finish pending lazy swaps -> forward (marker) -> block -> transfer -> complete -> commit
//                                             \-> on timeout or a failed transfer: abort, old objects stay
//                                             \-> reversed while pending: the same rollback, outcome reversed
//                                             \-> forced while pending: transfer and complete at once
//
// forward and block wait as a pending transition (exec/pending.ts), as the
// procedural strategies do: its stragglers are the threads the marker waits
// for, then those with calls in flight; a force swaps with them still
// inside the old objects (unsafe: what they change there is lost, hence the
// taint), a reverse takes the mediators out again.
//
// The record, history, the running update and how it ends are the shared
// lifecycle's (exec/lifecycle.ts), as for the procedural updater; what is
// the twin's own is below: the plan by releases and classes, and the
// hot-swap phases.

import { err, isKernelError, KernelError } from '../exec/errno.js';
import { checkPolicy, type PendingTransition, type Straggler, TransitionReversed } from '../exec/pending.js';
import { POLL_CYCLES, type StartedUpdate, type UpdateKind, type UpdateOptions, type UpdateRecord, type UpdateService, type UpdateStep, wallNow } from '../exec/lifecycle.js';
import type { KGen, Thread } from '../exec/thread.js';
import { RELEASES } from './classes/releases.js';
import type { Factory } from './factory.js';
import { ClassSwap, Mediator, SwapSet } from './hotswap.js';
import type { ObjectKernel } from './kernel.js';
import { type ObjClass, transferFormat } from './objclass.js';

/** One class whose version an update changes. */
export interface ClassChange {
  readonly factory: Factory;
  readonly from: ObjClass;
  readonly to: ObjClass;
  readonly format: string;
}

/** What only the twin's record holds: the classes an update changes, and whether --lazy or --eager was given. */
export interface ClassDetail {
  readonly classes: readonly { readonly name: string; readonly from: string; readonly to: string; readonly format: string }[];
  readonly lazyChoice: boolean | undefined;
}

export type ObjectRecord = UpdateRecord<ClassDetail>;

/** The default timeout, for the record of a refused update. */
const DEFAULT_TIMEOUT = checkPolicy({});

const describe = (threads: readonly Thread[]) => threads.map((t) => `thread ${t.tid} (${t.name})${t.waitChannel ? ` waiting on ${t.waitChannel}` : ''}`).join(', ') || 'no thread';

export class ObjectUpdater implements UpdateService {
  readonly flags = ['--lazy', '--eager', '--nowait', '--timeout', '--signal-after', '--reverse-after'] as const;
  readonly strategies: readonly string[] = ['hot-swap'];

  constructor(private readonly k: ObjectKernel) {}

  get lifecycle() {
    return this.k.updates;
  }

  /** Every update and revert on this kernel, oldest first. */
  get history(): readonly ObjectRecord[] {
    return this.k.updates.history as ObjectRecord[];
  }

  /** Check an update of `specs` (`name@version`) and say which classes change; throws the refusal. */
  plan(specs: readonly string[], kind: UpdateKind = 'update'): { releases: { name: string; from: string; to: string }[]; changes: ClassChange[] } {
    if (specs.length === 0) throw err('EINVAL', 'no release to update to', 'name one, e.g. simplefs@1.1.0');
    const releases: { name: string; from: string; to: string }[] = [];
    const target = new Map<Factory, ObjClass>();
    for (const spec of specs) {
      const [name, version] = spec.split('@') as [string, string | undefined];
      const history = RELEASES[name];
      if (!history) throw err('ENOENT', `the object kernel has no component '${name}'`, `components: ${Object.keys(RELEASES).join(', ')}`);
      const classes = version ? history[version] : undefined;
      if (!classes) throw err('ENOENT', `${name} has no release '${version ?? ''}'`, `releases: ${Object.keys(history).join(', ')}`);
      if (releases.some((r) => r.name === name)) throw err('EINVAL', `${name} is named twice`);
      releases.push({ name, from: this.k.releases.get(name)!, to: version! });
      for (const [cls, v] of Object.entries(classes)) {
        const f = this.k.factory(cls);
        if (f.running.version === v) continue;
        target.set(f, kind === 'update' ? this.nextOf(f, v, name) : this.previousOf(f, v));
      }
    }
    if (releases.every((r) => r.from === r.to)) throw err('EINVAL', `${releases.map((r) => `${r.name} ${r.to}`).join(', ')} already running`);
    const changes: ClassChange[] = [];
    for (const [f, to] of target) {
      const from = f.running;
      const format = transferFormat(from, to);
      if (!format) {
        throw err('EINVAL', `${f.name} ${from.version} -> ${to.version}: no transfer format both support (${from.version} exports ${Object.keys(from.exportAs).join(', ')}; ${to.version} imports ${Object.keys(to.importFrom).filter((x) => x !== 'new').join(', ') || 'none'})`, 'this change cannot be made live: it needs a fresh start');
      }
      changes.push({ factory: f, from, to, format });
    }
    this.checkInterfaces(target);
    return { releases, changes };
  }

  /** Start an update as a kernel thread; the machine must run for it to progress. */
  start(specs: readonly string[], opts: UpdateOptions = {}, kind: UpdateKind = 'update'): { record: ObjectRecord; thread: Thread } {
    this.k.updates.refuseIfRunning();
    const w0 = wallNow();
    let planned: ReturnType<ObjectUpdater['plan']>;
    let timeout: number | null;
    try {
      timeout = checkPolicy(opts);
      planned = this.plan(specs, kind);
    } catch (e) {
      // What was asked, and why not, goes into the history; the plan changed nothing.
      const modules = specs.map((spec) => {
        const [name = spec, to = '-'] = spec.split('@');
        return { name, from: this.k.releases.get(name) ?? '-', to };
      });
      this.k.updates.refuse<ClassDetail>({ kind, modules, strategy: 'hot-swap', lazy: opts.lazy === true, timeout: opts.timeout === undefined ? DEFAULT_TIMEOUT : opts.timeout, detail: { classes: [], lazyChoice: opts.lazy } }, w0, e);
      throw e;
    }
    const { releases, changes } = planned;
    const classes = changes.map((c) => ({ name: c.factory.name, from: c.from.version, to: c.to.version, format: c.format }));
    const r = this.k.updates.begin<ClassDetail>(
      {
        kind,
        modules: releases,
        strategy: 'hot-swap',
        lazy: opts.lazy ?? changes.some((c) => c.to.lazy === true),
        timeout,
        signalAfter: opts.signalAfter ?? null,
        reverseAfter: opts.reverseAfter ?? null,
        detail: { classes, lazyChoice: opts.lazy },
      },
      w0,
      classes.map((c) => `${c.name} ${c.from} -> ${c.to} (${c.format})`).join(', ') || 'no class changes',
    );
    const set = new SwapSet(this.k.ott, this.k.sched);
    const marker: { fn: (() => void) | null } = { fn: null };
    const body = this.k.updates.drive(r, this.phases(changes, r, set, marker, this.k.updates.pending!), () => (r.lazy ? 'lazy' : 'eager'), () => this.rollback(set, marker));
    const thread = this.k.spawnKernel(`kupdate-oo/${r.id}`, body);
    return { record: r, thread };
  }

  /** Run an update to its end. Throws the abort's KernelError; returns the record when committed. */
  run(specs: readonly string[], opts: UpdateOptions = {}, kind: UpdateKind = 'update'): ObjectRecord {
    const started = this.start(specs, opts, kind);
    const { timeout } = started.record;
    return this.k.updates.runToEnd(started, timeout === null ? Number.MAX_SAFE_INTEGER : timeout * 4) as ObjectRecord;
  }

  /** The release spec `revert name` goes back to: what `name` ran before its last update. */
  revertTarget(name: string): string {
    const back = this.k.updateStacks.get(name)?.at(-1);
    if (!back) throw err('EINVAL', `nothing to revert: ${name} ${this.k.releases.get(name) ?? ''} was not reached by an update`, 'history lists the updates');
    return `${name}@${back}`;
  }

  /** Go back to the release `name` ran before its last update. */
  revert(name: string, opts: UpdateOptions = {}): ObjectRecord {
    return this.run([this.revertTarget(name)], opts, 'revert');
  }

  // --- the UpdateService interface ---

  async dryRun(step: UpdateStep): Promise<string[]> {
    const { changes } = this.plan(this.specsOf(step), step.kind);
    return changes.map((c) => `${c.factory.name} ${c.from.version} -> ${c.to.version}: ${c.factory.instances.size} instance(s), transfer format ${c.format}${c.to.iface !== c.from.iface ? `, interface ${c.from.iface} -> ${c.to.iface}` : ''}`);
  }

  async request(step: UpdateStep, opts: UpdateOptions = {}): Promise<StartedUpdate> {
    if (opts.strategy !== undefined && opts.strategy !== 'hot-swap') throw err('EINVAL', `the object twin updates by hot-swap only, not ${opts.strategy}`);
    return this.start(this.specsOf(step), opts, step.kind);
  }

  summary(rec: UpdateRecord): string {
    const r = rec as ObjectRecord;
    const what = r.modules.map((x) => `${x.name} ${x.from} -> ${x.to}`).join(', ');
    return `${r.kind} ${r.id} committed: ${what} (${r.detail.classes.map((c) => `${c.name} ${c.to}`).join(', ')}): waited ${r.waitCycles} cycles, paused ${r.pauseWallUs.toFixed(0)} us, ${r.heldCalls} call(s) held, ${r.migrated} swapped${r.pending ? `, ${r.pending} left to swap on their next call` : ''}`;
  }

  private specsOf(step: UpdateStep): readonly string[] {
    return step.kind === 'revert' ? [this.revertTarget(step.specs[0]!)] : step.specs;
  }

  /** The factory's N-1 check, with the hint naming the release to apply first. */
  private nextOf(f: Factory, version: string, component: string): ObjClass {
    try {
      return f.next(version);
    } catch (e) {
      const want = f.history[f.history.indexOf(f.running) + 1]?.version;
      const release = Object.entries(RELEASES[component] ?? {}).find(([, cls]) => cls[f.name] === want)?.[0];
      if (isKernelError(e) && release) throw new KernelError(e.errno, e.message, `update ${component}@${release} first`);
      throw e;
    }
  }

  private previousOf(f: Factory, version: string): ObjClass {
    const p = f.previous();
    if (p.version !== version) throw err('EINVAL', `${f.name} runs ${f.running.version}; a revert goes back to ${p.version}, not ${version}`);
    return p;
  }

  /** Every class running after the update must find the interface versions it calls, natively or through an adaptor. */
  private checkInterfaces(target: ReadonlyMap<Factory, ObjClass>): void {
    const after = new Map([...this.k.factories.values()].map((f) => [f.name, target.get(f) ?? f.running]));
    // Instances still waiting for a lazy swap run their old class's code.
    const callers = [...after.values(), ...[...this.k.factories.values()].flatMap((f) => [...f.pending.values()].map((m) => m.swap.cls.from))];
    for (const caller of new Set(callers)) {
      for (const [callee, want] of Object.entries(caller.uses ?? {})) {
        const c = after.get(callee);
        if (!c || want === c.iface || c.adaptors?.[want]) continue;
        const provider = Object.entries(RELEASES).find(([, rs]) => Object.values(rs).some((cls) => cls[callee] !== undefined))?.[0] ?? callee;
        throw err(
          want > c.iface ? 'ENOSYS' : 'EINVAL',
          `${caller.name} ${caller.version} calls ${callee} interface ${want}; ${callee} ${c.version} implements ${c.iface}${want < c.iface ? ' and has no adaptor for it' : ''}`,
          `update ${caller.name}'s release in the same group, or ${provider} to a version that implements interface ${want}`,
        );
      }
    }
  }

  /** The hot-swap's phases; the lifecycle commits when they return and rolls back when they throw. */
  private *phases(changes: readonly ClassChange[], r: ObjectRecord, set: SwapSet, marker: { fn: (() => void) | null }, pending: PendingTransition): KGen<void> {
    const { k } = this;
    const overdue = (what: () => string) => {
      k.updates.throwIfCancelled(r);
      if (pending.overdue()) throw err('ETIMEDOUT', `update did not quiesce within ${r.timeout} cycles: ${what()}`, 'try again later or raise the timeout');
    };
    /** try_complete's decision while the swap waits: a reverse ends it (the rollback takes the mediators out), a force stops the waiting. */
    const forcedNow = (stuck: () => readonly Thread[]): boolean => {
      const what = pending.next();
      if (what === 'reverse') throw new TransitionReversed();
      if (what === 'force') pending.forced(stuck());
      return what === 'force';
    };
    let waitingFor: () => readonly Thread[] = () => [];
    pending.watch({
      state: (t) => (set.holds(t) ? 'held' : waitingFor().includes(t) ? 'old' : null),
      stragglers: () => waitingFor().map((t): Straggler => ({ thread: t, where: set.where.get(t) ?? t.syscall ?? '-' })),
    });
    try {
      yield* this.finishLazy(changes, r, overdue);
      // FORWARD: mediators in, calls counted; wait for the marker so that calls begun before are over.
      const t0 = k.now;
      const complete = (m: Mediator) => this.swapLazily(m);
      const swaps = changes.map((c) => new ClassSwap(c.factory, c.from, c.to, c.format));
      for (const cs of swaps) {
        for (const [id, { obj }] of cs.factory.instances) {
          const m = new Mediator(set, { cls: cs, id }, obj, complete);
          k.ott.mediate(id, m);
          cs.factory.pending.set(id, m);
        }
      }
      let elapsed = false;
      const markedAt = k.generations.current;
      marker.fn = () => void (elapsed = true);
      k.generations.marker(marker.fn);
      waitingFor = () => k.generations.threadsSince(markedAt);
      while (!elapsed) {
        if (forcedNow(waitingFor)) {
          k.generations.cancel(marker.fn);
          break;
        }
        overdue(() => `the generation marker waits for ${describe(k.generations.threadsSince(markedAt))}, in the kernel since before the swap began`);
        yield* pending.pause(POLL_CYCLES);
      }
      marker.fn = null;
      k.updates.event(r, 'forward', k.now - t0, 0, `${set.mediators.length} mediator(s); generation marker elapsed at generation ${k.generations.current}`);
      const lazy = swaps.filter((cs) => this.isLazy(cs, r));
      const eager = set.mediators.filter((m) => !lazy.includes(m.swap.cls));
      if (eager.length > 0) {
        // BLOCK: new calls wait; threads already inside finish.
        const t1 = k.now;
        for (const cs of swaps) if (!lazy.includes(cs)) cs.phase = 'block';
        waitingFor = () => set.busy();
        while (!pending.appliedForce && eager.some((m) => m.inflight > 0)) {
          if (forcedNow(waitingFor)) break;
          overdue(() => describe(set.busy()));
          yield* pending.pause(POLL_CYCLES);
        }
        k.updates.event(r, 'block', k.now - t1, 0, `${set.held} call(s) held so far`);
      }
      this.transferAndComplete(swaps, eager, lazy, set, r);
      // commit: the running releases and their update stacks
      for (const rel of r.modules) {
        k.releases.set(rel.name, rel.to);
        const stack = k.updateStacks.get(rel.name) ?? [];
        if (r.kind === 'revert') stack.pop();
        else stack.push(rel.from);
        k.updateStacks.set(rel.name, stack);
      }
    } finally {
      pending.watch(null);
      r.heldCalls = set.held;
      r.heldCycles = set.heldCycles;
    }
  }

  /** Abort: the marker is cancelled and every mediator goes; held callers re-dispatch to the old objects. */
  private rollback(set: SwapSet, marker: { fn: (() => void) | null }): void {
    const { k } = this;
    if (marker.fn) k.generations.cancel(marker.fn);
    for (const m of set.mediators) {
      if (m.phase === 'done') continue;
      if (k.instance(m.swap.id)) k.ott.mediate(m.swap.id, null);
      m.swap.cls.factory.pending.delete(m.swap.id);
      m.release(); // held callers re-dispatch to the old object
    }
  }

  /** Instances of these classes still waiting for a lazy swap from an earlier update are swapped first. */
  private *finishLazy(changes: readonly ClassChange[], r: ObjectRecord, overdue: (what: () => string) => void): KGen<void> {
    const t0 = this.k.now;
    let swapped = 0;
    for (const c of changes) {
      while (c.factory.pending.size > 0) {
        for (const m of [...c.factory.pending.values()]) if (m.trySwap()) swapped++;
        if (c.factory.pending.size === 0) break;
        overdue(() => `${c.factory.pending.size} ${c.factory.name} instance(s) of an earlier lazy update are still busy`);
        yield* this.k.sched.sleep(POLL_CYCLES);
      }
    }
    if (swapped > 0) this.k.updates.event(r, 'finish-lazy', this.k.now - t0, 0, `${swapped} instance(s) of an earlier lazy update swapped first`);
  }

  /** The new object of one instance: the old one exports, a copy is imported. Throws ECANCELED naming it. */
  private transfer(m: Mediator): object {
    const { id, cls: { from, to, format } } = m.swap;
    try {
      // Shadows hang on the id, not the object: the transfer may read them, never change them (oo/shadow.ts).
      return this.k.shadows.duringTransfer(() => to.importFrom[format]!(structuredClone(from.exportAs[format]!(m.old)), this.k.env));
    } catch (e) {
      throw err('ECANCELED', `transfer of ${from.name} ${id} (${from.version} -> ${to.version}, format ${format}) failed: ${e instanceof Error ? e.message : String(e)}`, 'the update was rolled back; every object is as it was');
    }
  }

  private install(m: Mediator, obj: object): void {
    const { id, cls: { factory, to } } = m.swap;
    this.k.ott.mediate(id, null);
    this.k.ott.setRoot(id, obj, to.iface);
    factory.instances.set(id, { obj, cls: to });
    factory.pending.delete(id);
    m.release();
  }

  private isLazy(cs: ClassSwap, r: ObjectRecord): boolean {
    return r.detail.lazyChoice ?? cs.to.lazy === true;
  }

  /**
   * TRANSFER and COMPLETE. Eager instances: every transfer first, then every
   * install, so nothing is installed unless every transfer succeeded. Lazy
   * classes: the transfer is tried on one instance (so a broken one still
   * aborts the update), and the rest is left to each instance's next call.
   */
  private transferAndComplete(swaps: readonly ClassSwap[], eager: readonly Mediator[], lazy: readonly ClassSwap[], set: SwapSet, r: ObjectRecord): void {
    const w0 = wallNow();
    const live = eager.filter((m) => m.swap.cls.factory.instances.has(m.swap.id));
    const made = live.map((m) => this.transfer(m));
    for (const cs of lazy) {
      const m = set.mediators.find((x) => x.swap.cls === cs && cs.factory.instances.has(x.swap.id));
      if (m) this.transfer(m);
    }
    const cycles = 500 + 30 * made.length;
    this.k.sched.work(cycles);
    const w1 = wallNow();
    live.forEach((m, i) => this.install(m, made[i]!));
    for (const m of eager) if (m.phase !== 'done') m.release(); // destroyed during the swap
    for (const cs of lazy) cs.phase = 'lazy'; // one write per class: each instance swaps on its next call
    for (const cs of swaps) cs.factory.commit(cs.to);
    const w2 = wallNow();
    r.pauseWallUs = w2 - w0;
    r.waitCycles = this.k.now - r.startedAt;
    r.migrated = made.length;
    r.pending = lazy.reduce((n, cs) => n + cs.factory.pending.size, 0);
    this.k.updates.event(r, 'transfer', cycles, w1 - w0, `${made.length} instance(s) exported and imported${lazy.length ? `; ${lazy.map((cs) => cs.factory.name).join(', ')} left to swap on each instance's next call` : ''}`);
    this.k.updates.event(r, 'complete', 0, w2 - w1, `${made.length} object(s) installed, ${r.pending} lazy swap(s) pending, ${set.held} held call(s) re-dispatched`);
  }

  /** A lazy swap of one instance, on its next call. A failing transfer keeps the old object and is an oops. */
  private swapLazily(m: Mediator): void {
    let obj: object;
    try {
      obj = this.transfer(m);
    } catch (e) {
      this.k.oops(`lazy swap of ${m.swap.cls.from.name} ${m.swap.id}`, e);
      this.k.ott.mediate(m.swap.id, null);
      m.swap.cls.factory.pending.delete(m.swap.id);
      m.release();
      return;
    }
    this.install(m, obj);
  }
}
