// The kernel: composes the scheduler, the symbol table, the state store, the
// ops tables, the loader, the VFS and the syscall table on a Machine, and
// boots it. It offers mechanisms only (slots, gates, shadow stacks, the
// store, hooks); update policy lives in updater/, which this never imports.

import { IRQ_DISK0, IRQ_TIMER, Machine, type MachineConfig } from '../hw/machine.js';
import { err, isKernelError } from './errno.js';
import { Loader } from './loader.js';
import type { KernelServices } from './module.js';
import { callOpPlain, OpsRegistry, type OpsTable } from './ops.js';
import { KernelLog } from './printk.js';
import { Scheduler } from './sched.js';
import { StateStore } from './store.js';
import { type Binding, makeTarget, type Slot, SymbolTable } from './symbols.js';
import { SYSCALL_ENTRY_CYCLES, SYSCALLS, type SyscallName, Sys } from './syscalls.js';
import { type KGen, PREEMPT, type Thread, type WaitQueue } from './thread.js';
import { Vfs } from './vfs.js';

export const KERNEL_VERSION = '1.0.0';

/** Longest step of user-space computation, in cycles. */
const USER_SLICE = 2_000;

/** Interrupt lines of the devices a module may register an `irq:<device>` table for. */
const DEVICE_IRQ: Readonly<Record<string, number>> = { disk0: IRQ_DISK0 };

export interface KernelOptions {
  /** 'direct' binds imports to raw functions: only for measuring stub cost. */
  readonly binding?: Binding;
}

export interface KernelHooks {
  /** A thread returned from a syscall (it holds no kernel frames now). */
  syscallReturn: ((t: Thread) => void) | null;
}

export class Kernel {
  readonly sched: Scheduler;
  readonly symbols: SymbolTable;
  readonly store = new StateStore();
  readonly ops: OpsRegistry;
  readonly loader: Loader;
  readonly vfs: Vfs;
  readonly log: KernelLog;
  readonly stats = { syscalls: 0, syscallErrors: 0, oopses: 0 };
  readonly hooks: KernelHooks = { syscallReturn: null };
  private readonly queues = new Map<string, WaitQueue>();
  private syscallTable: OpsTable | null = null;
  private booted = false;

  constructor(
    readonly machine: Machine,
    options: KernelOptions = {},
  ) {
    this.sched = new Scheduler(machine);
    this.symbols = new SymbolTable(this.sched, options.binding ?? 'stubs');
    this.ops = new OpsRegistry(this.symbols);
    this.log = new KernelLog(this.ops, () => machine.now);
    this.loader = new Loader({
      symbols: this.symbols,
      store: this.store,
      ops: this.ops,
      sched: this.sched,
      services: (m) => this.services(m),
      printk: (t) => this.printk(t),
    });
    this.vfs = new Vfs(this.ops, this.loader, this.sched);
    this.ops.onRegister = (t) => this.attachTable(t);
    this.ops.onUnregister = (t) => this.detachTable(t);
    this.sched.hooks.onExit = (t) => this.reap(t);
  }

  get now(): number {
    return this.machine.now;
  }

  /** Attach the timer, register the syscall table, start the clock. */
  boot(): this {
    if (this.booted) return this;
    this.booted = true;
    this.machine.irq.attach(IRQ_TIMER, () => this.sched.tick());
    const slots: Record<string, Slot> = {};
    for (const name of SYSCALLS) {
      const impl = (this.vfs[name] as (...a: unknown[]) => KGen<unknown>).bind(this.vfs);
      slots[name] = this.symbols.define(`syscall:core.${name}`, makeTarget('kernel', KERNEL_VERSION, `sys_${name}`, impl), true);
    }
    this.syscallTable = this.ops.register('syscall', 'core', 'kernel', slots);
    this.machine.timer.start();
    this.printk(`livemod kernel ${KERNEL_VERSION}: ${this.machine.cpus.length} CPUs, seed ${this.machine.config.seed}, ${this.symbols.binding} binding`);
    return this;
  }

  printk(text: string): void {
    this.log.printk(text);
  }

  /** Enter the kernel through the syscall table (called by Sys). */
  *syscall(name: SyscallName, args: unknown[]): KGen<unknown> {
    const t = this.sched.self();
    this.sched.work(SYSCALL_ENTRY_CYCLES);
    this.stats.syscalls++;
    const entry = this.syscallTable?.entries[name];
    if (!entry) throw err('ENOSYS', `no syscall ${name}`);
    t.syscall = name;
    let result: unknown;
    try {
      result = yield* entry(...args);
    } catch (e) {
      this.stats.syscallErrors++;
      this.leaveSyscall(t);
      yield PREEMPT;
      if (isKernelError(e)) throw e;
      // A bug in kernel or module code, not the caller's mistake: an oops, and the syscall fails with EIO.
      this.oops(`syscall ${name} of thread ${t.tid} (${t.name})`, e);
      throw err('EIO', `${name} failed inside the kernel: ${e instanceof Error ? e.message : String(e)}`, 'a loaded module has a bug; dmesg shows the oops');
    }
    this.leaveSyscall(t);
    yield PREEMPT;
    return result;
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
    this.hooks.syscallReturn?.(t);
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
    if (!this.runUntil(() => t.state === 'exited', maxCycles)) {
      throw err('ETIMEDOUT', `thread ${t.tid} (${t.name}) still running after ${maxCycles} cycles${t.waitChannel ? `, blocked on ${t.waitChannel}` : ''}`);
    }
    if (t.error !== undefined) throw t.error;
    return t.result;
  }

  /** What module code may use besides its imports; wait queues are scoped by module name. */
  services(module: string): KernelServices {
    const sched = this.sched;
    const queue = (key: string): WaitQueue => {
      const full = `${module}:${key}`;
      let q = this.queues.get(full);
      if (!q) this.queues.set(full, (q = sched.waitQueue(full)));
      return q;
    };
    const drop = (key: string, q: WaitQueue): void => {
      if (q.length === 0) this.queues.delete(`${module}:${key}`);
    };
    return Object.freeze({
      work: (c: number) => sched.work(c),
      now: () => this.machine.now,
      tid: () => sched.current?.tid ?? 0,
      wait: (key: string, why?: string) => queue(key).wait(sched.self(), why ?? `${module}:${key}`),
      wakeOne: (key: string) => {
        const q = queue(key);
        const r = q.wakeOne();
        drop(key, q);
        return r;
      },
      wakeAll: (key: string) => {
        const q = queue(key);
        const r = q.wakeAll();
        drop(key, q);
        return r;
      },
      sleep: (c: number) => sched.sleep(c),
      printk: (text: string) => this.printk(`${module}: ${text}`),
      disk: (name: string) => this.machine.disks.find((d) => d.name === name),
    });
  }

  private attachTable(t: OpsTable): void {
    if (t.kind === 'irq') {
      const line = DEVICE_IRQ[t.name];
      if (line === undefined) throw err('ENODEV', `no device '${t.name}' to take interrupts from`, `devices with interrupts: ${Object.keys(DEVICE_IRQ).join(', ')}`);
      if (this.machine.irq.handlerOf(line)) throw err('EBUSY', `interrupt line of ${t.name} already has a handler`);
      this.machine.irq.attach(line, (l, payload) => {
        try {
          callOpPlain(t, 'handler', l, payload);
        } catch (e) {
          this.oops(`irq ${t.name}`, e);
        }
      });
    } else if (t.kind === 'chrdev' && t.name === 'kmsg') {
      this.log.flush();
    }
  }

  private detachTable(t: OpsTable): void {
    if (t.kind === 'irq') {
      const line = DEVICE_IRQ[t.name];
      if (line !== undefined) this.machine.irq.detach(line);
    }
  }

  private reap(t: Thread): void {
    this.vfs.releaseThread(t);
    if (t.error !== undefined && !isKernelError(t.error)) this.oops(`thread ${t.tid} (${t.name})`, t.error);
  }

  /** A bug in kernel or module code: logged, counted, the machine goes on. */
  oops(where: string, e: unknown): void {
    this.stats.oopses++;
    this.printk(`oops in ${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A machine from `config`, with a booted kernel on it. */
export function bootKernel(config: Partial<MachineConfig> = {}, options: KernelOptions = {}): Kernel {
  return new Kernel(new Machine(config), options).boot();
}
