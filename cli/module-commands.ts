// The console commands for the procedural kernel's modules: insmod, rmmod,
// lsmod and modinfo. Bodies check their arguments before they act, so a
// wrong argument changes nothing; failures are KernelErrors that name the
// errno.

import { catalog, isPathSpec } from '../catalog/catalog.js';
import { moduleTrust } from '../catalog/trust.js';
import { err } from '../exec/errno.js';
import { taintLetters } from '../exec/taint.js';
import type { Kernel } from '../kernel/kernel.js';
import { CALLBACKS } from '../kernel/module.js';
import { shadowCounts } from '../kernel/shadow.js';
import { keptBase } from '../updater/deferred.js';
import { describeStates } from '../updater/states.js';
import { keyValues, table } from './format.js';
import { arity, type Command, type Session } from './session.js';

const define = (c: Command<Session<Kernel>>) => c;

/** Most characters of a module's state that modinfo shows. */
const STATE_TEXT_MAX = 240;

/** A module's state snapshot as one line of JSON, cut short with its full length when long. */
export function stateText(state: unknown): string {
  const json = JSON.stringify(state) ?? String(state);
  return json.length <= STATE_TEXT_MAX ? json : `${json.slice(0, STATE_TEXT_MAX)}... (${json.length} characters)`;
}

const insmod = define({
  name: 'insmod',
  usage: 'insmod NAME[@VERSION]|PATH [key=value...]',
  summary: 'load a module from the module histories or from a .ts/.js file',
  complete: ['module'],
  details: [
    'NAME loads the newest version; VERSION is as npm reads it: 1.2.0 exactly, 1.2 (the newest 1.2.x), ^2, ~1.1.0, latest.',
    'modinfo NAME lists the versions and parameters.',
    'Updates kept for NAME (update of a module not loaded) apply before anything can call it; NAME alone then loads the version they take over from.',
  ],
  async run(s, args) {
    arity(insmod, args, 1, Infinity);
    const params = keyValues(args.slice(1), insmod.usage);
    // NAME alone, with updates kept for it: the version they take over from, so that they apply.
    const base = !isPathSpec(args[0]!) && !args[0]!.includes('@') ? keptBase(s.k, args[0]!) : undefined;
    const seen = s.k.updates.history.length;
    const mod = await moduleTrust(s.k).insmod(base ? `${args[0]}@${base}` : args[0]!, params);
    s.print(`${mod.name} ${mod.def.version} loaded`);
    for (const r of s.k.updates.history.slice(seen)) s.print(s.updater.summary(r));
  },
});

const rmmod = define({
  name: 'rmmod',
  usage: 'rmmod NAME',
  summary: 'unload a module (refused with EBUSY while it is in use)',
  complete: ['loaded'],
  run(s, args) {
    arity(rmmod, args, 1);
    s.k.loader.rmmod(args[0]!);
    s.print(`${args[0]} unloaded`);
  },
});

const lsmod = define({
  name: 'lsmod',
  usage: 'lsmod',
  summary: 'list the loaded modules, who uses them, what pins them, their update stacks, the updates kept for them and what they taint',
  details: [
    'taint: the flags a module brought, as Linux\'s /proc/modules shows them: (E) unsigned, (O) out of tree; stat shows the whole kernel\'s.',
    'stack: the versions the module ran, from the one first loaded to the running one (revert goes back one step).',
    'kept: updates kept for the module (update ID: VERSION), applied each time it is loaded; a module not loaded with kept updates is listed too.',
  ],
  run(s, args) {
    arity(lsmod, args, 0);
    const kept = (name: string) => s.k.kept.of(name).map((u) => `update ${u.id}: ${u.version.def.version}`).join(', ') || '-';
    const stack = (m: { updateStack: readonly { def: { version: string } }[]; def: { version: string } }) =>
      m.updateStack.length ? [...m.updateStack.map((x) => x.def.version), m.def.version].join(' > ') : '-';
    const rows = s.k.loader.list().map((m) => [
      m.name,
      m.def.version,
      s.k.loader.holdersOf(m.name).join(',') || '-',
      m.pins,
      [...m.imports].filter(([, slot]) => slot.adaptor).map(([key]) => key).join(',') || '-',
      m.source,
      stack(m),
      kept(m.name),
      m.taints.size ? `(${taintLetters(m.taints)})` : '-',
    ]);
    for (const name of s.k.kept.modules()) if (!s.k.loader.get(name)) rows.push([name, '-', '-', '-', '-', '(not loaded)', '-', kept(name), '-']);
    for (const l of table(['module', 'version', 'used by', 'pins', 'via adaptor', 'source', 'stack', 'kept', 'taint'], rows)) s.print(l);
  },
});

const modinfo = define({
  name: 'modinfo',
  usage: 'modinfo NAME',
  summary: 'describe a module: version, parameters, imports, exports, ops tables, state',
  complete: ['module'],
  run(s, args) {
    arity(modinfo, args, 1);
    const name = args[0]!;
    const mod = s.k.loader.get(name);
    const versions = catalog().get(name);
    if (!mod) {
      if (!versions && s.k.kept.of(name).length === 0) throw err('ENOENT', `no module named '${name}' is loaded or in the histories`, 'lsmod lists loaded modules');
      s.print(`name:        ${name} (not loaded)`);
      if (versions) s.print(`versions:    ${versions.join(', ')}`);
      for (const u of s.k.kept.of(name)) s.print(`kept:        update ${u.id}: ${name} ${u.version.def.version}, applied when ${name} is loaded`);
      return;
    }
    const d = mod.def;
    s.print(`name:        ${d.name}`);
    s.print(`version:     ${d.version}`);
    s.print(`description: ${d.description}`);
    if (d.license) s.print(`license:     ${d.license}`);
    s.print(`source:      ${mod.source}`);
    s.print(`signature:   ${moduleTrust(s.k).signatureOf(d, mod.source)}`);
    if (versions) s.print(`versions:    ${versions.join(', ')}`);
    for (const [p, pd] of Object.entries(d.params ?? {})) s.print(`parm:        ${p}=${String(mod.params[p])} (${pd.type}, default ${String(pd.default)}): ${pd.description}`);
    for (const [key, slot] of mod.imports) s.print(`requires:    ${key} from ${slot.target.module}${slot.adaptor ? ' (through its adaptor)' : ''}`);
    for (const [key, slot] of mod.exports) {
      const how = slot.adaptor ? `adaptor for ${s.k.loader.importersOf(slot).join(', ')}` : slot.generator ? 'may block' : 'plain';
      s.print(`exports:     ${key} (${how}, ${slot.calls} calls)`);
    }
    for (const key of Object.keys(d.compat ?? {})) if (!mod.exports.has(key)) s.print(`compat:      ${key} (adaptor, made when a module imports it)`);
    for (const t of mod.opsTables) s.print(`ops:         ${t}`);
    if (d.state) s.print(`state:       schema ${d.state.schema}: ${stateText(s.k.store.state(d.name))}`);
    for (const [t, v] of Object.entries(d.records ?? {})) {
      const behind = s.k.store.recordsBehind(d.name, t);
      s.print(`records:     ${t} (schema ${v}, ${s.k.store.table(d.name, t).size} records${behind ? `, ${behind} not yet migrated` : ''})`);
    }
    for (const [key, t, n] of shadowCounts(s.k.store.shadows(d.name))) s.print(`shadows:     ${key} on ${n} ${t} record${n === 1 ? '' : 's'}`);
    if (d.states?.length) s.print(`states:      ${describeStates(d)}`);
    const callbacks = CALLBACKS.filter((c) => d.callbacks?.[c]);
    if (callbacks.length) s.print(`callbacks:   ${callbacks.join(', ')}`);
    if (mod.updateStack.length) s.print(`stack:       ${[...mod.updateStack.map((x) => x.def.version), d.version].join(' > ')}`);
    for (const u of s.k.kept.of(name)) s.print(`kept:        update ${u.id}: ${name} ${u.version.def.version}, applied each time ${name} is loaded`);
    s.print(`used by:     ${s.k.loader.holdersOf(mod.name).join(', ') || '-'}`);
    s.print(`pins:        ${mod.pins}`);
    s.print(`taint:       ${mod.taints.size ? `${taintLetters(mod.taints)} (${[...mod.taints].join(', ')})` : '-'}`);
  },
});

/** The signature policy in one line. */
function policyLine(k: Kernel): string {
  const keys = k.moduleSig.trustedKeys.map((t) => t.id).join(', ') || 'none';
  return k.moduleSig.required ? `lockdown: integrity (module files must be signed by a trusted key; trusted keys: ${keys})` : `lockdown: none (unsigned module files load and taint the kernel E; trusted keys: ${keys})`;
}

const lockdown = define({
  name: 'lockdown',
  usage: 'lockdown [integrity]',
  summary: 'show whether module files must be signed; integrity requires it from now on (one way, as Linux\'s lockdown)',
  complete: [['integrity']],
  details: [
    'Under integrity, insmod and update refuse a module file that is not signed by a trusted key with EKEYREJECTED; the catalog\'s own modules count as signed.',
    'As in Linux, it cannot be lifted on a running machine: boot a new one. livemod --require-signed boots with it on; --trusted-key FILE names the keys.',
  ],
  run(s, args) {
    arity(lockdown, args, 0, 1);
    const mode = args[0];
    if (mode === undefined) {
      s.print(policyLine(s.k));
      return { required: s.k.moduleSig.required };
    }
    if (mode === 'none' && s.k.moduleSig.required) throw err('EPERM', 'lockdown cannot be lifted on a running machine', 'boot a new machine without --require-signed');
    if (mode !== 'integrity' && mode !== 'none') throw err('EINVAL', `unknown lockdown mode '${mode}'`, `usage: ${lockdown.usage}`);
    if (mode === 'integrity' && !s.k.moduleSig.required) {
      s.k.moduleSig.require();
      s.k.printk('lockdown: integrity set from the console: module signatures required');
    }
    s.print(policyLine(s.k));
    return { required: s.k.moduleSig.required };
  },
});

export const MODULE_COMMANDS: readonly Command<Session<Kernel>>[] = [insmod, rmmod, lsmod, modinfo, lockdown];
