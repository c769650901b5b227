// Results as data: what the experiment API returns and what every `--json`
// report prints, as plain JSON-serialisable objects made from the kernels'
// live structures (update records, the machine's counters, the workload,
// errors). The console's `stat` prints its text from the same object its
// `--json` prints, and every error line is `errorData(e).text`. Each top-level report
// names its schema (`livemod.stat/1`, ...); api/schemas.ts describes them.

import { isKernelError, oneLine, thrownMessage } from '../exec/errno.js';
import type { Executive } from '../exec/executive.js';
import { type Taint, TAINT_FLAGS, type TaintFlag } from '../exec/taint.js';
import type { UpdateRecord } from '../exec/lifecycle.js';
import type { PatchState } from '../exec/pending.js';
import type { Vfs } from '../exec/vfs.js';
import { IRQ_DISK0, IRQ_TIMER } from '../hw/machine.js';
import { Kernel } from '../kernel/kernel.js';
import type { ObjectKernel } from '../oo/kernel.js';
import type { Workload, WorkloadConfig } from '../user/workload.js';

export const HISTORY_SCHEMA = 'livemod.history/3';
export const STAT_SCHEMA = 'livemod.stat/2';

export type KernelKind = 'modules' | 'objects';

/** A failure as data: the errno, the message, what to do, and the one line the console prints. */
export interface ErrorData {
  readonly errno: string;
  readonly message: string;
  readonly hint: string | null;
  readonly text: string;
}

/**
 * One update or revert, as its record says (whichever kernel ran it): the
 * record's fields, its error as data, and not the detail only one kernel's
 * updater knows (the procedural plan, the twin's class changes).
 */
export type UpdateData = Omit<UpdateRecord, 'error' | 'detail'> & { readonly error: ErrorData | null };

export interface HistoryReport {
  readonly schema: typeof HISTORY_SCHEMA;
  readonly updates: readonly UpdateData[];
}

export interface StatReport {
  readonly schema: typeof STAT_SCHEMA;
  readonly kernel: KernelKind;
  /** Simulated time, in cycles. */
  readonly time: number;
  readonly cpus: readonly { readonly id: number; readonly busyCycles: number }[];
  readonly threads: { readonly live: number; readonly steps: number; readonly switches: number; readonly preemptions: number };
  readonly syscalls: { readonly total: number; readonly errors: number };
  readonly disks: readonly { readonly name: string; readonly completed: number; readonly errors: number; readonly inFlight: number }[];
  readonly interrupts: { readonly timer: number; readonly disk0: number; readonly lost: number };
  readonly mounts: readonly { readonly dev: string; readonly path: string; readonly fstype: string }[];
  readonly openFiles: number;
  readonly oopses: number;
  /** What the kernel no longer vouches for (exec/taint.ts): the letters ('' when clean) and each flag set, with when and why. */
  readonly taint: TaintReport;
  readonly trace: { readonly hash: string; readonly records: number };
  /** The procedural kernel's own figures (kernel `modules`), and its module signature policy. */
  readonly modules?: {
    readonly storeCommits: number;
    readonly binding: string;
    readonly signatures: { readonly required: boolean; readonly trustedKeys: readonly string[] };
  };
  /** The object twin's own figures (kernel `objects`). */
  readonly objects?: {
    readonly instances: Readonly<Record<string, number>>;
    readonly tableCalls: number;
    readonly tableMisses: number;
    readonly adaptors: number;
    readonly generation: number;
    readonly generationAdvances: number;
  };
}

export interface TaintReport {
  readonly letters: string;
  readonly flags: readonly { readonly flag: TaintFlag; readonly letter: string; readonly at: number; readonly reason: string }[];
}

/** A kernel's taint as data. */
export function taintReport(taint: Taint): TaintReport {
  return { letters: taint.letters(), flags: taint.entries().map((e) => ({ flag: e.flag, letter: TAINT_FLAGS[e.flag], at: e.at, reason: e.reason })) };
}

/** The verifying workload as data; `verified` once it has been stopped and checked. */
export interface WorkloadReport {
  readonly config: WorkloadConfig;
  readonly running: boolean;
  readonly ops: number;
  readonly failed: number;
  /** The first failed operations, each with its error. */
  readonly failures: readonly string[];
  readonly startedAt: number;
  readonly stoppedAt: number | null;
  readonly verified: { readonly files: number; readonly bytes: number; readonly mismatches: readonly string[] } | null;
}

/** A failure as data. Bad arguments caught by the runtime (RangeError, TypeError) are EINVAL; other non-kernel errors are bugs, errno `internal`. */
export function errorData(e: unknown): ErrorData {
  if (isKernelError(e)) return { errno: e.errno, message: e.message, hint: e.hint ?? null, text: e.describe() };
  const message = thrownMessage(e);
  const hint = 'please report it; LIVEMOD_DEBUG=1 shows the stack';
  return { errno: 'internal', message, hint, text: oneLine(`internal error: ${message} (${hint})`) };
}

export function updateData(r: UpdateRecord): UpdateData {
  return {
    id: r.id,
    kind: r.kind,
    modules: r.modules.map((m) => ({ name: m.name, from: m.from, to: m.to })),
    strategy: r.strategy,
    lazy: r.lazy,
    timeout: r.timeout,
    signalAfter: r.signalAfter,
    reverseAfter: r.reverseAfter,
    outcome: r.outcome,
    error: r.error ? errorData(r.error) : null,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    waitCycles: r.waitCycles,
    heldCalls: r.heldCalls,
    heldCycles: r.heldCycles,
    stoppedCycles: r.stoppedCycles,
    pauseWallUs: r.pauseWallUs,
    syscallsDuring: r.syscallsDuring,
    migrated: r.migrated,
    pending: r.pending,
    signalled: r.signalled,
    forcedThreads: [...r.forcedThreads],
    phases: r.phases.map((e) => ({ ...e })),
  };
}

/** A pending transition as data (`transition`, Testbed.transition()): what it changes and where each thread stands. */
export interface TransitionData {
  readonly id: number;
  readonly kind: UpdateRecord['kind'];
  /** `patching`, or `unpatching` for a revert or a transition being reversed (as livepatch's sysfs says). */
  readonly direction: 'patching' | 'unpatching';
  readonly modules: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  readonly strategy: string;
  /** Cycles since it started. */
  readonly elapsed: number;
  /** Threads in it, by tid: its state (old, new, held) and, for one still in the code being left, where. */
  readonly threads: readonly { readonly tid: number; readonly name: string; readonly state: PatchState; readonly where: string | null }[];
}

/** The running update's transition, or null when none is pending. */
export function transitionData(k: Executive): TransitionData | null {
  const r = k.updates.running;
  const p = k.updates.pending;
  if (!r || !p) return null;
  const where = new Map(p.stragglers().map((s) => [s.thread.tid, s.where]));
  const threads = k.sched.threads().flatMap((t) => {
    const state = p.state(t);
    return state ? [{ tid: t.tid, name: t.name, state, where: where.get(t.tid) ?? null }] : [];
  });
  const unpatching = r.kind === 'revert' || p.reversing || p.reverseRequested;
  return { id: r.id, kind: r.kind, direction: unpatching ? 'unpatching' : 'patching', modules: r.modules.map((m) => ({ ...m })), strategy: r.strategy, elapsed: k.now - r.startedAt, threads };
}

export function historyReport(k: Executive): HistoryReport {
  return { schema: HISTORY_SCHEMA, updates: k.updates.history.map(updateData) };
}

/** What `stat` shows, for either kernel. */
export function statReport(k: Kernel | ObjectKernel): StatReport {
  const m = k.machine;
  const vfs: Vfs = k.vfs;
  const own =
    k instanceof Kernel
      ? {
          kernel: 'modules' as const,
          modules: {
            storeCommits: k.store.commits,
            binding: k.symbols.binding,
            signatures: { required: k.moduleSig.required, trustedKeys: k.moduleSig.trustedKeys.map((t) => t.id) },
          },
        }
      : {
          kernel: 'objects' as const,
          objects: {
            instances: k.census(),
            tableCalls: k.ott.stats.calls,
            tableMisses: k.ott.stats.misses,
            adaptors: k.ott.adaptorCount(),
            generation: k.generations.current,
            generationAdvances: k.generations.advances,
          },
        };
  return {
    schema: STAT_SCHEMA,
    kernel: own.kernel,
    time: k.now,
    cpus: m.cpus.map((c) => ({ id: c.id, busyCycles: c.busyAt(m.now) })), // up to now: a step's cost is counted when it starts
    threads: { live: k.sched.threads().length, steps: k.sched.counters.steps, switches: k.sched.counters.switches, preemptions: k.sched.counters.preemptions },
    syscalls: { total: k.stats.syscalls, errors: k.stats.syscallErrors },
    disks: m.disks.map((d) => ({ name: d.name, completed: d.completed, errors: d.errors, inFlight: d.queued })),
    interrupts: { timer: m.irq.count(IRQ_TIMER), disk0: m.irq.count(IRQ_DISK0), lost: m.irq.spurious },
    mounts: vfs.mountTable().map((x) => ({ dev: x.dev, path: x.path, fstype: x.fstype })),
    openFiles: vfs.openFiles(),
    oopses: k.stats.oopses,
    taint: taintReport(k.taint),
    trace: { hash: m.traceHash(), records: m.events.trace.records },
    ...('modules' in own ? { modules: own.modules } : { objects: own.objects }),
  };
}

export function workloadReport(w: Workload, verified: WorkloadReport['verified'] = null): WorkloadReport {
  return {
    config: { ...w.config },
    running: w.running,
    ops: w.ops,
    failed: w.failed,
    failures: [...w.failures],
    startedAt: w.startedAt,
    stoppedAt: w.stoppedAt,
    verified: verified ? { files: verified.files, bytes: verified.bytes, mismatches: [...verified.mismatches] } : null,
  };
}
