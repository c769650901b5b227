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

import { err, isKernelError, KernelError } from '../exec/errno.js';
import type { KGen, Thread } from '../exec/thread.js';
import { RELEASES } from './classes/releases.js';
import type { Factory } from './factory.js';
import { ClassSwap, Mediator, SwapSet } from './hotswap.js';
import type { ObjectKernel } from './kernel.js';
import { type ObjClass, transferFormat } from './objclass.js';

export type OoPhase = 'plan' | 'finish-lazy' | 'forward' | 'block' | 'transfer' | 'complete' | 'commit' | 'abort';

export interface OoPhaseEvent {
  readonly phase: OoPhase;
  readonly at: number;
  readonly cycles: number;
  readonly wallUs: number;
  readonly detail: string;
}

/** One class whose version an update changes. */
export interface ClassChange {
  readonly factory: Factory;
  readonly from: ObjClass;
  readonly to: ObjClass;
  readonly format: string;
}

export interface OoUpdateOptions {
  /** Swap each instance on its next call (true), all at once (false), or as the new class version says (undefined). */
  readonly lazy?: boolean;
  /** Cycles to wait for quiescence before aborting. */
  readonly timeout?: number;
}

export interface OoUpdateRecord {
  readonly id: number;
  readonly kind: 'update' | 'revert';
  readonly releases: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  readonly classes: readonly { readonly name: string; readonly from: string; readonly to: string; readonly format: string }[];
  /** Whether some class is swapped lazily: all of them with --lazy, none with --eager, else those whose new version says so. */
  readonly lazy: boolean;
  /** The --lazy / --eager choice, if one was made. */
  readonly lazyChoice: boolean | undefined;
  outcome: 'running' | 'committed' | 'aborted';
  error: KernelError | null;
  readonly phases: OoPhaseEvent[];
  readonly startedAt: number;
  endedAt: number | null;
  syscallsDuring: number;
  /** Wall time of the atomic section: TRANSFER and COMPLETE (lazy: installing the lazy swaps). */
  pauseWallUs: number;
  /** Calls held at a mediator, and the cycles they waited in all (counted when they are let go). */
  heldCalls: number;
  heldCycles: number;
  /** Cycles from the start of the update to COMPLETE (or abort). */
  waitCycles: number;
  /** Instances swapped during the update (lazy: left to swap on their next call). */
  instances: number;
  pending: number;
}

export const OO_DEFAULT_TIMEOUT = 5_000_000;
const POLL_CYCLES = 1_000;
const wallNow = () => Number(process.hrtime.bigint()) / 1000;
const describe = (threads: readonly Thread[]) => threads.map((t) => `thread ${t.tid} (${t.name})${t.waitChannel ? ` waiting on ${t.waitChannel}` : ''}`).join(', ') || 'no thread';

export class ObjectUpdater {
  readonly history: OoUpdateRecord[] = [];
  running: OoUpdateRecord | null = null;
  /** For each release, the releases it ran before each committed update, newest last. */
  private readonly previous = new Map<string, string[]>();
  onEvent: ((r: OoUpdateRecord, e: OoPhaseEvent) => void) | null = null;

  constructor(private readonly k: ObjectKernel) {}

  /** Check an update of `specs` (`name@version`) and say which classes change; throws the refusal. */
  plan(specs: readonly string[], kind: 'update' | 'revert' = 'update'): { releases: OoUpdateRecord['releases']; changes: ClassChange[] } {
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
  start(specs: readonly string[], opts: OoUpdateOptions = {}, kind: 'update' | 'revert' = 'update'): { record: OoUpdateRecord; thread: Thread } {
    if (this.running) throw err('EBUSY', `update ${this.running.id} is still in progress`, 'wait for it and try again');
    const w0 = wallNow();
    const { releases, changes } = this.plan(specs, kind);
    const lazy = opts.lazy ?? changes.some((c) => c.to.lazy === true);
    const r: OoUpdateRecord = {
      id: this.history.length + 1,
      kind,
      releases,
      classes: changes.map((c) => ({ name: c.factory.name, from: c.from.version, to: c.to.version, format: c.format })),
      lazy,
      lazyChoice: opts.lazy,
      outcome: 'running',
      error: null,
      phases: [],
      startedAt: this.k.now,
      endedAt: null,
      syscallsDuring: 0,
      pauseWallUs: 0,
      heldCalls: 0,
      heldCycles: 0,
      waitCycles: 0,
      instances: 0,
      pending: 0,
    };
    this.history.push(r);
    this.running = r;
    this.event(r, 'plan', 0, wallNow() - w0, r.classes.map((c) => `${c.name} ${c.from} -> ${c.to} (${c.format})`).join(', ') || 'no class changes');
    const thread = this.k.spawnKernel(`kupdate-oo/${r.id}`, this.body(changes, r, opts.timeout ?? OO_DEFAULT_TIMEOUT, this.k.stats.syscalls));
    return { record: r, thread };
  }

  /** Run an update to its end. Throws the abort's KernelError; returns the record when committed. */
  run(specs: readonly string[], opts: OoUpdateOptions = {}, kind: 'update' | 'revert' = 'update'): OoUpdateRecord {
    const { record, thread } = this.start(specs, opts, kind);
    this.k.runThread(thread, (opts.timeout ?? OO_DEFAULT_TIMEOUT) * 4);
    if (record.error) throw record.error;
    return record;
  }

  /** The release spec `revert name` goes back to: what `name` ran before its last update. */
  revertTarget(name: string): string {
    const back = this.previous.get(name)?.at(-1);
    if (!back) throw err('EINVAL', `nothing to revert: ${name} ${this.k.releases.get(name) ?? ''} was not reached by an update`, 'history lists the updates');
    return `${name}@${back}`;
  }

  /** Go back to the release `name` ran before its last update. */
  revert(name: string, opts: OoUpdateOptions = {}): OoUpdateRecord {
    return this.run([this.revertTarget(name)], opts, 'revert');
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

  private event(r: OoUpdateRecord, phase: OoPhase, cycles: number, wallUs: number, detail: string): void {
    const e: OoPhaseEvent = { phase, at: this.k.now, cycles, wallUs, detail };
    r.phases.push(e);
    this.k.machine.events.trace.mixString(`oo-update:${r.id}:${phase}`);
    this.onEvent?.(r, e);
  }

  private *body(changes: readonly ClassChange[], r: OoUpdateRecord, timeout: number, syscallsAtStart: number): KGen<void> {
    const { k } = this;
    const set = new SwapSet(k.ott, k.sched);
    let marker: (() => void) | null = null;
    const overdue = (what: () => string) => {
      if (k.now - r.startedAt >= timeout) throw err('ETIMEDOUT', `update did not quiesce within ${timeout} cycles: ${what()}`, 'try again later or raise the timeout');
    };
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
      marker = () => void (elapsed = true);
      k.generations.marker(marker);
      while (!elapsed) {
        overdue(() => `the generation marker waits for ${describe(k.generations.threadsSince(markedAt))}, in the kernel since before the swap began`);
        yield* k.sched.sleep(POLL_CYCLES);
      }
      marker = null;
      this.event(r, 'forward', k.now - t0, 0, `${set.mediators.length} mediator(s); generation marker elapsed at generation ${k.generations.current}`);
      const lazy = swaps.filter((cs) => this.isLazy(cs, r));
      const eager = set.mediators.filter((m) => !lazy.includes(m.swap.cls));
      if (eager.length > 0) {
        // BLOCK: new calls wait; threads already inside finish.
        const t1 = k.now;
        for (const cs of swaps) if (!lazy.includes(cs)) cs.phase = 'block';
        while (eager.some((m) => m.inflight > 0)) {
          overdue(() => describe(set.busy()));
          yield* k.sched.sleep(POLL_CYCLES);
        }
        this.event(r, 'block', k.now - t1, 0, `${set.held} call(s) held so far`);
      }
      this.transferAndComplete(swaps, eager, lazy, set, r);
      r.outcome = 'committed';
      for (const rel of r.releases) {
        k.releases.set(rel.name, rel.to);
        const stack = this.previous.get(rel.name) ?? [];
        if (r.kind === 'revert') stack.pop();
        else stack.push(rel.from);
        this.previous.set(rel.name, stack);
      }
      this.event(r, 'commit', 0, 0, `${r.releases.map((x) => `${x.name} ${x.to}`).join(', ')} running`);
      k.printk(`${r.kind} ${r.id}: ${r.releases.map((x) => `${x.name} ${x.from} -> ${x.to}`).join(', ')} committed (${r.lazy ? 'lazy' : 'eager'})`);
    } catch (e) {
      if (marker) k.generations.cancel(marker);
      for (const m of set.mediators) {
        if (m.phase === 'done') continue;
        if (k.instance(m.swap.id)) k.ott.mediate(m.swap.id, null);
        m.swap.cls.factory.pending.delete(m.swap.id);
        m.release(); // held callers re-dispatch to the old object
      }
      r.outcome = 'aborted';
      r.error = isKernelError(e) ? e : new KernelError('ECANCELED', `update failed: ${e instanceof Error ? e.message : String(e)}`, 'the update was rolled back');
      r.waitCycles = k.now - r.startedAt;
      this.event(r, 'abort', 0, 0, r.error.describe());
      k.printk(`${r.kind} ${r.id}: aborted: ${r.error.message}`);
    } finally {
      r.heldCalls = set.held;
      r.heldCycles = set.heldCycles;
      r.endedAt = k.now;
      r.syscallsDuring = k.stats.syscalls - syscallsAtStart;
      this.running = null;
    }
  }

  /** Instances of these classes still waiting for a lazy swap from an earlier update are swapped first. */
  private *finishLazy(changes: readonly ClassChange[], r: OoUpdateRecord, overdue: (what: () => string) => void): KGen<void> {
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
    if (swapped > 0) this.event(r, 'finish-lazy', this.k.now - t0, 0, `${swapped} instance(s) of an earlier lazy update swapped first`);
  }

  /** The new object of one instance: the old one exports, a copy is imported. Throws ECANCELED naming it. */
  private transfer(m: Mediator): object {
    const { id, cls: { from, to, format } } = m.swap;
    try {
      return to.importFrom[format]!(structuredClone(from.exportAs[format]!(m.old)), this.k.env);
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

  private isLazy(cs: ClassSwap, r: OoUpdateRecord): boolean {
    return r.lazyChoice ?? cs.to.lazy === true;
  }

  /**
   * TRANSFER and COMPLETE. Eager instances: every transfer first, then every
   * install, so nothing is installed unless every transfer succeeded. Lazy
   * classes: the transfer is tried on one instance (so a broken one still
   * aborts the update), and the rest is left to each instance's next call.
   */
  private transferAndComplete(swaps: readonly ClassSwap[], eager: readonly Mediator[], lazy: readonly ClassSwap[], set: SwapSet, r: OoUpdateRecord): void {
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
    r.instances = made.length;
    r.pending = lazy.reduce((n, cs) => n + cs.factory.pending.size, 0);
    this.event(r, 'transfer', cycles, w1 - w0, `${made.length} instance(s) exported and imported${lazy.length ? `; ${lazy.map((cs) => cs.factory.name).join(', ')} left to swap on each instance's next call` : ''}`);
    this.event(r, 'complete', 0, w2 - w1, `${made.length} object(s) installed, ${r.pending} lazy swap(s) pending, ${set.held} held call(s) re-dispatched`);
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
