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
// One budget for the whole process is enough: JavaScript runs one step of
// one machine at a time (worker threads each have their own copy).

import type { Frame, Thread } from './thread.js';

/** Checks module code may run between two touches: tens of milliseconds of a tight loop. */
export const WATCHDOG_BUDGET = 10_000_000;

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
}

/** Thrown by a check whose budget ran out; the kernel treats it as a bug in module code. */
export class SoftLockup extends Error {
  constructor(readonly report: LockupReport) {
    super(`soft lockup: ${describeLockup(report)}`);
    this.name = 'SoftLockup';
  }
}

/** The budget left; instrumented code decrements `left` itself (`--budget.left < 0 && trip(...)`). */
export const budget = { left: WATCHDOG_BUDGET };
let limit = WATCHDOG_BUDGET;
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
  runBefore += limit - budget.left;
  budget.left = limit;
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
  limit = checks;
  budget.left = Math.min(budget.left, checks);
  runBefore = run - (limit - budget.left);
  return before;
}

/**
 * Checks run in this process so far (each one spends a unit of the budget):
 * what the watchdog costs directly, counted rather than timed
 * (bench/boundary-instructions.ts prints it per workload syscall).
 */
export function checksRun(): number {
  return runBefore + limit - budget.left;
}

/** The check's slow path: the budget is spent. Records the first trip since the touch, and throws. */
export function trip(fn: string, label: LockupLabel): never {
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
  };
  if (budget.left === -1) pending.push(report); // the first check past the end; later ones only unwind
  throw new SoftLockup(report);
}

/** One line: who was stuck where. */
export function describeLockup(r: LockupReport): string {
  const who = r.tid === null ? r.where : `thread ${r.tid} (${r.thread})`;
  const what = `${r.module}${r.version ? ` ${r.version}` : ''} ${r.fn === '(top level)' ? 'at its top level' : `${r.fn}()`}`;
  return `${who} stuck in ${what} for ${r.budget} checks without yielding`;
}

/** True for the error a check throws when the budget is spent. */
export function isSoftLockup(e: unknown): e is SoftLockup {
  return e instanceof SoftLockup;
}
