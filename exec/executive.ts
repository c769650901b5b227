// What every kernel on the machine shares, whichever way it is built: the
// scheduler on the Machine, the syscall entry and return path (its cost, its
// counters, the preemption point at return, and the rule that a non-errno
// failure inside the kernel is an oops and an EIO), user-space computation,
// spawning and running threads, and the update lifecycle (exec/lifecycle.ts)
// whichever updater drives it. The procedural kernel (kernel/) and the
// object twin (oo/) both extend it, so `livemod compare` measures their
// indirections and update protocols, not two different schedulers.

import type { Machine } from '../hw/machine.js';
import { SYSCALL_ENTRY_CYCLES, type SyscallEntry, type SyscallName, Sys } from './abi.js';
import { err, isKernelError, type KernelError, thrownMessage } from './errno.js';
import { HookList } from './hooks.js';
import { UpdateLifecycle } from './lifecycle.js';
import { Scheduler } from './sched.js';
import { SyscallRestart } from './signal.js';
import { Taint } from './taint.js';
import { type KGen, PREEMPT, type Thread } from './thread.js';
import { describeLockup, type LockupReport, takeLockups } from './watchdog.js';

/** Longest step of user-space computation, in cycles. */
const USER_SLICE = 2_000;

export interface ExecutiveHooks {
  /** A thread returned from a syscall (it holds no kernel frames now): per-task transitions switch it here. */
  readonly syscallReturn: HookList<[Thread]>;
  /** A thread entered a syscall (the object twin's thread generations count it). */
  readonly syscallEnter: HookList<[Thread]>;
}

/** The implementation of one syscall in a kernel: a generator over the syscall's arguments. */
export type SyscallImpl = (...args: unknown[]) => KGen<unknown>;

export abstract class Executive implements SyscallEntry {
  readonly sched: Scheduler;
  /** `restarts`: syscalls run again after a signal interrupted them (exec/signal.ts). */
  readonly stats = { syscalls: 0, syscallErrors: 0, oopses: 0, restarts: 0 };
  readonly hooks: ExecutiveHooks = { syscallReturn: new HookList(), syscallEnter: new HookList() };
  /** The update lifecycle: history and the running update, whichever updater drives it. */
  readonly updates: UpdateLifecycle;
  /** What has happened to this kernel that it no longer vouches for (exec/taint.ts). */
  readonly taint: Taint;

  constructor(
    readonly machine: Machine,
    /** How update events are named in the trace (so the two kernels' protocols are told apart). */
    updateTraceTag = 'update',
  ) {
    this.sched = new Scheduler(machine);
    this.updates = new UpdateLifecycle(this, updateTraceTag);
    this.taint = new Taint(() => this.machine.now, (text) => this.printk(text));
    this.sched.hooks.onExit = (t) => this.reap(t);
    this.sched.softLockup.add((r) => this.softLockup(r));
  }

  get now(): number {
    return this.machine.now;
  }

  /** The kernel's implementation of syscall `name`, or undefined if it has none (ENOSYS). */
  protected abstract syscallImpl(name: SyscallName): SyscallImpl | undefined;

  /** Write a line to the kernel log. */
  abstract printk(text: string): void;

  /** A thread has finished: release what it held (its open files). */
  protected abstract releaseThread(t: Thread): void;

  /**
   * Enter the kernel (called by Sys). A syscall interrupted by a signal
   * (SyscallRestart, exec/signal.ts: only ever before it changed anything)
   * leaves the kernel, where a per-task transition switches the thread, and
   * runs again from the start; the caller sees only the second result.
   */
  *syscall(name: SyscallName, args: unknown[]): KGen<unknown> {
    const t = this.sched.self();
    this.sched.work(SYSCALL_ENTRY_CYCLES);
    this.stats.syscalls++;
    for (;;) {
      const impl = this.syscallImpl(name);
      if (!impl) throw err('ENOSYS', `no syscall ${name}`);
      t.syscall = name;
      t.effects = 0;
      this.hooks.syscallEnter.run(t);
      let result: unknown;
      let left = false;
      try {
        result = yield* impl(...args);
      } catch (e) {
        left = true;
        if (e instanceof SyscallRestart) {
          this.stats.restarts++;
          this.leaveSyscall(t);
          yield PREEMPT;
          continue;
        }
        this.stats.syscallErrors++;
        this.leaveSyscall(t);
        yield PREEMPT;
        if (isKernelError(e)) throw e;
        // A bug in kernel or module code, not the caller's mistake: an oops, and the syscall fails with EIO.
        this.oops(`syscall ${name} of thread ${t.tid} (${t.name})`, e);
        throw err('EIO', `${name} failed inside the kernel: ${thrownMessage(e)}`, 'a loaded module has a bug; dmesg shows the oops');
      } finally {
        // A killed thread is returned from, through here: it leaves the kernel too (the twin's generations count it out).
        if (!left && t.killed) this.leaveSyscall(t);
      }
      this.leaveSyscall(t);
      yield PREEMPT;
      return result;
    }
  }

  /** User-space work: `cycles` of CPU in steps of at most USER_SLICE, each a preemption point. */
  *compute(cycles: number): KGen<void> {
    for (let left = Math.max(0, Math.floor(cycles)); left > 0; left -= USER_SLICE) {
      this.sched.work(Math.min(left, USER_SLICE));
      yield PREEMPT;
    }
  }

  private leaveSyscall(t: Thread): void {
    t.syscall = null;
    this.hooks.syscallReturn.run(t);
  }

  /** A user thread running `program` with the syscall interface. */
  spawnUser<T>(name: string, program: (sys: Sys) => KGen<T>): Thread {
    return this.sched.spawn(name, 'user', program(new Sys(this)));
  }

  /** A kernel thread. */
  spawnKernel<T>(name: string, body: KGen<T>): Thread {
    return this.sched.spawn(name, 'kernel', body);
  }

  /** Advance simulated time by `cycles`. */
  run(cycles: number): void {
    this.machine.events.runUntil(this.now + cycles);
  }

  /** Run until `done()` holds or `maxCycles` pass; returns whether it held. */
  runUntil(done: () => boolean, maxCycles: number): boolean {
    this.machine.events.runUntil(this.now + maxCycles, done);
    return done();
  }

  /**
   * Run until thread `t` exits and return its result (rethrowing its error).
   * ETIMEDOUT if it is still running after `maxCycles`; it keeps running.
   */
  runThread(t: Thread, maxCycles = 200_000_000): unknown {
    if (!this.runUntil(() => t.state === 'exited', maxCycles)) throw stillRunning(t, maxCycles);
    if (t.error !== undefined) throw t.error;
    return t.result;
  }

  private reap(t: Thread): void {
    this.releaseThread(t);
    if (t.error !== undefined && !isKernelError(t.error)) this.oops(`thread ${t.tid} (${t.name})`, t.error);
  }

  /**
   * The watchdog stopped module code (exec/watchdog.ts): log who was stuck
   * where, with the shadow stack, and taint the kernel (L). The operation it
   * was part of has already failed and unwound.
   */
  softLockup(r: LockupReport): void {
    const stack = r.frames.length ? `; stack: ${r.frames.map((f) => `${f.module} ${f.version} ${f.fn}`).join(' > ')}` : '';
    this.printk(`watchdog: BUG: ${r.heapUsed === undefined ? 'soft lockup' : 'out of memory'} - ${describeLockup(r)}${stack}`);
    this.taint.add('soft-lockup', `${r.module}${r.version ? ` ${r.version}` : ''} ${r.fn}${r.heapUsed === undefined ? '' : ' (out of memory)'}`);
  }

  /** Report what the watchdog stopped since the last report (the console does at the end of every command). */
  reportLockups(): void {
    for (const r of takeLockups()) this.softLockup(r);
  }

  /** A bug in kernel or module code: logged (with the taint letters when tainted, as Linux's `Tainted:` header), counted, the machine goes on. */
  oops(where: string, e: unknown): void {
    this.stats.oopses++;
    const tainted = this.taint.letters();
    this.printk(`oops in ${where}: ${thrownMessage(e)}${tainted ? ` [Tainted: ${tainted}]` : ''}`);
  }
}

/** Run `program` as a user thread to completion and return its result. */
/** ETIMEDOUT: thread `t` has not exited after `cycles`; it is left running. */
export function stillRunning(t: Thread, cycles: number): KernelError {
  return err('ETIMEDOUT', `thread ${t.tid} (${t.name}) still running after ${cycles} cycles${t.waitChannel ? `, blocked on ${t.waitChannel}` : ''}`);
}

export function runProgram<T>(k: Executive, name: string, program: (sys: Sys) => KGen<unknown>, maxCycles?: number): T {
  return k.runThread(k.spawnUser(name, program), maxCycles) as T;
}
