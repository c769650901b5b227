// The plan phase: diff the running version of each module in an update
// against its new version, decide the strategy, and refuse (with the reason
// and what to do) anything that cannot be done live. Nothing is changed here:
// `update --dry-run` prints a plan and stops.

import { checkPolicy } from '../exec/pending.js';
import { err } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { LoadedModule, ModuleVersion } from '../kernel/loader.js';
import { compareSemver } from '../kernel/moddef.js';
import { exportCompat, type ModuleDef, type TransferDef } from '../kernel/module.js';
import { isGeneratorFunction, symbolKey } from '../kernel/symbols.js';
import { checkReplace } from './replace.js';
import { checkStates } from './states.js';

export const STRATEGIES = ['module', 'per-task', 'stop-machine'] as const;
/**
 * `unsafe` switches at once, with no quiescence: a negative control for the
 * tests and `livemod check` only (as direct binding exists only to measure
 * the stubs). It shows that the checks can tell a safe update from an
 * unsafe one. The console does not offer it.
 */
export const CONTROL_STRATEGIES = ['unsafe'] as const;
export type Strategy = (typeof STRATEGIES)[number] | (typeof CONTROL_STRATEGIES)[number];


export interface UpdateOptions {
  readonly strategy?: Strategy;
  /** null: no limit (a pending transition waits until its threads move). */
  readonly timeout?: number | null;
  /** The policy of a transition that waits (exec/pending.ts); only module and per-task wait. */
  readonly signalAfter?: number;
  readonly reverseAfter?: number;
  /** `revert` plans go backwards through the running version's `downgrade`. */
  readonly direction?: 'upgrade' | 'downgrade';
  /** Known versions of each module (the histories), to suggest a group that would work. */
  readonly candidates?: ReadonlyMap<string, readonly ModuleDef[]>;
  /** Migrate records on first access (true), all at once (false), or as each version says (undefined). */
  readonly lazy?: boolean;
  /** With lazy migration: also migrate the rest in the background. */
  readonly sweep?: boolean;
  /** Atomic replace: take over each module's whole update stack (replace.ts). */
  readonly replace?: boolean;
}

export interface FunctionDiff {
  /** Export keys (`name@N`) and ops entries (`kind:name.op`) whose code changed. */
  readonly changed: string[];
  readonly added: string[];
  readonly removed: string[];
  /** Exports the new version keeps only through a compat adaptor, for importers that stay on them. */
  readonly adapted: string[];
  /**
   * Exports the new version has only in compat that nobody imports once the
   * update is done (every importer moves on in the same group): their slots
   * go away, and compat makes an adaptor if a module importing them comes later.
   */
  readonly retired: string[];
  readonly unchanged: number;
}

export interface ModulePlan {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly oldDef: ModuleDef;
  readonly newDef: ModuleDef;
  readonly source: string;
  /** The transfer that applies: the new version's upgrade, or the running one's downgrade. */
  readonly transfer: TransferDef | undefined;
  readonly functions: FunctionDiff;
  readonly stateSchema: { readonly from: number; readonly to: number };
  /** The module-wide snapshot goes through a transfer function. */
  readonly stateTransfer: boolean;
  /** Record tables whose records go through a transfer function. */
  readonly recordTransfers: string[];
  /** Record tables added or dropped. */
  readonly tablesChanged: boolean;
  readonly importsAdded: string[];
  readonly importsRemoved: string[];
  readonly notes: string[];
}

export interface Plan {
  readonly direction: 'upgrade' | 'downgrade';
  readonly modules: ModulePlan[];
  readonly strategy: Strategy;
  readonly strategyReason: string;
  /** No state or record changes: only code. */
  readonly codeOnly: boolean;
  /** null: no limit. */
  readonly timeout: number | null;
  /** Records are migrated on first access. */
  readonly lazy: boolean;
  readonly sweep: boolean;
  /** The new versions take over their modules' whole update stacks (replace.ts). */
  readonly replace: boolean;
  /** Adaptors the update must make: an import of the new versions that a module offers only through compat. */
  readonly adaptors: readonly { readonly key: string; readonly provider: string }[];
}

const src = (fn: unknown) => (typeof fn === 'function' ? fn.toString() : '');

function exportSources(def: ModuleDef): Map<string, { src: string; generator: boolean }> {
  const out = new Map<string, { src: string; generator: boolean }>();
  for (const [sym, e] of Object.entries(def.exports ?? {})) out.set(symbolKey(sym, e.version), { src: src(e.fn), generator: isGeneratorFunction(e.fn) });
  for (const [key, table] of Object.entries(def.ops ?? {})) {
    for (const [op, fn] of Object.entries(table)) out.set(`${key}.${op}`, { src: src(fn), generator: isGeneratorFunction(fn) });
  }
  return out;
}

/** What the running module really exports: its definition's exports and ops, and the adaptors it has made. */
function runningSources(mod: LoadedModule): Map<string, { src: string; generator: boolean }> {
  const out = exportSources(mod.def);
  for (const [key, slot] of mod.exports) if (slot.adaptor) out.set(key, { src: src(exportCompat(mod.def).get(key)), generator: slot.generator });
  return out;
}

/** Diff against what the running module really exports (its adaptors included). */
function diffFunctions(mod: LoadedModule, newDef: ModuleDef): FunctionDiff {
  const a = runningSources(mod);
  const b = exportSources(newDef);
  const compat = exportCompat(newDef);
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  const adapted: string[] = [];
  let unchanged = 0;
  for (const [k, v] of b) {
    const old = a.get(k);
    if (!old) added.push(k);
    else if (old.src !== v.src) changed.push(k);
    else unchanged++;
  }
  for (const k of a.keys()) {
    if (b.has(k)) continue;
    if (compat.has(k)) adapted.push(k);
    else removed.push(k);
  }
  return { changed, added, removed, adapted, retired: [], unchanged };
}

/** Split each module's adapted exports into those someone still imports after the group's update and those nobody does. */
function retireUnimported(k: Kernel, plans: readonly ModulePlan[]): ModulePlan[] {
  const names = new Set(plans.map((p) => p.name));
  const importedAfter = (key: string) =>
    k.loader.list().some((m) => !names.has(m.name) && m.imports.has(key)) ||
    plans.some((p) => Object.entries(p.newDef.requires ?? {}).some(([s, i]) => symbolKey(s, i) === key));
  return plans.map((p) => {
    const retired = p.functions.adapted.filter((key) => !importedAfter(key));
    if (retired.length === 0) return p;
    return { ...p, functions: { ...p.functions, adapted: p.functions.adapted.filter((key) => !retired.includes(key)), retired } };
  });
}

/** Plan an update of one or more modules (a group: one quiescence, one switch, one commit or rollback). */
export function plan(k: Kernel, versions: readonly ModuleVersion[], opts: UpdateOptions = {}): Plan {
  const direction = opts.direction ?? 'upgrade';
  if (versions.length === 0) throw err('EINVAL', 'an update needs at least one module version', 'update NAME@VERSION...');
  const timeout = checkPolicy(opts);
  const names = new Set<string>();
  const mods: [LoadedModule, ModuleVersion][] = [];
  for (const v of versions) {
    const name = v.def.name;
    if (names.has(name)) throw err('EINVAL', `module ${name} appears twice in one update`);
    names.add(name);
    const mod = k.loader.get(name);
    if (!mod) throw err('ENOENT', `module ${name} is not loaded`, `update replaces a running module: insmod ${name} first`);
    mods.push([mod, v]);
  }

  const plans = retireUnimported(k, mods.map(([mod, v]) => planModule(mod, v, direction)));
  const replace = opts.replace === true;
  if (replace && direction === 'downgrade') throw err('EINVAL', '--replace goes with an update, not a revert');
  if (replace) checkReplace(k, plans);

  // Every import of every new version must resolve: to a running export the
  // group keeps, or to an export a member of the group adds.
  const removedByGroup = new Set(plans.flatMap((p) => p.functions.removed.filter((x) => x.includes('@'))));
  const addedByGroup = new Set(plans.flatMap((p) => p.functions.added.filter((x) => x.includes('@'))));
  const adaptors: { key: string; provider: string }[] = [];
  /** Who offers `key` through compat once the update is done: a member's new version, or a module outside the group. */
  const compatProvider = (key: string): string | undefined =>
    plans.find((p) => exportCompat(p.newDef).has(key))?.name ?? k.loader.list().find((m) => !names.has(m.name) && exportCompat(m.def).has(key))?.name;
  for (const p of plans) {
    for (const [sym, iface] of Object.entries(p.newDef.requires ?? {})) {
      const key = symbolKey(sym, iface);
      let resolvable = (k.symbols.get(key) && !removedByGroup.has(key)) || addedByGroup.has(key);
      if (!resolvable) {
        const provider = compatProvider(key);
        if (provider) {
          if (!adaptors.some((a) => a.key === key)) adaptors.push({ key, provider });
          resolvable = true;
        }
      }
      if (!resolvable) {
        throw err('ENOENT', `${p.name} ${p.to}: unresolved symbol ${key}`, `load or update the module that exports ${key} in the same update`);
      }
    }
  }
  // An export the group removes must not be imported by anyone left on it.
  for (const key of removedByGroup) {
    const users = k.loader
      .list()
      .filter((m) => m.imports.has(key))
      .filter((m) => {
        const inGroup = plans.find((p) => p.name === m.name);
        return !inGroup || Object.entries(inGroup.newDef.requires ?? {}).some(([s, i]) => symbolKey(s, i) === key);
      })
      .map((m) => m.name);
    if (users.length > 0) {
      const owner = plans.find((p) => p.functions.removed.includes(key))!;
      throw err(
        'EBUSY',
        `${owner.name} ${owner.to} removes ${key} and has no adaptor for it, but ${users.join(', ')} still import${users.length === 1 ? 's' : ''} it`,
        suggestGroup(k, plans, users, key, opts.candidates),
      );
    }
  }

  const codeOnly = plans.every((p) => !needsTransfer(p));
  let strategy: Strategy;
  let strategyReason: string;
  if (opts.strategy) {
    if (![...STRATEGIES, ...CONTROL_STRATEGIES].includes(opts.strategy)) throw err('EINVAL', `unknown strategy '${opts.strategy}'`, `strategies: ${STRATEGIES.join(', ')}`);
    if (opts.strategy === 'per-task' && !codeOnly) {
      throw err('EINVAL', 'per-task cannot be used when state changes: threads on old and new code would share one state', 'use --strategy module or stop-machine');
    }
    strategy = opts.strategy;
    strategyReason = 'asked for';
  } else {
    strategy = codeOnly ? 'per-task' : 'module';
    strategyReason = codeOnly ? 'default for code-only updates' : 'default when state changes';
  }
  if ((strategy === 'stop-machine' || strategy === 'unsafe') && (timeout === null || opts.signalAfter !== undefined || opts.reverseAfter !== undefined)) {
    throw err('EINVAL', `${strategy} does not wait in the background: it takes no --nowait without --timeout, --signal-after or --reverse-after`, 'use --strategy module or per-task, or give stop-machine a --timeout');
  }
  const migrates = plans.some((p) => p.recordTransfers.length > 0);
  const lazy = migrates && (opts.lazy ?? plans.some((p) => p.transfer?.lazy === true));
  if (opts.sweep && !lazy) throw err('EINVAL', '--sweep goes with lazy migration', migrates ? 'add --lazy' : 'this update migrates no records');
  return { direction, modules: plans, strategy, strategyReason, codeOnly, timeout, lazy, sweep: opts.sweep === true, replace, adaptors };
}

/** "update A@x B@y": the group that would work, from the known versions of each importer. */
function suggestGroup(k: Kernel, plans: readonly ModulePlan[], users: readonly string[], key: string, candidates?: ReadonlyMap<string, readonly ModuleDef[]>): string {
  const specs = plans.filter((p) => !users.includes(p.name)).map((p) => `${p.name}@${p.to}`);
  const unknown: string[] = [];
  for (const user of users) {
    const running = k.loader.require(user).def.version;
    const fits = (candidates?.get(user) ?? []).filter(
      (d) => d.upgrade?.from.includes(running) && !Object.entries(d.requires ?? {}).some(([s, i]) => symbolKey(s, i) === key),
    );
    const best = fits.sort((a, b) => compareSemver(a.version, b.version)).at(-1);
    if (best) specs.push(`${user}@${best.version}`);
    else unknown.push(user);
  }
  if (unknown.length === 0) return `update ${specs.join(' ')} as one group, or give the new version an adaptor (compat['${key}'])`;
  return `update ${[...specs, ...unknown.map((u) => `${u}@VERSION`)].join(' ')} as one group, with versions of ${unknown.join(', ')} that no longer import ${key}, or give the new version an adaptor (compat['${key}'])`;
}

function planModule(mod: LoadedModule, v: ModuleVersion, direction: 'upgrade' | 'downgrade'): ModulePlan {
  const oldDef = mod.def;
  const newDef = v.def;
  const name = oldDef.name;
  if (newDef.version === oldDef.version) {
    throw err('EINVAL', `${name} ${newDef.version} is already running`, `modinfo ${name} lists the versions; update to another one`);
  }
  let transfer: TransferDef | undefined;
  if (direction === 'upgrade') {
    const from = newDef.upgrade?.from ?? [];
    if (!from.includes(oldDef.version)) {
      throw err(
        'EINVAL',
        `no upgrade path from ${name} ${oldDef.version} to ${newDef.version}`,
        from.length ? `${newDef.version} takes over from ${from.join(', ')} only: update to ${[...from].sort(compareSemver).at(-1)} first` : `${newDef.version} declares no upgrade; load it with rmmod and insmod instead`,
      );
    }
    transfer = newDef.upgrade;
  } else {
    const to = oldDef.downgrade?.to ?? [];
    if (!to.includes(newDef.version)) {
      throw err('EINVAL', `${name} ${oldDef.version} has no downgrade to ${newDef.version}`, to.length ? `it can go back to ${to.join(', ')}` : 'it declares no downgrade, so it cannot be reverted');
    }
    transfer = oldDef.downgrade;
  }
  if (direction === 'upgrade') checkStates([...mod.updateStack.map((x) => x.def), oldDef], newDef);

  const functions = diffFunctions(mod, newDef);
  const before = runningSources(mod);
  const after = exportSources(newDef);
  for (const key of functions.adapted) {
    const slot = mod.exports.get(key)!;
    if (slot.generator !== isGeneratorFunction(exportCompat(newDef).get(key))) {
      throw err('EINVAL', `${name} ${newDef.version}: the adaptor for ${key} must ${slot.generator ? '' : 'not '}block, as ${key} does`);
    }
  }
  for (const key of functions.changed) {
    if (before.get(key)!.generator !== after.get(key)!.generator) {
      throw err('EINVAL', `${name} ${newDef.version} changes ${key} between blocking and non-blocking`, 'that is an interface change: export it under a new interface version');
    }
  }
  for (const key of functions.removed) {
    if (!key.includes('@')) {
      const table = key.slice(0, key.lastIndexOf('.'));
      if (!Object.keys(newDef.ops ?? {}).includes(table)) throw err('EINVAL', `${name} ${newDef.version} drops the ops table ${table}`, 'an update cannot unregister a table; rmmod and insmod instead');
    }
  }

  const stateSchema = { from: oldDef.state?.schema ?? 0, to: newDef.state?.schema ?? 0 };
  const stateTransfer = typeof transfer?.state === 'function';
  if (stateSchema.from !== stateSchema.to && !stateTransfer) {
    throw err('EINVAL', `${name} ${newDef.version} changes the state schema ${stateSchema.from} -> ${stateSchema.to} but has no ${direction}.state transfer`, `add ${direction}.state(old) to ${name} ${direction === 'upgrade' ? newDef.version : oldDef.version}`);
  }
  const recordTransfers: string[] = [];
  const notes: string[] = [];
  for (const [table, schema] of Object.entries(newDef.records ?? {})) {
    const oldSchema = oldDef.records?.[table];
    const fn = transfer?.instance?.[table];
    if (oldSchema === undefined) {
      notes.push(`record table ${table} is new (empty)`);
      continue;
    }
    if (fn) recordTransfers.push(table);
    else if (oldSchema !== schema) {
      throw err('EINVAL', `${name} ${newDef.version} changes ${table} records from schema ${oldSchema} to ${schema} but has no ${direction}.instance.${table}`, 'add a per-record transfer');
    }
  }
  for (const table of Object.keys(oldDef.records ?? {})) if (!(table in (newDef.records ?? {}))) notes.push(`record table ${table} is dropped`);
  if (src(oldDef.init) !== src(newDef.init)) {
    if (!transfer?.init) {
      // The version that declares the transfer: the new one going up, the running one going back.
      const fresh = `rmmod ${name} and insmod ${insmodSpec(v)} (on a fresh disk if init set up the disk)`;
      if (direction === 'upgrade') {
        throw err(
          'EINVAL',
          `${name} ${newDef.version} changes what init does, and an update does not re-run init: ${newDef.version} declares no upgrade.init to do that work on the running ${name} (set up by ${oldDef.version}), so it cannot be applied live`,
          `${fresh}, or give ${newDef.version} an upgrade.init`,
        );
      }
      throw err(
        'EINVAL',
        `${name} ${newDef.version} does not do what init of ${name} ${oldDef.version} did, and a revert does not re-run init: ${oldDef.version} declares no downgrade.init to undo that work on the running ${name}, so it cannot be reverted live`,
        `${fresh}, or give ${oldDef.version} a downgrade.init`,
      );
    }
    notes.push(`init differs; ${direction}.init brings the running instance there`);
  }

  const tablesChanged = Object.keys(oldDef.records ?? {}).sort().join() !== Object.keys(newDef.records ?? {}).sort().join();
  const oldImports = new Set(Object.entries(oldDef.requires ?? {}).map(([s, i]) => symbolKey(s, i)));
  const newImports = new Set(Object.entries(newDef.requires ?? {}).map(([s, i]) => symbolKey(s, i)));
  return {
    name,
    from: oldDef.version,
    to: newDef.version,
    oldDef,
    newDef,
    source: v.source,
    transfer,
    functions,
    stateSchema,
    stateTransfer,
    recordTransfers,
    tablesChanged,
    importsAdded: [...newImports].filter((x) => !oldImports.has(x)),
    importsRemoved: [...oldImports].filter((x) => !newImports.has(x)),
    notes,
  };
}

/** What to give insmod to load `v`: the file it came from, or NAME@VERSION (the catalog, or a definition given inline). */
function insmodSpec(v: ModuleVersion): string {
  return v.source.startsWith('catalog:') || v.source === '(inline)' ? `${v.def.name}@${v.def.version}` : v.source;
}

/** Does this module's image change (snapshot, records or tables), or only its code? */
export function needsTransfer(p: ModulePlan): boolean {
  return p.stateTransfer || p.recordTransfers.length > 0 || p.tablesChanged || p.stateSchema.from !== p.stateSchema.to;
}

/** The plan as lines of text, for `update --dry-run` and the history. */
export function describePlan(p: Plan): string[] {
  const out: string[] = [];
  out.push(`plan: ${p.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${p.direction})`);
  out.push(`  strategy: ${p.strategy} (${p.strategyReason}); ${p.timeout === null ? 'no timeout' : `timeout ${p.timeout} cycles`}; ${p.codeOnly ? 'code only' : 'state changes'}`);
  if (p.replace) out.push(`  replace: takes over the update stack of ${p.modules.map((m) => m.name).join(', ')}; revert goes back to the version first loaded`);
  for (const a of p.adaptors) out.push(`  adaptor made: ${a.key}, from ${a.provider}'s compat`);
  if (p.modules.some((m) => m.recordTransfers.length > 0)) out.push(`  records: migrated ${p.lazy ? `lazily, on first access${p.sweep ? ', and by a background sweep' : ''}` : 'eagerly, during the switch'}`);
  for (const m of p.modules) {
    const f = m.functions;
    out.push(`  ${m.name}: functions changed ${f.changed.length ? f.changed.join(', ') : '-'}; added ${f.added.join(', ') || '-'}; removed ${f.removed.join(', ') || '-'}; ${f.unchanged} unchanged`);
    if (f.adapted.length) out.push(`  ${m.name}: through an adaptor from now on: ${f.adapted.join(', ')}`);
    if (f.retired.length) out.push(`  ${m.name}: no longer exported, as no importer is left on it: ${f.retired.join(', ')} (compat makes an adaptor for a module loaded later that imports it)`);
    out.push(`  ${m.name}: state schema ${m.stateSchema.from} -> ${m.stateSchema.to}${m.stateTransfer ? ', transferred' : ', kept'}${m.recordTransfers.length ? `; records migrated: ${m.recordTransfers.join(', ')}` : ''}`);
    if (m.importsAdded.length || m.importsRemoved.length) out.push(`  ${m.name}: imports added ${m.importsAdded.join(', ') || '-'}; removed ${m.importsRemoved.join(', ') || '-'}`);
    for (const n of m.notes) out.push(`  ${m.name}: note: ${n}`);
  }
  return out;
}
