// The verbs on a pending transition, as the console (`revert` of a pending
// update, `signal`, `force`, `purge`) and the experiment API
// (PendingUpdate) use them, on either kernel. Each acts through the
// lifecycle's pending transition (exec/pending.ts); those that end it
// (reverse, force, purge) then let the machine run until the updater thread
// has acted and the record is closed, or a bound passes (a reversal waits
// for threads to leave the new code, which may take as long as they like).
// `kill` (killTask) is here too: it is purge's kill, aimed at one thread.

import type { Executive } from '../exec/executive.js';
import type { UpdateRecord } from '../exec/lifecycle.js';
import type { SignalReport } from '../exec/pending.js';
import { killThread } from '../exec/signal.js';

/** Cycles a verb lets the machine run for the transition to end before it returns with it still pending. */
export const VERB_CYCLE_LIMIT = 5_000_000;

/** Run until `r` has ended or `limit` cycles pass; `r` either way. */
function settle(k: Executive, r: UpdateRecord, limit: number): UpdateRecord {
  k.runUntil(() => r.outcome !== 'running', limit);
  return r;
}

/**
 * Reverse the pending transition (of `name`, if given): threads already
 * moved go back, nothing was transferred. The record, `reversed` once every
 * thread is back, still `running` if some stay in the new code past `limit`.
 */
export function reverseTransition(k: Executive, name?: string, limit = VERB_CYCLE_LIMIT): UpdateRecord {
  const { record, pending } = k.updates.pendingFor('reverse', name);
  pending.reverse();
  return settle(k, record, limit);
}

/** A fake signal to every thread still in the code being left (exec/signal.ts); it returns at once. */
export function signalTransition(k: Executive): SignalReport {
  const { record, pending } = k.updates.pendingFor('signal');
  const report = pending.signal();
  record.signalled = pending.signalled;
  return report;
}

/** Force the pending transition to complete now (unsafe: taints the kernel); its record, `forced`. */
export function forceTransition(k: Executive, limit = VERB_CYCLE_LIMIT): UpdateRecord {
  const { record, pending } = k.updates.pendingFor('force');
  pending.force();
  return settle(k, record, limit);
}

/**
 * End the pending transition of `name` (Erlang's code:soft_purge, or with
 * `kill` code:purge): EBUSY naming the threads still in the old code; with
 * `kill` they are killed and the transition completes once they have
 * unwound (`onKilled` hears of them first). Its record, and the tids killed.
 */
export function purgeTransition(k: Executive, name: string, kill: boolean, limit = VERB_CYCLE_LIMIT, onKilled: (tids: readonly number[]) => void = () => {}): { record: UpdateRecord; killed: number[] } {
  const { record, pending } = k.updates.pendingFor('purge', name);
  const killed = pending.purge(kill);
  onKilled(killed);
  return { record: settle(k, record, limit), killed };
}

/** What `kill` did: the thread, and whether it has exited (it unwinds at its next step; `false` only if the machine could not run it within the limit). */
export interface KillReport {
  readonly tid: number;
  readonly name: string;
  readonly exited: boolean;
}

/**
 * Kill user thread `tid` (exec/signal.ts killThread: ESRCH, EPERM for a
 * kernel thread) and run until it has unwound and exited, or `limit`
 * cycles pass. A pending transition is told at once, so one that waited
 * only for this thread completes.
 */
export function killTask(k: Executive, tid: number, limit = VERB_CYCLE_LIMIT): KillReport {
  const t = killThread(k.sched, tid);
  k.updates.pending?.poke();
  k.runUntil(() => t.state === 'exited', limit);
  return { tid: t.tid, name: t.name, exited: t.state === 'exited' };
}
