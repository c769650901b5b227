// The module loader: insmod and rmmod, and for an update, prepare (link the
// new versions, invisible: link.ts) paired with install (keep the books once
// the switch has made them current).
//
// insmod checks the definition, resolves every import to a slot (refusing an
// unresolved one by name; imports.ts, which also keeps who imports what and
// drops adaptors no one imports), creates the module's state in the store,
// defines a slot per export, registers its ops tables, then runs `init`
// (module-run.ts, which also makes the context `m` its code gets). Any failure
// undoes every step already taken, in reverse, so a failed insmod leaves the
// machine exactly as it was. rmmod refuses with EBUSY while another module
// imports from the module, while it is pinned (mounts, open files), or while
// a thread is executing inside it, and while an update of it is in progress.
// Each loaded module carries its update stack (what revert goes back to),
// which ends with it. Hooks let the updater apply, when a module comes,
// the updates the kernel keeps for it, and see it go (kernel/deferred.ts).
// `init` and `exit` each get a full budget from the watchdog
// (exec/watchdog.ts; module-run.ts); an `exit` it stops refuses the rmmod and
// puts back the module's image from before `exit` ran. Mounts and open files
// pin a module (pin, unpin); unregisterOps takes an ops table and its slots
// away. (Taint for a module file, unsigned or out of tree, is the catalog's:
// catalog/trust.ts.)

import { err, isKernelError, thrownMessage } from '../exec/errno.js';
import { HookList } from '../exec/hooks.js';
import type { Taint } from '../exec/taint.js';
import { type ModuleContext, type ModuleDef, type ParamValue } from './module.js';
import { parseParams, validateModuleDef } from './moddef.js';
import { checkPlainData } from './plaindata.js';
import { type OpsKind, type OpsRegistry, type OpsTable, opsKey, parseOpsKey } from './ops.js';
import type { TaintFlag } from '../exec/taint.js';
import { type ModuleRunEnv, moduleContext, runExit, runInit } from './module-run.js';
import { type Slot, symbolKey } from './symbols.js';
import { dropUnusedAdaptors, holdersOf, importersOf, resolveImports } from './imports.js';
import { buildTargets, type LinkedVersion, linkVersions, type NewAdaptor, type VersionToLink, viewSlotKey } from './link.js';

export interface LoaderEnv extends ModuleRunEnv {
  readonly ops: OpsRegistry;
  readonly taint: Taint;
}

export interface LoadedModule {
  readonly name: string;
  /** The running version's definition (replaced by an update). */
  def: ModuleDef;
  ctx: ModuleContext;
  params: Readonly<Record<string, ParamValue>>;
  /** Where it was loaded from: the catalog or a user's path. */
  source: string;
  /** Slots this module exports, by `name@N`. */
  readonly exports: Map<string, Slot>;
  /** Ops tables it registered, as `kind:name`. */
  readonly opsTables: string[];
  /** What each import (`name@N`) is bound to. */
  readonly imports: Map<string, Slot>;
  /** Mounts and open files that use this module's ops. */
  pins: number;
  readonly loadedAt: number;
  /**
   * The versions this module ran before each update since it was loaded,
   * newest last: what `revert` goes back to. It lives and ends with the
   * loaded module, so a reload starts with nothing to revert.
   */
  readonly updateStack: ModuleVersion[];
  /** The update this module is part of while it runs: rmmod is refused until it ends. */
  updating: number | null;
  /** Taint flags this module brought (exec/taint.ts), shown by lsmod as Linux's /proc/modules shows `(OE)`; they stay until it is unloaded. */
  readonly taints: Set<TaintFlag>;
  /** Why it can never be unloaded (a forced update left code of an older version running), or null. */
  resident: string | null;
}

/** A version of a module: its definition and where it was loaded from (`catalog:name@version` or a file path). */
export interface ModuleVersion {
  readonly def: ModuleDef;
  readonly source: string;
}

/** A module being loaded, as the `coming` hooks see it: they may change the version that comes up and fill its update stack. */
export interface ComingModule {
  readonly name: string;
  /** What insmod was given. */
  readonly base: ModuleVersion;
  def: ModuleDef;
  source: string;
  /** The versions below `def`, oldest first (what revert goes back to). */
  readonly stack: ModuleVersion[];
}

/** A module going away (rmmod, after its exit; or a load that failed after its `coming` hooks). */
export type GoingModule = Pick<LoadedModule, 'name' | 'def' | 'updateStack'>;

export class Loader {
  private readonly modules = new Map<string, LoadedModule>();
  /** Run before a module's version is built (see insmod); a throw refuses the load. */
  readonly coming = new HookList<[ComingModule]>();
  /** Run when a module goes: after its exit, before its slots go. Must not throw. */
  readonly going = new HookList<[GoingModule]>();

  constructor(private readonly env: LoaderEnv) {}

  get(name: string): LoadedModule | undefined {
    return this.modules.get(name);
  }

  /** The loaded module, or ENOENT naming it. */
  require(name: string): LoadedModule {
    const mod = this.modules.get(name);
    if (!mod) throw err('ENOENT', `module ${name} is not loaded`, 'lsmod lists the loaded modules');
    return mod;
  }

  list(): LoadedModule[] {
    return [...this.modules.values()];
  }

  /** The module that exports `name@N`, if any. */
  exporterOf(key: string): LoadedModule | undefined {
    for (const m of this.modules.values()) if (m.exports.has(key)) return m;
    return undefined;
  }

  /**
   * Load a module. Before anything of it exists, the `coming` hooks may
   * choose the version that comes up instead (the updater applies the
   * updates kept for the module there, so they are in force before anything
   * can call it) and the versions below it (its update stack); a hook that
   * throws refuses the load. If the load fails after that, the `going`
   * hooks see the module go.
   */
  insmod(value: unknown, given: Readonly<Record<string, string>> = {}, source = '(inline)'): LoadedModule {
    const base = validateModuleDef(value, source);
    if (this.modules.has(base.name)) {
      throw err('EEXIST', `module ${base.name} is already loaded (version ${this.modules.get(base.name)!.def.version})`, `rmmod ${base.name} first, or use update`);
    }
    const coming: ComingModule = { name: base.name, base: { def: base, source }, def: base, source, stack: [] };
    this.coming.run(coming);
    try {
      return this.load(coming.def === base ? base : validateModuleDef(coming.def, coming.source), given, coming.source, coming.stack);
    } catch (e) {
      if (coming.stack.length > 0) this.going.run({ name: base.name, def: coming.def, updateStack: coming.stack });
      throw e;
    }
  }

  private load(def: ModuleDef, given: Readonly<Record<string, string>>, source: string, stack: readonly ModuleVersion[]): LoadedModule {
    const params = parseParams(def, given);
    for (const [sym, e] of Object.entries(def.exports ?? {})) {
      const key = symbolKey(sym, e.version);
      const owner = this.exporterOf(key);
      if (owner) throw err('EEXIST', `module ${def.name} exports ${key}, which ${owner.name} already exports`, `rmmod ${owner.name} first`);
    }
    for (const key of Object.keys(def.ops ?? {})) {
      const { kind, name } = parseOpsKey(key)!;
      const t = this.env.ops.get(kind, name);
      if (t) throw err('EEXIST', `module ${def.name} registers ${key}, which ${t.owner} already registered`, `rmmod ${t.owner} first`);
    }

    const adaptors: Slot[] = [];
    const dropAdaptors = () => {
      for (const a of adaptors) {
        this.env.symbols.remove(a.key);
        this.modules.get(a.target.module)?.exports.delete(a.key);
      }
    };
    let imports: Map<string, Slot>;
    try {
      imports = resolveImports(this.env, this.list(), def, adaptors);
    } catch (e) {
      dropAdaptors();
      throw e;
    }
    const undo: (() => void)[] = [dropAdaptors];
    try {
      const initial: unknown = def.state ? def.state.initial(params) : {};
      checkPlainData(initial, 'its initial state'); // as a transfer's result is checked: the store freezes and snapshots it
      this.env.store.create(def.name, initial, { ...(def.records ?? {}) });
      undo.push(() => this.env.store.remove(def.name));

      const mod: LoadedModule = {
        name: def.name,
        def,
        ctx: null as unknown as ModuleContext,
        params,
        source,
        exports: new Map(),
        opsTables: [],
        imports,
        pins: 0,
        loadedAt: this.env.sched.now,
        updateStack: [...stack],
        updating: null,
        taints: new Set(),
        resident: null,
      };
      mod.ctx = moduleContext(this.env, def, params, imports);

      const built = buildTargets(def, mod.ctx);
      for (const [key, e] of built.exports) {
        mod.exports.set(key, this.env.symbols.define(key, e.target, e.generator));
        undo.push(() => this.env.symbols.remove(key));
      }
      for (const [key, ops] of built.ops) {
        const { kind, name } = parseOpsKey(key)!;
        const slots: Record<string, Slot> = {};
        for (const [op, e] of ops) slots[op] = this.env.symbols.define(`${key}.${op}`, e.target, e.generator);
        undo.push(() => this.unregisterOps(key));
        const table = this.env.ops.register(kind, name, def.name, slots, def.opsVersions?.[key] ?? 1);
        mod.opsTables.push(key);
        for (const [version, adapted] of built.views.get(key) ?? []) {
          const adaptors: Record<string, Slot> = {};
          for (const [op, e] of adapted) adaptors[op] = this.env.symbols.define(viewSlotKey(key, version, op), e.target, e.generator);
          this.env.ops.setView(table, version, adaptors);
        }
      }

      runInit(this.env.sched, def, mod.ctx);
      this.modules.set(def.name, mod);
      this.env.printk(`${def.name}: loaded version ${def.version}${Object.keys(given).length ? ` (${Object.entries(given).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}`);
      return mod;
    } catch (e) {
      for (const step of undo.reverse()) step();
      this.env.reportLockups();
      if (isKernelError(e)) throw e;
      throw err('EINVAL', `module ${def.name} failed to load: ${thrownMessage(e)}`, 'the module was not loaded; fix it');
    }
  }

  rmmod(name: string): void {
    const mod = this.require(name);
    if (mod.resident !== null) throw err('EBUSY', `module ${name} cannot be unloaded: ${mod.resident}`, 'as with a forced livepatch, only a reboot unloads it: boot a new machine');
    if (mod.updating !== null) {
      throw err('EBUSY', `module ${name} is part of update ${mod.updating}, which is still in progress`, 'wait for it to commit or abort (tick, history), then retry');
    }
    const users = this.holdersOf(name);
    if (users.length > 0) {
      throw err('EBUSY', `module ${name} is in use by ${users.join(', ')}`, `rmmod ${users.join(', ')} first`);
    }
    if (mod.pins > 0) {
      throw err('EBUSY', `module ${name} is in use: ${mod.pins} mount(s) or open file(s) depend on it`, 'umount and close what uses it first');
    }
    for (const t of this.env.sched.threads()) {
      const f = t.frames.find((fr) => fr.module === name);
      if (f) throw err('EBUSY', `thread ${t.tid} (${t.name}) is executing ${name}:${f.fn}`, 'wait for it to leave the module, then retry');
    }
    const image = this.env.store.image(name);
    runExit(this.env, name, mod.def, mod.ctx, image);
    this.going.run(mod);
    for (const key of mod.opsTables) this.unregisterOps(key);
    for (const key of mod.exports.keys()) this.env.symbols.remove(key);
    this.env.store.remove(name);
    this.modules.delete(name);
    this.env.printk(`${name}: unloaded`);
    this.dropUnusedAdaptors();
  }

  /** Pin / unpin a module while a mount or an open file uses its ops. */
  pin(name: string): void {
    this.require(name).pins++;
  }

  unpin(name: string): void {
    const m = this.modules.get(name);
    if (m && m.pins > 0) m.pins--;
  }

  /** Loaded modules that import something `name` exports (its users), sorted (imports.ts). */
  holdersOf(name: string): string[] {
    return holdersOf(this.list(), name);
  }

  /** Modules that import `slot` (imports.ts). */
  importersOf(slot: Slot): string[] {
    return importersOf(this.list(), slot);
  }

  /** Remove adaptors nobody imports; returns what was removed, so it can be put back (imports.ts). */
  dropUnusedAdaptors(): { owner: LoadedModule; key: string; slot: Slot }[] {
    return dropUnusedAdaptors(this.env, this.list());
  }

  /**
   * Prepare an update: link each new version against slots no one sees yet
   * (link.ts). Nothing changes until the switch adopts them and `install`
   * keeps the books.
   */
  prepare(versions: readonly VersionToLink[], adaptors: readonly { readonly key: string; readonly provider: string }[]): { linked: LinkedVersion[]; adaptors: NewAdaptor[] } {
    return linkVersions({ symbols: this.env.symbols, running: (n) => this.require(n), context: (d, p, i) => moduleContext(this.env, d, p, i) }, versions, adaptors);
  }

  /**
   * Make `def` the running version of a loaded module: its definition,
   * context, imports, source and parameters. The caller (the updater) has
   * already retargeted the slots; this only keeps the books.
   */
  install(name: string, def: ModuleDef, ctx: ModuleContext, imports: Map<string, Slot>, source: string, params: Readonly<Record<string, ParamValue>>): void {
    const mod = this.require(name);
    mod.imports.clear();
    for (const [k, slot] of imports) mod.imports.set(k, slot);
    mod.def = def;
    mod.ctx = ctx;
    mod.source = source;
    mod.params = params;
  }

  /** Unregister an ops table and remove its slots. */
  unregisterOps(key: string): void {
    const { kind, name } = parseOpsKey(key)!;
    const t: OpsTable | undefined = this.env.ops.get(kind as OpsKind, name);
    if (!t) return;
    this.env.ops.unregister(kind as OpsKind, name);
    for (const op of Object.keys(t.slots)) this.env.symbols.remove(`${opsKey(kind, name)}.${op}`);
    for (const v of t.views.values()) for (const slot of Object.values(v.adaptors)) this.env.symbols.remove(slot.key);
  }
}
