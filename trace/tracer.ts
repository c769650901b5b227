// Records what a kernel on the simulated machine does, as a trace that
// Perfetto opens (format.ts). Per kernel, one process with a track per CPU
// (each run of consecutive steps of one thread, with the cycles they cost),
// a track for stop-machine, a track of the updates (one slice each, from
// start to commit or abort) and one of their phases (from the shared
// lifecycle, with a second one where phases overlap), and a track per
// thread: its syscalls, the module frames on its shadow stack
// (`module@version:fn`, nested) and the intervals it is blocked, named by
// what it waits on (calls held at an update's gate among them, also counted
// on a counter track). Several kernels go into one trace as processes
// (`livemod compare`).
//
// It only subscribes to the kernel's hook points (the scheduler's, the
// syscall entry's, the update lifecycle's), so tracing changes nothing the
// machine does and the trace hash stays the same.
//
// Time: simulated time does not move inside a step, so a slice on a thread's
// track begins and ends at the start of the step in which its call began and
// ended (or, for a blocked interval, at the wake-up), and its begin and end
// events are written as they happen: they nest exactly as the calls did. An
// update phase is drawn as the lifecycle reports it, the `cycles` before its
// end `at` (work charged to a step may so reach back into the phase before
// it), so the phase tracks are laid out when the trace ends.

import type { Executive } from '../exec/executive.js';
import { type PhaseEvent, UpdateLifecycle, type UpdateRecord } from '../exec/lifecycle.js';
import type { StopPhase } from '../exec/stop-machine.js';
import type { Frame, Thread } from '../exec/thread.js';
import { Lanes, meta, nest, ordered, type Slice, TIME_UNIT, type TraceEvent, type TraceFile, us } from './format.js';

/** Wait channels of calls an update holds: the module gate (updater/gates.ts) and the twin's hot-swap mediators (oo/hotswap.ts). */
const HELD = /^(update gate|hot-swap of) /;

/** Each process's tids: CPUs from 0, the stop-machine track, the updates, their phases, then each thread at THREADS + its tid (tids are unique across processes). */
const PROCESS_SPAN = 1_000_000;
const MACHINE = 900;
const UPDATES = 1_000;
const PHASES = 1_001;
const THREADS = 10_000;

/** A slice begun on a thread's track (its B event is written). */
interface Open {
  readonly name: string;
  readonly cat: string;
}

interface ThreadTrack {
  readonly tid: number;
  /** The syscall and frames open, outermost first. */
  readonly stack: Open[];
  blocked: Open | null;
}

/** Consecutive steps of one thread on one CPU. */
interface CpuRun {
  readonly thread: Thread;
  readonly ts: number;
  end: number;
  steps: number;
}

const frameName = (f: Frame) => `${f.module}@${f.version}:${f.fn}`;

/** One kernel's process in the trace, fed by its hook points. */
class KernelTrace {
  readonly events: TraceEvent[] = [];
  /** Pops and wake-ups that matched nothing open (0 unless a hook point is missed). */
  unmatched = 0;
  private readonly threads = new Map<number, ThreadTrack>();
  private readonly runs: (CpuRun | null)[];
  private readonly lanes = new Lanes();
  /** The slices of each phase track, laid out as begin/end pairs when the trace ends. */
  private readonly laneSlices: Slice[][] = [];
  /** Whether a slice is open on the stop-machine track. */
  private stopping = false;
  private held = 0;
  private readonly off: (() => void)[];

  constructor(
    private readonly k: Executive,
    private readonly pid: number,
    name: string,
  ) {
    const { sched, hooks, updates, machine } = k;
    this.runs = machine.cpus.map(() => null);
    this.meta('process_name', `${name}: seed ${machine.config.seed}, ${machine.cpus.length} CPUs`);
    this.meta('process_sort_index', pid);
    machine.cpus.forEach((_, c) => this.nameTrack(c, `cpu${c}`, c));
    this.nameTrack(MACHINE, 'stop-machine', MACHINE);
    this.nameTrack(UPDATES, 'updates', UPDATES);
    for (const t of sched.threads()) this.adopt(t);
    this.off = [
      sched.stepped.add((t, cost) => this.step(t, cost)),
      sched.woken.add((t) => this.woken(t)),
      sched.framePushed.add((t, f) => this.open(t, frameName(f), 'frame', { module: f.module, version: f.version, fn: f.fn })),
      sched.framePopped.add((t, f) => this.close(t, 'frame', frameName(f))),
      hooks.syscallEnter.add((t) => this.open(t, t.syscall ?? 'syscall', 'syscall')),
      hooks.syscallReturn.add((t) => this.close(t, 'syscall')),
      sched.stops.add((p) => this.stopPhase(p)),
      updates.phases.add((r, e) => this.phase(r, e)),
    ];
  }

  /** Close what is still open at the current time (marked unfinished), lay out the update tracks, and unsubscribe. */
  finish(): void {
    for (const f of this.off) f();
    this.runs.forEach((run, c) => run && this.endRun(c, run, run.end));
    for (const tr of this.threads.values()) {
      if (tr.blocked) this.end(tr.tid, true);
      for (let n = tr.stack.length; n > 0; n--) this.end(tr.tid, true);
    }
    if (this.stopping) this.end(this.tid(MACHINE), true);
    const running = this.k.updates.running;
    if (running) this.update(running, this.now, true);
    this.laneSlices.forEach((slices, lane) => {
      this.nameTrack(PHASES + lane, lane === 0 ? 'update phases' : `update phases (overlapping, ${lane + 1})`, PHASES + lane);
      for (const e of nest(slices, this.pid, this.tid(PHASES + lane))) this.events.push(e);
    });
  }

  private get now(): number {
    return us(this.k.now);
  }

  private tid(local: number): number {
    return this.pid * PROCESS_SPAN + local;
  }

  private meta(name: 'process_name' | 'process_sort_index', value: string | number): void {
    this.events.push(meta(this.pid, name, value));
  }

  private nameTrack(local: number, name: string, order: number): void {
    this.events.push(meta(this.pid, 'thread_name', name, this.tid(local)), meta(this.pid, 'thread_sort_index', order, this.tid(local)));
  }

  private begin(tid: number, o: Open, args?: Readonly<Record<string, unknown>>): void {
    this.events.push({ ph: 'B', ts: this.now, pid: this.pid, tid, name: o.name, cat: o.cat, ...(args ? { args } : {}) });
  }

  /** End the innermost slice open on track `tid` now; one still open when the trace ends is marked unfinished. */
  private end(tid: number, unfinished = false): void {
    this.events.push({ ph: 'E', ts: this.now, pid: this.pid, tid, ...(unfinished ? { args: { unfinished: true } } : {}) });
  }

  private track(t: Thread): ThreadTrack {
    let tr = this.threads.get(t.tid);
    if (!tr) {
      tr = { tid: this.tid(THREADS + t.tid), stack: [], blocked: null };
      this.threads.set(t.tid, tr);
      this.nameTrack(THREADS + t.tid, `${t.name} (${t.kind} thread ${t.tid})`, THREADS + t.tid);
    }
    return tr;
  }

  /** A thread that existed before the trace began: what it is inside of opens now. */
  private adopt(t: Thread): void {
    if (t.syscall) this.open(t, t.syscall, 'syscall');
    for (const f of t.frames) this.open(t, frameName(f), 'frame', { module: f.module, version: f.version, fn: f.fn });
    if (t.state === 'blocked') this.block(t);
  }

  private open(t: Thread, name: string, cat: string, args?: Record<string, unknown>): void {
    const tr = this.track(t);
    const o = { name, cat };
    tr.stack.push(o);
    this.begin(tr.tid, o, args);
  }

  private close(t: Thread, cat: string, name?: string): void {
    const tr = this.track(t);
    const top = tr.stack.at(-1);
    if (!top || top.cat !== cat || (name !== undefined && top.name !== name)) {
      this.unmatched++;
      return;
    }
    tr.stack.pop();
    this.end(tr.tid);
  }

  private block(t: Thread): void {
    const tr = this.track(t);
    const channel = t.waitChannel ?? 'unknown';
    const held = HELD.test(channel);
    tr.blocked = { name: `${held ? 'held' : 'blocked'}: ${channel}`, cat: held ? 'gate' : 'blocked' };
    this.begin(tr.tid, tr.blocked, { channel });
    if (held) this.count(+1);
  }

  private woken(t: Thread): void {
    const tr = this.track(t);
    if (!tr.blocked) {
      this.unmatched++;
      return;
    }
    this.end(tr.tid);
    if (tr.blocked.cat === 'gate') this.count(-1);
    tr.blocked = null;
  }

  private count(delta: number): void {
    this.held += delta;
    this.events.push({ name: 'calls held by an update', ph: 'C', ts: this.now, pid: this.pid, args: { held: this.held } });
  }

  /** After each step: extend the CPU's run or start a new one; note a thread that blocked in it. */
  private step(t: Thread, cost: number): void {
    const now = this.now;
    const run = this.runs[t.cpu];
    if (run && run.thread === t && run.end === now) {
      run.end = now + us(cost);
      run.steps++;
    } else {
      // A CPU that went idle can start its next step before the last one's cost ran out: the run ends there.
      if (run) this.endRun(t.cpu, run, Math.min(run.end, now));
      this.runs[t.cpu] = { thread: t, ts: now, end: now + us(cost), steps: 1 };
    }
    const tr = this.track(t);
    if (t.state === 'blocked' && !tr.blocked) this.block(t);
  }

  private endRun(cpu: number, run: CpuRun, end: number): void {
    const { thread: t } = run;
    this.events.push({ ph: 'X', ts: run.ts, dur: end - run.ts, pid: this.pid, tid: this.tid(cpu), name: t.name, cat: 'cpu', args: { thread: t.tid, steps: run.steps, cycles: run.end - run.ts } });
    this.runs[cpu] = null;
  }

  private stopPhase(p: StopPhase): void {
    const tid = this.tid(MACHINE);
    if (this.stopping) this.end(tid);
    this.stopping = p.kind !== 'restarted';
    if (p.kind === 'requested') this.begin(tid, { name: 'stopping: every CPU finishes its step', cat: 'stop-machine' });
    if (p.kind === 'stopped') this.begin(tid, { name: 'machine stopped', cat: 'stop-machine' }, { cycles: p.cycles });
  }

  /** An update phase, drawn as the `cycles` before its end; the commit or abort ends the update's slice. */
  private phase(r: UpdateRecord, e: PhaseEvent): void {
    const s: Slice = { name: e.phase, cat: 'update-phase', ts: us(e.at - e.cycles), end: us(e.at), depth: 0, args: { update: r.id, cycles: e.cycles, wallUs: Math.round(e.wallUs), detail: e.detail } };
    (this.laneSlices[this.lanes.place(s.ts, s.end)] ??= []).push(s);
    if (e.phase === 'commit' || e.phase === 'abort') this.update(r, us(e.at), false);
  }

  /** The update from its start to `end`; one update runs at a time, so these never overlap. */
  private update(r: UpdateRecord, end: number, unfinished: boolean): void {
    const args = { update: r.id, strategy: r.strategy, outcome: r.outcome, waitCycles: r.waitCycles, heldCalls: r.heldCalls, stoppedCycles: r.stoppedCycles, ...(unfinished ? { unfinished } : {}) };
    this.events.push({ ph: 'X', ts: us(r.startedAt), dur: end - us(r.startedAt), pid: this.pid, tid: this.tid(UPDATES), name: UpdateLifecycle.headline(r), cat: 'update', args });
  }
}

/** A trace of one or more kernels: attach each as it boots, finish once at the end. */
export class Tracer {
  private readonly kernels: { readonly trace: KernelTrace; readonly name: string }[] = [];
  private file: TraceFile | null = null;

  /** Trace kernel `k` from now on, as a process called `name`. */
  attach(k: Executive, name: string): void {
    if (this.file) throw new Error('tracer: already finished');
    this.kernels.push({ trace: new KernelTrace(k, this.kernels.length + 1, name), name });
  }

  get attached(): number {
    return this.kernels.length;
  }

  /** Hook events that matched nothing open: 0 in a sound trace. */
  get unmatched(): number {
    return this.kernels.reduce((n, k) => n + k.trace.unmatched, 0);
  }

  /** Stop tracing; what is still open closes at each kernel's current time, marked unfinished. */
  finish(): TraceFile {
    if (!this.file) {
      for (const { trace } of this.kernels) trace.finish();
      this.file = {
        traceEvents: ordered(this.kernels.flatMap(({ trace }) => trace.events)),
        displayTimeUnit: 'ms',
        otherData: { generator: 'livemod', timeUnit: TIME_UNIT, kernels: this.kernels.map((k) => k.name).join(', ') },
      };
    }
    return this.file;
  }
}
