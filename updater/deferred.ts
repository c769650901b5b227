// Deferred targets: an update may name a module that is not loaded (as a
// livepatch may patch a module not loaded yet). That part is accepted and
// kept by the kernel (kernel/deferred.ts) when the update commits, and
// applied each time the module is loaded, before anything can call it
// (klp_module_coming): the module comes up as the kept version, the
// versions below it in its update stack, after the kept versions' prePatch
// and postPatch and before its init. When the module is unloaded, after its
// exit, each version of its stack gets preUnpatch and postUnpatch
// (klp_module_going), and the kept updates stay for the next load. A revert
// of a module that is not loaded drops its newest kept update; a revert of
// a loaded one whose top is a kept update drops it too. A replace drops the
// kept updates it takes over, and is kept in their place.
//
// An update applied to a loaded module is not kept: it ends with the module,
// as its update stack always has.
//
// A module loaded while an update naming it, not loaded, is in progress
// (its transition pending) comes up as that update's version too, as Linux
// applies the patch in transition to a coming module (klp_module_coming):
// prePatch at once, postPatch only when the update ends; unloaded before
// that, it gets postUnpatch only (klp_module_going skips pre-unpatch for
// the transition patch). If the update is reversed or aborted while the
// module is still loaded, the module stays at that version (its at-load
// record committed; `revert NAME` takes it back through a transition) and
// gets its postPatch then: livemod changes a loaded module's version only
// through a transition of its own, which a reversal cannot start. What is
// kept for later loads is only what a committed update keeps. A revert
// naming a kept module still refuses its load while it runs (EBUSY).

import { err } from '../exec/errno.js';
import { type UpdateKind, type UpdateRecord, type VersionChange, wallNow } from '../exec/lifecycle.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ComingModule, GoingModule, ModuleVersion } from '../kernel/loader.js';
import { compareSemver } from '../kernel/moddef.js';
import type { ModuleDef } from '../kernel/module.js';
import { type CallbackStep, runCallback } from './callbacks.js';
import type { Plan } from './plan.js';
import { checkStates } from './states.js';

/** The versions of an update whose modules are loaded (planned as usual) and those whose are not (kept). */
export function splitKept(k: Kernel, versions: readonly ModuleVersion[]): { live: ModuleVersion[]; kept: ModuleVersion[] } {
  const live = versions.filter((v) => k.loader.get(v.def.name));
  return { live, kept: versions.filter((v) => !live.includes(v)) };
}

/** The newest version kept for `name`, what a revert of it while it is not loaded drops. */
export function keptTop(k: Kernel, name: string): ModuleVersion | undefined {
  return k.kept.of(name).at(-1)?.version;
}

/**
 * Check the kept part of an update before it is accepted: each version must
 * take over from the one kept before it (unless it replaces them) and keep
 * its system states. Against the version that will be loaded it is checked
 * at the load, which is refused if it does not fit.
 */
export function checkKept(k: Kernel, kept: readonly ModuleVersion[], kind: UpdateKind, replace: boolean): void {
  const names = new Set<string>();
  for (const v of kept) {
    const name = v.def.name;
    if (names.has(name)) throw err('EINVAL', `module ${name} appears twice in one update`);
    names.add(name);
    if (kind === 'revert') continue;
    const before = replace ? [] : k.kept.of(name).map((u) => u.version.def);
    const prev = before.at(-1);
    if (prev && !(v.def.upgrade?.from ?? []).includes(prev.version)) {
      throw err('EINVAL', `no upgrade path from ${name} ${prev.version} (update ${k.kept.of(name).at(-1)!.id}, kept for ${name}) to ${v.def.version}`, `${v.def.version} takes over from ${(v.def.upgrade?.from ?? []).join(', ') || 'no version'}; or use --replace`);
    }
    checkStates(before, v.def);
  }
}

/** The modules of the kept part, as the record lists them: `foo - -> 1.1.0` (update) or `foo 1.1.0 -> -` (revert). */
export function keptChanges(kept: readonly ModuleVersion[], kind: UpdateKind): VersionChange[] {
  return kept.map((v) => (kind === 'update' ? { name: v.def.name, from: '-', to: v.def.version } : { name: v.def.name, from: v.def.version, to: '-' }));
}

/**
 * At the commit of update `id`: keep its versions for modules not loaded
 * (a revert drops them), and keep the books of the loaded modules: a revert
 * of a kept version drops it, a replace takes the place of what it drops.
 */
export function commitKept(k: Kernel, id: number, kind: UpdateKind, replace: boolean, kept: readonly ModuleVersion[], live: readonly { readonly name: string; readonly oldDef: ModuleDef; readonly newDef: ModuleDef; readonly source: string }[]): void {
  for (const v of kept) {
    if (kind === 'revert') k.kept.drop(v.def.name);
    else {
      if (replace) k.kept.drop(v.def.name, true);
      k.kept.add(v.def.name, { id, version: v });
    }
  }
  for (const m of live) {
    if (kind === 'revert') {
      if (k.kept.of(m.name).at(-1)?.version.def === m.oldDef) k.kept.drop(m.name);
    } else if (replace && k.kept.drop(m.name, true).length > 0) {
      k.kept.add(m.name, { id, version: { def: m.newDef, source: m.source } });
    }
  }
}

/** What a kept update or its revert printed, in place of the usual summary, or null when it has no kept part. */
export function keptSummary(r: UpdateRecord): string | null {
  const kept = r.modules.filter((m) => (r.kind === 'update' ? m.from : m.to) === '-');
  if (kept.length === 0) return null;
  const names = kept.map((m) => m.name).join(', ');
  if (r.kind === 'revert') return `revert ${r.id}: dropped the update kept for ${names} (${kept.map((m) => m.from).join(', ')}); nothing was loaded to undo`;
  return `update ${r.id} deferred: ${names} ${kept.length === 1 ? 'is' : 'are'} not loaded; it applies when ${names} ${kept.length === 1 ? 'is' : 'are'} loaded`;
}

/** The plan line of an update's kept part (empty when it has none). */
export function keptPlanLine(kept: readonly ModuleVersion[], kind: UpdateKind): string {
  if (kept.length === 0) return '';
  const what = kept.map((v) => `${v.def.name} ${v.def.version}`).join(', ');
  return kind === 'update' ? `kept, as not loaded (applies at each load): ${what}` : `drops the update kept for ${what} (not loaded)`;
}

/** What insmod prints for a kept update applied while the module loaded. */
export function atLoadSummary(r: UpdateRecord): string | null {
  if (r.strategy !== 'at-load' || r.outcome !== 'committed') return null;
  return `${r.kind} ${r.id} committed: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${r.phases.at(-1)?.detail ?? 'at load'})`;
}

/** The newest version a kept update takes over from: what `insmod NAME` loads when updates are kept for NAME. */
export function keptBase(k: Kernel, name: string): string | undefined {
  const first = k.kept.of(name)[0];
  return first ? [...(first.version.def.upgrade?.from ?? [])].sort(compareSemver).at(-1) : undefined;
}

/** The running update's kept part, and the modules that came during it (their postPatch waits for its end). */
interface InProgress {
  readonly id: number;
  readonly versions: readonly ModuleVersion[];
  readonly joined: Map<string, CallbackStep>;
}

const inProgress = new WeakMap<Kernel, InProgress>();

/** An update with a kept part has begun: a module it names that comes before its end gets its version (see the header). */
export function beginKept(k: Kernel, id: number, kind: UpdateKind, kept: readonly ModuleVersion[]): void {
  if (kind === 'update' && kept.length > 0) inProgress.set(k, { id, versions: kept, joined: new Map() });
}

/** The update has ended (committed, aborted or reversed): the modules that came during it and are still loaded as its version get postPatch. */
export function endKept(k: Kernel, id: number): void {
  const p = inProgress.get(k);
  if (!p || p.id !== id) return;
  inProgress.delete(k);
  for (const [name, s] of p.joined) if (k.loader.get(name)?.def === s.def) runCallback(k, 'postPatch', { ...s, life: 'live' });
}

const hooked = new WeakSet<Kernel>();

/** Apply kept updates when a module comes and run its stack's unpatch callbacks when it goes; once per kernel. */
export function installKeptHooks(k: Kernel): void {
  if (hooked.has(k)) return;
  hooked.add(k);
  k.loader.coming.add((c) => applyComing(k, c));
  k.loader.going.add((m) => applyGoing(k, m));
}

/** klp_module_coming: the kept updates of `c`, oldest first, checked, then their callbacks, then the version it comes up as. */
function applyComing(k: Kernel, c: ComingModule): void {
  // An update whose kept part names this module is between its start and its end: not kept yet, but applied to the
  // coming module as Linux applies the patch in transition (its postPatch waits for the end, endKept). A revert
  // dropping a kept part is not dropped yet either; the load waits for it to end.
  const running = k.updates.running;
  const p = inProgress.get(k);
  const joining = p && running?.id === p.id ? p.versions.find((x) => x.def.name === c.name) : undefined;
  if (!joining && running?.modules.some((m) => m.name === c.name && (m.from === '-' || m.to === '-'))) {
    throw err('EBUSY', `${running.kind} ${running.id} names ${c.name}, which is not loaded, and is still in progress`, `insmod ${c.name} when it has ended (tick, history)`);
  }
  const kept = joining ? [...k.kept.of(c.name), { id: p!.id, version: joining }] : k.kept.of(c.name);
  if (kept.length === 0) return;
  const chain: ModuleDef[] = [c.base.def];
  for (const u of kept) {
    const d = u.version.def;
    const below = chain.at(-1)!;
    const from = d.upgrade?.from ?? [];
    if (!from.includes(below.version)) {
      const e = err(
        'EINVAL',
        `update ${u.id} is kept for ${c.name} and takes it to ${d.version} from ${from.join(', ') || 'no version'} only, not from ${below.version}: refusing to load ${c.name} ${c.base.def.version}`,
        `insmod ${c.name}@${[...from].sort(compareSemver).at(-1) ?? 'VERSION'}, or revert ${c.name} to drop update ${u.id}`,
      );
      refuse(k, c.name, below.version, d.version, e);
      throw e;
    }
    checkStates(chain, d);
    chain.push(d);
  }
  const applied: CallbackStep[] = [];
  kept.forEach((u, i) => {
    const s: CallbackStep = { def: chain[i + 1]!, from: chain[i]!.version, to: chain[i + 1]!.version, below: chain[i], life: 'coming' };
    k.printk(`update ${u.id}: applying ${c.name} ${s.to} to loading module ${c.name}`);
    try {
      runCallback(k, 'prePatch', s);
    } catch (e) {
      k.printk(`update ${u.id} failed for ${c.name}: refusing to load ${c.name}`);
      for (const a of applied) unpatch(k, { ...a, from: a.to, to: a.from, life: 'going' }, true);
      refuse(k, c.name, s.from, s.to, e);
      throw e;
    }
    if (joining && i === kept.length - 1) p!.joined.set(c.name, s);
    else runCallback(k, 'postPatch', s);
    applied.push(s);
  });
  c.stack.push(c.base, ...kept.slice(0, -1).map((u) => u.version));
  c.def = kept.at(-1)!.version.def;
  c.source = kept.at(-1)!.version.source;
  kept.forEach((u, i) => {
    const s = applied[i]!;
    k.updates.applied(
      { kind: 'update', modules: [{ name: c.name, from: s.from, to: s.to }], strategy: 'at-load', lazy: false, timeout: 0, detail: null },
      `update ${u.id}, kept for ${c.name}, applied while it loads`,
    );
  });
}

/** A load refused by a kept update, in the history. */
function refuse(k: Kernel, name: string, from: string, to: string, e: unknown): void {
  k.updates.refuse({ kind: 'update', modules: [{ name, from, to }], strategy: 'at-load', lazy: false, timeout: 0, detail: null }, wallNow(), e);
}

/** One version's unpatch as its module goes: preUnpatch (unless its postPatch never ran), then postUnpatch. */
function unpatch(k: Kernel, s: CallbackStep, patched: boolean): void {
  if (patched) runCallback(k, 'preUnpatch', s);
  k.printk(`${s.def.name}: reverting ${s.def.name} ${s.from} on unloading module ${s.def.name}`);
  runCallback(k, 'postUnpatch', s);
}

/** klp_module_going: each version of the stack, oldest update first, then the module's system states go. */
function applyGoing(k: Kernel, m: GoingModule): void {
  const versions = [...m.updateStack.map((v) => v.def), m.def];
  // The version of an update still in progress, applied as the module came: its postPatch has not run (it leaves that update).
  const joined = inProgress.get(k)?.joined;
  const inTransition = joined?.get(m.name)?.def === m.def;
  if (inTransition) joined!.delete(m.name);
  for (let i = 1; i < versions.length; i++) unpatch(k, { def: versions[i]!, from: versions[i]!.version, to: versions[i - 1]!.version, below: versions[i - 1], life: 'going' }, !(inTransition && i === versions.length - 1));
  k.systemStates.forget(m.name);
}

/** The plan of an update whose every module is not loaded: nothing to transition now. */
export function keptOnlyPlan(kind: UpdateKind, replace: boolean): Plan {
  return {
    direction: kind === 'revert' ? 'downgrade' : 'upgrade',
    modules: [],
    strategy: 'per-task',
    strategyReason: 'none: no module of the update is loaded',
    codeOnly: true,
    timeout: 1,
    lazy: false,
    sweep: false,
    replace,
    adaptors: [],
  };
}
