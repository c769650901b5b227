// Running a module version's code: the context `m` each of its functions is
// handed, and its `init` and `exit` as the loader calls them. Each of the two
// gets a full budget from the watchdog (exec/watchdog.ts), and what it throws
// (an errno, a soft lockup, an attempt to compile code from a string, any
// other bug) becomes the errno the loader reports. The loader (loader.ts)
// keeps the books around these calls; link.ts builds an update's new
// versions with the same context.

import { err, isKernelError, KernelError, thrownMessage } from '../exec/errno.js';
import type { Scheduler } from '../exec/sched.js';
import { isSoftLockup, touchWatchdog } from '../exec/watchdog.js';
import type { KernelServices, ModuleContext, ModuleDef, ParamValue } from './module.js';
import { ModuleShadows } from './shadow.js';
import { RecordTable } from './records.js';
import { freezeNew } from './freezing.js';
import type { ModuleImage, StateStore } from './store.js';
import type { AnyFn, Slot, SymbolTable } from './symbols.js';

/** What running module code needs from the kernel (the loader's environment has it all). */
export interface ModuleRunEnv {
  readonly symbols: SymbolTable;
  readonly store: StateStore;
  readonly sched: Scheduler;
  services(module: string): KernelServices;
  printk(text: string): void;
  /** Log and taint for what the watchdog stopped (exec/watchdog.ts), now rather than at the next step. */
  reportLockups(): void;
}

/** The context `m` handed to every function of a module version. */
export function moduleContext(env: ModuleRunEnv, def: ModuleDef, params: Readonly<Record<string, ParamValue>>, imports: Map<string, Slot>): ModuleContext {
  const { store, symbols } = env;
  const bound: Record<string, AnyFn> = {};
  for (const [key, slot] of imports) bound[key.slice(0, key.indexOf('@'))] = symbols.bind(slot);
  const name = def.name;
  // A module asks for its tables on every record access: one handle per table (it holds no state of its own).
  const tables = new Map<string, RecordTable<object>>();
  const records = (table: string): RecordTable<object> => {
    let t = tables.get(table);
    if (!t) tables.set(table, (t = new RecordTable<object>(store, name, table)));
    return t;
  };
  return Object.freeze({
    name,
    version: def.version,
    params,
    imports: Object.freeze(bound),
    state: () => store.state(name),
    commit: (recipe: (d: never) => void) => store.commit(name, recipe as never),
    put: (next: unknown) => store.put(name, next),
    records,
    shadow: new ModuleShadows(store, name, freezeNew),
    k: env.services(name),
  }) as ModuleContext;
}

/** Run a module's `init` (if any) with a budget of its own; a failure throws the errno insmod reports. */
export function runInit(sched: Scheduler, def: ModuleDef, ctx: ModuleContext): void {
  if (!def.init) return;
  touchWatchdog(sched); // init gets a budget of its own
  try {
    const r: unknown = def.init(ctx);
    // A promise (from a function that hid being async) is refused; its rejection must not fail the host later.
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') (r as Promise<unknown>).then(undefined, () => {});
    if (r !== undefined) throw err('EINVAL', `init of ${def.name} returned a value; it must be a plain function that returns nothing`);
  } catch (e) {
    if (isKernelError(e)) throw new KernelError(e.errno, `init of ${def.name} failed: ${e.message}`, e.hint);
    if (isSoftLockup(e)) throw err('EIO', `init of ${def.name} was stopped: ${e.message}`, 'the module was not loaded; init must return without looping forever');
    if (e instanceof Error && e.name === 'EvalError') throw err('EPERM', `init of ${def.name} tried to compile code from a string: ${e.message}`, 'module code gets only the module API');
    throw err('EINVAL', `init of ${def.name} failed: ${thrownMessage(e)}`, 'the module was not loaded; fix its init');
  }
}

/**
 * Run a module's `exit` (if any) with a budget of its own. If the watchdog
 * stops it, the module's image from before (`image`) is put back and EIO
 * refuses the rmmod; any other failure is logged and the unload goes on.
 */
export function runExit(env: ModuleRunEnv, name: string, def: ModuleDef, ctx: ModuleContext, image: ModuleImage): void {
  touchWatchdog(env.sched); // exit gets a budget of its own
  try {
    def.exit?.(ctx);
  } catch (e) {
    if (isSoftLockup(e)) {
      // Stopped half-way: the module stays, with the state and records it had before exit ran.
      env.store.restore(name, image);
      env.reportLockups();
      throw err('EIO', `exit of ${name} was stopped: ${e.message}`, `${name} stays loaded, with its state as before rmmod`);
    }
    env.printk(`${name}: exit failed: ${thrownMessage(e)} (unloading anyway)`);
  }
}
