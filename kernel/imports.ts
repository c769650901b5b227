// A module's imports: each `name@N` it requires resolved to a slot, or to an
// adaptor slot made from a loaded module's `compat` when that module offers
// the interface only that way; who imports what (the holders rmmod refuses
// for, the importers of a slot); and the adaptors no one imports any more,
// which go away. The loader (loader.ts) calls these over its loaded modules
// at insmod and rmmod; the updater's switch drops unused adaptors through it.

import { err } from '../exec/errno.js';
import { exportCompat, type ModuleContext, type ModuleDef } from './module.js';
import { isGeneratorFunction, makeTarget, type Slot, symbolKey, type SymbolTable } from './symbols.js';

/** What these functions read of a loaded module (the loader's LoadedModule has it all). */
export interface LinkedModule {
  readonly name: string;
  readonly def: ModuleDef;
  readonly ctx: ModuleContext;
  /** Slots it exports, by `name@N` (its adaptors among them). */
  readonly exports: Map<string, Slot>;
  /** What each import (`name@N`) is bound to. */
  readonly imports: Map<string, Slot>;
}

/** What resolving imports and making or dropping adaptors needs from the kernel. */
export interface ImportEnv {
  readonly symbols: SymbolTable;
  printk(text: string): void;
}

/**
 * Resolve each required `name@N` to its slot, creating an adaptor slot when
 * a loaded module offers that interface only through `compat`; ENOENT
 * names the first that cannot be resolved. The adaptors it created are
 * listed in `created` so a failed load can take them back.
 */
export function resolveImports(env: ImportEnv, modules: Iterable<LinkedModule>, def: ModuleDef, created: Slot[] = []): Map<string, Slot> {
  const out = new Map<string, Slot>();
  for (const [sym, iface] of Object.entries(def.requires ?? {})) {
    const key = symbolKey(sym, iface);
    const slot = env.symbols.get(key) ?? makeAdaptor(env, modules, key, created);
    if (!slot) {
      const other = env.symbols.all().filter((s) => s.key.startsWith(`${sym}@`)).map((s) => s.key);
      throw err(
        'ENOENT',
        `module ${def.name}: unresolved symbol ${key}`,
        other.length ? `only ${other.join(', ')} is exported; load a version that provides ${key}` : `load the module that exports ${sym} first`,
      );
    }
    out.set(key, slot);
  }
  return out;
}

/** The adaptor slot for `key` from a loaded module's compat, if one offers it. */
function makeAdaptor(env: ImportEnv, modules: Iterable<LinkedModule>, key: string, created: Slot[]): Slot | undefined {
  for (const mod of modules) {
    const fn = exportCompat(mod.def).get(key);
    if (!fn) continue;
    const slot = env.symbols.define(key, makeTarget(mod.name, mod.def.version, key, fn.bind(null, mod.ctx)), isGeneratorFunction(fn));
    slot.adaptor = true;
    mod.exports.set(key, slot);
    created.push(slot);
    env.printk(`${mod.name}: adaptor for ${key} created`);
    return slot;
  }
  return undefined;
}

/** Loaded modules that import something `name` exports (its users), sorted. */
export function holdersOf(modules: readonly LinkedModule[], name: string): string[] {
  return modules
    .filter((m) => m.name !== name && [...m.imports.values()].some((slot) => slot.target.module === name))
    .map((m) => m.name)
    .sort();
}

/** Modules that import `slot`. */
export function importersOf(modules: readonly LinkedModule[], slot: Slot): string[] {
  return modules.filter((m) => [...m.imports.values()].includes(slot)).map((m) => m.name);
}

/** Adaptor slots no module imports any more (they go away). */
export function unusedAdaptors<M extends LinkedModule>(modules: readonly M[]): { owner: M; key: string; slot: Slot }[] {
  const out: { owner: M; key: string; slot: Slot }[] = [];
  for (const m of modules) {
    for (const [key, slot] of m.exports) if (slot.adaptor && importersOf(modules, slot).length === 0) out.push({ owner: m, key, slot });
  }
  return out;
}

/** Remove adaptors nobody imports; returns what was removed, so it can be put back. */
export function dropUnusedAdaptors<M extends LinkedModule>(env: ImportEnv, modules: readonly M[]): { owner: M; key: string; slot: Slot }[] {
  const gone = unusedAdaptors(modules);
  for (const { owner, key } of gone) {
    env.symbols.remove(key);
    owner.exports.delete(key);
    env.printk(`${owner.name}: adaptor for ${key} removed (no importer left)`);
  }
  return gone;
}
