// What an update is, as both kernels' updaters, the console, the API and
// the property tests share it: how a user names one (UpdateStep), the
// options it takes, its record (what it changed, its phase events, how it
// ended). The lifecycle that fills the record in, and UpdateService, the
// one interface to either kernel's updater, are lifecycle.ts.

import { err, type KernelError } from './errno.js';
import type { Thread } from './thread.js';

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
  /** Cycles to wait for quiescence before aborting; null: no limit (the transition stays pending until its threads move). */
  readonly timeout?: number | null;
  /** Signal the threads still in the old code once, this many cycles after the start. */
  readonly signalAfter?: number;
  /** Reverse the transition if it has not completed this many cycles after the start. */
  readonly reverseAfter?: number;
  /** Migrate per-instance state on first access (true), all at the switch (false), or as each version says (undefined). */
  readonly lazy?: boolean;
  /** With lazy migration: also migrate the rest in the background. */
  readonly sweep?: boolean;
  /** Atomic replace: the new versions take over their modules' whole update stacks (procedural kernel). */
  readonly replace?: boolean;
}

export interface UpdateRecord<D = unknown> {
  readonly id: number;
  readonly kind: UpdateKind;
  readonly modules: readonly VersionChange[];
  /** How it quiesces: a procedural strategy, or the twin's `hot-swap`. */
  readonly strategy: string;
  /** Some per-instance state is left to migrate (or swap) on first access. */
  readonly lazy: boolean;
  /** Cycles it may wait for quiescence; null: no limit. */
  readonly timeout: number | null;
  /** The policy it was started with (--signal-after, --reverse-after), in cycles from the start; null when not given. */
  readonly signalAfter: number | null;
  readonly reverseAfter: number | null;
  /**
   * `refused`: the plan said no, before anything started (the record keeps
   * why; nothing changed). `reversed`: its transition was taken back before
   * it completed (nothing was transferred). `forced`: it took effect with
   * threads still in the old code (forcedThreads).
   */
  outcome: 'running' | 'committed' | 'aborted' | 'refused' | 'reversed' | 'forced';
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
  /** Threads a signal woke to restart their syscall. */
  signalled: number;
  /** Threads still in the old code when the update was forced (tids). */
  forcedThreads: number[];
  /** What only one kernel's updater knows (the procedural plan, the twin's class changes). */
  readonly detail: D;
}

/** What a console, `compare` or a test needs of an update once it has started. */
export interface StartedUpdate {
  readonly record: UpdateRecord;
  readonly thread: Thread;
}
