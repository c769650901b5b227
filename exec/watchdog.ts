// The soft-lockup watchdog: module code that runs too long without yielding
// is stopped, as Linux's soft-lockup detector reports a CPU stuck in the
// kernel. It is deterministic, so a run stays a pure function of its seed
// and inputs: the budget is counted in checks, not in wall time. Module
// files loaded by path are compiled with a check at every function entry,
// loop iteration, catch and finally (catalog/instrument.ts); each check
// spends one unit of the budget, and the budget is refilled ("touched")
// whenever the kernel starts a step of a thread (exec/sched.ts) or enters
// module code from the console (insmod's init, rmmod's exit, an update's
// transfer). In-tree modules, compiled with the project, carry no checks.
//
// When the budget runs out, the check throws a SoftLockup, which unwinds
// to the kernel like any bug in module code. Until the next touch every
// further check throws again, so module code cannot catch the error and
// carry on looping: a catch or finally block starts with a check. The
// first trip after a touch is kept as a report (thread, shadow stack,
// module, version, function) until the kernel takes it, logs it and
// taints itself (flag L): the scheduler at the end of a step, the console
// at the end of a command.
//
// Memory: module code that keeps allocating without yielding would take the
// host's heap to its limit, and V8 ends the process there (no error a
// program can catch). So the budget is handed out in grants, and between
// two grants the slow path looks at the heap (about a microsecond): past
// the memory limit (MEMORY_SHARE of V8's heap limit) the check throws as a
// spent budget does, with the heap it saw in the report, and what the code
// allocated becomes garbage as it unwinds. The first grant after a touch is
// FIRST_GRANT checks; each next one is sized so that, at the rate the heap
// grew over the last, it would take a quarter of the room left (at most
// MAX_GRANT, so a look costs a few percent of long-running code at most). A
// step of a thread touches the watchdog long before its first grant runs
// out (a workload syscall runs about 50 checks), so the workload never
// takes the slow path; only code that runs on without yielding does. The
// look is the one thing here that is not counted: whether a run that would
// have run out of memory is stopped depends on the host's heap. It guards
// code that allocates in a loop; one host call that allocates too much at
// once (a huge `new Array(n).fill(x)`) is not checked.
//
// One budget for the whole process is enough: JavaScript runs one step of
// one machine at a time (worker threads each have their own copy).

import { getHeapStatistics } from 'node:v8';
import type { Frame, Thread } from './thread.js';

/** Checks module code may run between two touches: tens of milliseconds of a tight loop. */
export const WATCHDOG_BUDGET = 10_000_000;

/** Checks of the first grant after a touch, and the most of any grant (between two looks at the heap). */
const FIRST_GRANT = 1 << 10;
const MAX_GRANT = 1 << 16;

/** The share of V8's heap limit module code may take the heap to before it is stopped. */
const MEMORY_SHARE = 0.8;

/** Who is running when the budget runs out (the scheduler: its current thread, or none at the console). */
export interface LockupWitness {
  readonly current: Thread | null;
}

/** Which module file a check belongs to; the catalog fills in the module once it has read the definition. */
export interface LockupLabel {
  readonly file: string;
  module?: string;
  version?: string;
}

/** What a soft lockup stopped. */
export interface LockupReport {
  /** The thread that was running, or null (the console: insmod, rmmod, a transfer in a stop-machine; an interrupt). */
  readonly tid: number | null;
  /** Who ran the code when no thread did (`the console`, `irq disk0`). */
  readonly where: string;
  readonly thread: string | null;
  /** The thread's shadow stack at the moment, innermost last. */
  readonly frames: readonly Frame[];
  readonly module: string;
  readonly version: string;
  /** The function (as named in its file) whose check ran out, or `(top level)`. */
  readonly fn: string;
  readonly file: string;
  readonly budget: number;
  /** Set when it was stopped for memory: the heap in use it saw, past `memoryLimit` bytes. */
  readonly heapUsed?: number;
  readonly memoryLimit?: number;
}

/** Thrown by a check whose budget ran out; the kernel treats it as a bug in module code. */
export class SoftLockup extends Error {
  constructor(readonly report: LockupReport) {
    super(`${report.heapUsed === undefined ? 'soft lockup' : 'out of memory'}: ${describeLockup(report)}`);
    this.name = 'SoftLockup';
  }
}

/** The budget left in this grant; instrumented code decrements `left` itself (`--budget.left < 0 && trip(...)`). */
export const budget = { left: WATCHDOG_BUDGET };
/** The budget left beyond this grant. */
let rest = 0;
/** The size of this grant, and the heap in use at its start (-1: not looked at since the touch). */
let granted = 0;
let heapAtGrant = -1;
let limit = WATCHDOG_BUDGET;
let memoryLimit = Math.floor(getHeapStatistics().heap_size_limit * MEMORY_SHARE);
/** Checks run before the last touch (checksRun). */
let runBefore = 0;
let witness: LockupWitness | null = null;
let outside = 'the console';
const pending: LockupReport[] = [];

/**
 * Refill the budget (touch_softlockup_watchdog); `by` tells which thread
 * runs next, and `where` names the caller when none does (`the console`,
 * `irq disk0`).
 */
export function touchWatchdog(by: LockupWitness | null, where = 'the console'): void {
  runBefore += limit - budget.left - rest;
  grant(limit);
  witness = by;
  outside = where;
}

/** Is a report waiting to be taken? (a cheap test for the scheduler's hot path) */
export function lockupPending(): boolean {
  return pending.length > 0;
}

/** The reports not yet taken, oldest first; they are cleared. */
export function takeLockups(): LockupReport[] {
  return pending.splice(0, pending.length);
}

/** Change the budget (tests and benchmarks); returns the previous one. */
export function setWatchdogBudget(checks: number): number {
  const before = limit;
  const run = checksRun();
  grant(Math.min(budget.left + rest, checks));
  limit = checks;
  runBefore = run - (limit - budget.left - rest);
  return before;
}

/** Change the memory limit, in bytes of heap in use (tests); returns the previous one. */
export function setMemoryLimit(bytes: number): number {
  const before = memoryLimit;
  memoryLimit = bytes;
  return before;
}

/** Hand out `checks` of budget: the first grant now, the rest after looks at the heap. */
function grant(checks: number): void {
  budget.left = granted = Math.min(checks, FIRST_GRANT);
  rest = checks - budget.left;
  heapAtGrant = -1;
}

/**
 * Checks run in this process so far (each one spends a unit of the budget):
 * what the watchdog costs directly, counted rather than timed
 * (bench/boundary-instructions.ts prints it per workload syscall).
 */
export function checksRun(): number {
  return runBefore + limit - budget.left - rest;
}

/**
 * The check's slow path: this grant is spent. With budget left, look at the
 * heap and go on with the next grant, unless the heap is past the memory
 * limit; with none, or past it, record the first trip since the touch and
 * throw.
 */
export function trip(fn: string, label: LockupLabel): void {
  let heapUsed: number | undefined;
  if (rest > 0) {
    const used = getHeapStatistics().used_heap_size;
    if (used <= memoryLimit) {
      const grew = heapAtGrant < 0 ? 0 : used - heapAtGrant;
      const next = heapAtGrant < 0 ? granted : grew <= 0 ? granted * 2 : Math.floor((granted * (memoryLimit - used)) / (4 * grew));
      const n = Math.min(rest, Math.max(16, Math.min(MAX_GRANT, next)));
      rest -= n;
      budget.left += n; // this check took its unit from the new grant
      granted = n;
      heapAtGrant = used;
      return;
    }
    heapUsed = used;
    rest = 0; // stopped: every later check throws too, until the next touch
  }
  const t = witness?.current ?? null;
  const report: LockupReport = {
    tid: t?.tid ?? null,
    where: outside,
    thread: t?.name ?? null,
    frames: t ? [...t.frames] : [],
    module: label.module ?? label.file,
    version: label.version ?? '',
    fn,
    file: label.file,
    budget: limit,
    ...(heapUsed === undefined ? {} : { heapUsed, memoryLimit }),
  };
  if (budget.left === -1) pending.push(report); // the first check past the end; later ones only unwind
  throw new SoftLockup(report);
}

/** One line: who was stuck where. */
export function describeLockup(r: LockupReport): string {
  const who = r.tid === null ? r.where : `thread ${r.tid} (${r.thread})`;
  const what = `${r.module}${r.version ? ` ${r.version}` : ''} ${r.fn === '(top level)' ? 'at its top level' : `${r.fn}()`}`;
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  if (r.heapUsed !== undefined) return `${who} in ${what} took the heap to ${mb(r.heapUsed)} without yielding, past the limit of ${mb(r.memoryLimit ?? 0)}`;
  return `${who} stuck in ${what} for ${r.budget} checks without yielding`;
}

/** True for the error a check throws when the budget is spent. */
export function isSoftLockup(e: unknown): e is SoftLockup {
  return e instanceof SoftLockup;
}
