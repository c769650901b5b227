// The console's commands for the procedural kernel: modules (insmod, rmmod,
// lsmod, modinfo) and their updates (update, revert, history), plus the
// commands every console has (common.ts). Bodies check their arguments
// before they act, so a wrong argument changes nothing; failures are
// KernelErrors that name the errno.

import { catalog, catalogDefs, loadModuleDef } from '../catalog/catalog.js';
import { err } from '../exec/errno.js';
import { describePlan } from '../updater/plan.js';
import type { UpdateRecord } from '../updater/updater.js';
import { arity, commandTable, finishUpdate, printHistory, updateFlags } from './common.js';
import type { ConsoleSession } from './console.js';
import { keyValues, table } from './format.js';
import type { Command } from './session.js';

const define = (c: Command<ConsoleSession>) => c;

const insmod = define({
  name: 'insmod',
  usage: 'insmod NAME[@VERSION]|PATH [key=value...]',
  summary: 'load a module from the module histories or from a .ts/.js file',
  details: ['NAME loads the latest version; modinfo NAME lists the versions and parameters.'],
  async run(s, args) {
    arity(insmod, args, 1, Infinity);
    const params = keyValues(args.slice(1), insmod.usage);
    const { def, source } = await loadModuleDef(args[0]!);
    const mod = s.k.loader.insmod(def, params, source);
    s.print(`${mod.name} ${mod.def.version} loaded`);
  },
});

const rmmod = define({
  name: 'rmmod',
  usage: 'rmmod NAME',
  summary: 'unload a module (refused with EBUSY while it is in use)',
  run(s, args) {
    arity(rmmod, args, 1);
    s.k.loader.rmmod(args[0]!);
    s.print(`${args[0]} unloaded`);
  },
});

const lsmod = define({
  name: 'lsmod',
  usage: 'lsmod',
  summary: 'list the loaded modules, who uses them and what pins them',
  run(s, args) {
    arity(lsmod, args, 0);
    const rows = s.k.loader.list().map((m) => [
      m.name,
      m.def.version,
      s.k.loader.holdersOf(m.name).join(',') || '-',
      m.pins,
      [...m.imports].filter(([, slot]) => slot.adaptor).map(([key]) => key).join(',') || '-',
      m.source,
    ]);
    for (const l of table(['module', 'version', 'used by', 'pins', 'via adaptor', 'source'], rows)) s.print(l);
  },
});

const modinfo = define({
  name: 'modinfo',
  usage: 'modinfo NAME',
  summary: 'describe a module: version, parameters, imports, exports, ops tables, state',
  run(s, args) {
    arity(modinfo, args, 1);
    const name = args[0]!;
    const mod = s.k.loader.get(name);
    const versions = catalog().get(name);
    if (!mod) {
      if (!versions) throw err('ENOENT', `no module named '${name}' is loaded or in the histories`, 'lsmod lists loaded modules');
      s.print(`name:        ${name} (not loaded)`);
      s.print(`versions:    ${versions.join(', ')}`);
      return;
    }
    const d = mod.def;
    s.print(`name:        ${d.name}`);
    s.print(`version:     ${d.version}`);
    s.print(`description: ${d.description}`);
    if (d.license) s.print(`license:     ${d.license}`);
    s.print(`source:      ${mod.source}`);
    if (versions) s.print(`versions:    ${versions.join(', ')}`);
    for (const [p, pd] of Object.entries(d.params ?? {})) s.print(`parm:        ${p}=${String(mod.params[p])} (${pd.type}, default ${String(pd.default)}): ${pd.description}`);
    for (const [key, slot] of mod.imports) s.print(`requires:    ${key} from ${slot.target.module}${slot.adaptor ? ' (through its adaptor)' : ''}`);
    for (const [key, slot] of mod.exports) {
      const how = slot.adaptor ? `adaptor for ${s.k.loader.importersOf(slot).join(', ')}` : slot.generator ? 'may block' : 'plain';
      s.print(`exports:     ${key} (${how}, ${slot.calls} calls)`);
    }
    for (const key of Object.keys(d.compat ?? {})) if (!mod.exports.has(key)) s.print(`compat:      ${key} (adaptor, made when a module imports it)`);
    for (const t of mod.opsTables) s.print(`ops:         ${t}`);
    if (d.state) s.print(`state:       schema ${d.state.schema}`);
    for (const [t, v] of Object.entries(d.records ?? {})) {
      const behind = s.updater.lazy.behind(d.name, t);
      s.print(`records:     ${t} (schema ${v}, ${s.k.store.table(d.name, t).size} records${behind ? `, ${behind} not yet migrated` : ''})`);
    }
    s.print(`used by:     ${s.k.loader.holdersOf(mod.name).join(', ') || '-'}`);
    s.print(`pins:        ${mod.pins}`);
  },
});

function summary(r: UpdateRecord): string {
  return `${r.kind} ${r.id} committed: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${r.strategy}): waited ${r.waitCycles} cycles, paused ${r.pauseWallUs.toFixed(0)} us, ${r.syscallsDuring} syscalls ran meanwhile`;
}

const update = define({
  name: 'update',
  usage: 'update SPEC... [--strategy module|per-task|stop-machine] [--timeout CYCLES] [--lazy [--sweep]|--eager] [--dry-run]',
  summary: 'replace running modules by other versions, live; several SPECs update as one group',
  details: [
    'SPEC is NAME@VERSION from the histories or a path to a .ts/.js file.',
    'Default strategy: per-task for code-only updates, module when state changes.',
    '--lazy migrates per-instance records on first access (--sweep: and in the background), --eager all at the switch;',
    'without either, as the version says. --dry-run prints the plan and changes nothing.',
    'On timeout or a failed transfer the update rolls back.',
  ],
  async run(s, args) {
    const { words, opts, dryRun } = updateFlags(update, args, ['--strategy', '--timeout', '--dry-run', '--eager', '--lazy', '--sweep']);
    if (words.length === 0) throw err('EINVAL', 'update needs at least one NAME@VERSION or file', `usage: ${update.usage}`);
    const versions = [];
    for (const w of words) versions.push(await loadModuleDef(w));
    const withCandidates = { ...opts, candidates: await catalogDefs() };
    if (dryRun) {
      for (const l of describePlan(s.updater.plan(versions, withCandidates))) s.print(l);
      return;
    }
    finishUpdate(s, s.updater.start(versions, withCandidates), summary);
  },
});

const revert = define({
  name: 'revert',
  usage: 'revert NAME [--strategy module|per-task|stop-machine] [--timeout CYCLES] [--lazy|--eager]',
  summary: "go back to the version a module ran before its last update, through that update's downgrade",
  async run(s, args) {
    const { words, opts } = updateFlags(revert, args, ['--strategy', '--timeout', '--lazy', '--eager']);
    arity(revert, words, 1);
    finishUpdate(s, s.updater.start([s.updater.revertTarget(words[0]!)], opts, 'revert'), summary);
  },
});

const history = define({
  name: 'history',
  usage: 'history',
  summary: 'every update and revert: phases with their durations (cycles and wall time), and the outcome',
  run(s, args) {
    arity(history, args, 0);
    printHistory(s, s.updater.history, (r) => `${r.kind} ${r.id}: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')}  strategy ${r.strategy}  ${r.outcome}${r.error ? ` (${r.error.errno})` : ''}`);
  },
});

export const COMMANDS: ReadonlyMap<string, Command<ConsoleSession>> = commandTable([insmod, rmmod, lsmod, modinfo, update, revert, history]);
