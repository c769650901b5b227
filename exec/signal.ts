// Signals, as far as live transitions need them: Linux livepatch's fake
// signal (klp_send_signals) and Erlang's code:purge, which kills the
// processes still running old code.
//
// A fake signal wakes a thread that sleeps interruptibly; the sleep throws
// SyscallRestart, which unwinds the thread's kernel frames (the stubs pop
// them in their `finally`), and the syscall entry (exec/executive.ts) leaves
// the kernel, which is where a per-task transition switches the thread, and
// enters the same syscall again. The user program sees only the result of
// the second attempt: the restart is unseen.
//
// Concurrency rule (when a sleep may be interrupted): the restarted syscall
// runs again from the start, so the first attempt must have changed nothing.
// A wait is interruptible only when
//   - it was declared so (WaitQueue.wait(..., true): a module's
//     `m.k.waitInterruptible` / `sleepInterruptible`),
//   - the thread is in a syscall (a kernel thread has nothing to restart),
//   - and the thread has made no change since it entered that syscall
//     (Thread.effects: the procedural kernel counts its store commits, and a
//     block driver commits when it submits a request, so a thread that has
//     written to the disk in this syscall is never restarted).
// Anything else is an uninterruptible wait (disk I/O always is), which a
// signal does not wake: it is reported and left alone, as Linux leaves a
// task in D state. The VFS changes its own tables (offsets, file
// descriptors, pins) only after the filesystem returns, or idempotently
// (O_APPEND's offset), so a restart leaves nothing of the first attempt there
// either. In the modules: blkdev's wait for a queue slot is interruptible,
// its wait for a completion is not.
//
// A kill (purge --kill) returns from the thread's generator at its next
// steps, whatever it waits on, so it unwinds through its `finally` blocks
// (the stubs pop its frames) and exits: unlike a signal it may leave a
// syscall half done, as Erlang's purge may. The console's `kill TID`
// (killThread) is the same kill, aimed at one user thread: what the thread
// pinned is released as it unwinds (its frames and the gates' in-flight
// counts, by the stubs; a block request it waited on, by the driver's
// `finally`, exec/iotimeout.ts) and when it exits (its open files and its
// place inside a filesystem, by the VFS), and a pending transition no
// longer waits for it.

import { err } from './errno.js';
import type { Scheduler } from './sched.js';
import type { Thread } from './thread.js';

/** Thrown into an interrupted sleeper; the syscall entry catches it and restarts the syscall (Linux's -ERESTARTSYS, never seen by user code). */
export class SyscallRestart extends Error {
  constructor() {
    super('syscall interrupted by a signal, to be restarted');
    this.name = 'SyscallRestart';
  }
}

/** What a fake signal did to one thread. */
export type SignalResult = 'woken' | 'uninterruptible' | 'running';

/** Whether `t`'s wait may be interrupted now (the rule above). */
export function interruptibleNow(t: Thread): boolean {
  return t.state === 'blocked' && t.interruptible && t.syscall !== null && t.effects === 0;
}

/**
 * Send a fake signal to `t`: an interruptible sleeper is woken to restart
 * its syscall; a thread in an uninterruptible wait is left alone; a thread
 * that is running or runnable needs nothing (it leaves the kernel by itself).
 */
export function fakeSignal(sched: Scheduler, t: Thread): SignalResult {
  if (t.state !== 'blocked') return 'running';
  if (!interruptibleNow(t)) return 'uninterruptible';
  sched.interrupt(t, new SyscallRestart());
  return 'woken';
}

/** Kill `t`: it unwinds (its `finally` blocks only) and exits at its next steps, whatever it waits on. */
export function kill(sched: Scheduler, t: Thread): void {
  t.killed = true;
  sched.interrupt(t, undefined);
}

/**
 * `kill TID` (SIGKILL): kill user thread `tid` wherever it waits, even in
 * disk I/O; it unwinds and exits at its next step. ESRCH when no live
 * thread has that id. EPERM for a kernel thread: those are the updater's
 * (an update or a lazy sweep half done, which `revert`, `purge` or waiting
 * ends), and Linux ignores SIGKILL to a kthread too.
 */
export function killThread(sched: Scheduler, tid: number): Thread {
  const t = sched.thread(tid);
  if (!t) throw err('ESRCH', `no thread ${tid}`, 'ps lists the live threads');
  if (t.kind === 'kernel') {
    throw err('EPERM', `thread ${tid} (${t.name}) is a kernel thread and is not killed: it carries the kernel's own work (an update or a lazy sweep) half done`, 'end an update with revert or purge, or let it finish with tick; kill ends user threads');
  }
  kill(sched, t);
  return t;
}
