// The procedural kernel: on the executive every kernel shares (scheduler,
// syscall entry, user threads), composes the symbol table, the state store,
// the ops tables, the loader, the VFS and the syscall table, and boots it. It offers mechanisms only (slots, gates, shadow stacks, the
// store, hooks); update policy lives in updater/, which this never imports.

import { IRQ_DISK0, IRQ_TIMER, Machine, type MachineConfig } from '../hw/machine.js';
import { err } from '../exec/errno.js';
import { Executive, type SyscallImpl } from '../exec/executive.js';
import { KeptUpdates } from './deferred.js';
import { Loader } from './loader.js';
import { ModuleSigPolicy, type ModuleSigOptions } from './modsig.js';
import { SystemStates } from './sysstates.js';
import type { KernelServices } from './module.js';
import { callOpPlain, OpsRegistry, type OpsTable } from './ops.js';
import { KernelLog } from './printk.js';
import { StateStore } from './store.js';
import { type Binding, makeTarget, type Slot, SymbolTable } from './symbols.js';
import { SYSCALLS, type SyscallName } from '../exec/abi.js';
import type { KGen, Thread, WaitQueue } from '../exec/thread.js';
import { Vfs } from '../exec/vfs.js';
import { flatten } from '../exec/waitkey.js';
import { touchWatchdog } from '../exec/watchdog.js';
import { moduleFilesystems } from './filesystems.js';

export const KERNEL_VERSION = '1.0.0';

/** Interrupt lines of the devices a module may register an `irq:<device>` table for. */
const DEVICE_IRQ: Readonly<Record<string, number>> = { disk0: IRQ_DISK0 };

export interface KernelOptions {
  /** 'direct' binds imports to raw functions: only for measuring stub cost. */
  readonly binding?: Binding;
  /** Module signature enforcement and trusted keys (kernel/modsig.ts); default: not required, no keys. */
  readonly moduleSig?: ModuleSigOptions;
}

export class Kernel extends Executive {
  readonly symbols: SymbolTable;
  readonly store: StateStore;
  readonly ops: OpsRegistry;
  readonly loader: Loader;
  readonly vfs: Vfs;
  readonly log: KernelLog;
  /** Which module files may load: signatures required or not, and the trusted keys. */
  readonly moduleSig: ModuleSigPolicy;
  /** Updates kept for modules whether loaded or not (applied when one comes). */
  readonly kept = new KeptUpdates();
  /** The data of the system states loaded versions declare. */
  readonly systemStates = new SystemStates();
  /** Wait queues by module, then by the module's key (they outlive a version: waiters of the old one are woken by the new). */
  private readonly queues = new Map<string, Map<string, WaitQueue>>();
  private syscallTable: OpsTable | null = null;
  private booted = false;

  constructor(machine: Machine, options: KernelOptions = {}) {
    super(machine);
    this.moduleSig = new ModuleSigPolicy(options.moduleSig);
    this.store = new StateStore({
      charge: (cycles) => {
        if (this.sched.current) this.sched.work(cycles);
      },
      oops: (where, e) => this.oops(where, e),
      committed: () => {
        if (this.sched.current) this.sched.current.effects++;
      },
    });
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
      taint: this.taint,
      reportLockups: () => this.reportLockups(),
    });
    this.vfs = new Vfs(moduleFilesystems(this.ops, this.loader), this.sched, this.hooks.syscallReturn);
    this.ops.onRegister.add((t) => this.attachTable(t));
    this.ops.onUnregister.add((t) => this.detachTable(t));
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
    this.machine.timer.tickless(() => this.sched.idle());
    this.machine.timer.start();
    this.printk(`livemod kernel ${KERNEL_VERSION}: ${this.machine.cpus.length} CPUs, seed ${this.machine.config.seed}, ${this.symbols.binding} binding`);
    for (const key of this.moduleSig.trustedKeys) this.printk(`trusted module signing key ${key.id} (${key.file})`);
    if (this.moduleSig.required) this.printk('module signatures required: files without a valid signature by a trusted key are refused');
    return this;
  }

  printk(text: string): void {
    this.log.printk(text);
  }

  /** Syscalls go through the `syscall:core` table, so they are stubs like any other entry. */
  protected syscallImpl(name: SyscallName): SyscallImpl | undefined {
    return this.syscallTable?.entries[name];
  }

  protected releaseThread(t: Thread): void {
    this.vfs.releaseThread(t);
  }

  /** What module code may use besides its imports; wait queues are scoped by module name. */
  services(module: string): KernelServices {
    const sched = this.sched;
    let queues = this.queues.get(module);
    if (!queues) this.queues.set(module, (queues = new Map()));
    const mine = queues;
    const queue = (key: string): WaitQueue => {
      flatten(key);
      let q = mine.get(key);
      if (!q) mine.set(key, (q = sched.waitQueue(`${module}:${key}`)));
      return q;
    };
    // A wake-up of a queue nobody waits on finds none and makes none: each
    // disk interrupt wakes the queue of free request slots, which is nearly
    // always empty, and making and dropping a queue for it was the largest
    // allocation of the interrupt.
    const wake = (key: string, all: boolean): number => {
      flatten(key);
      const q = mine.get(key);
      if (!q) return 0;
      const r = all ? q.wakeAll() : q.wakeOne() ? 1 : 0;
      if (q.length === 0) mine.delete(key);
      return r;
    };
    return Object.freeze({
      work: (c: number) => sched.work(c),
      now: () => this.machine.now,
      tid: () => sched.current?.tid ?? 0,
      wait: (key: string, why?: string) => queue(key).wait(sched.self(), why ?? `${module}:${key}`),
      waitInterruptible: (key: string, why?: string) => queue(key).wait(sched.self(), why ?? `${module}:${key}`, true),
      // The scheduler's own generator, not one around it: one fewer to resume at every step of a disk wait.
      waitTimeout: (key: string, cycles: number, why?: string) => {
        const q = queue(key);
        // A wait that expired (or was killed) took itself off: forget the queue as a wake-up does.
        const ended = (): void => {
          if (mine.get(key) === q && q.length === 0) mine.delete(key);
        };
        return sched.waitTimeout(q, cycles, why ?? `${module}:${key}`, ended);
      },
      wakeOne: (key: string) => wake(key, false) === 1,
      wakeAll: (key: string) => wake(key, true),
      sleep: (c: number) => sched.sleep(c),
      sleepInterruptible: (c: number) => sched.sleep(c, true),
      printk: (text: string) => this.printk(`${module}: ${text}`),
      disk: (name: string) => {
        for (const d of this.machine.disks) if (d.name === name) return d;
        return undefined;
      },
    });
  }

  private attachTable(t: OpsTable): void {
    if (t.kind === 'irq') {
      const line = DEVICE_IRQ[t.name];
      if (line === undefined) throw err('ENODEV', `no device '${t.name}' to take interrupts from`, `devices with interrupts: ${Object.keys(DEVICE_IRQ).join(', ')}`);
      if (this.machine.irq.handlerOf(line)) throw err('EBUSY', `interrupt line of ${t.name} already has a handler`);
      this.machine.irq.attach(line, (l, payload) => {
        touchWatchdog(this.sched, `irq ${t.name}`); // a handler gets a budget of its own
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
}


/** A machine from `config`, with a booted kernel on it. */
export function bootKernel(config: Partial<MachineConfig> = {}, options: KernelOptions = {}): Kernel {
  return new Kernel(new Machine(config), options).boot();
}
