// The console session on the object twin (`livemod shell --kernel objects`,
// `livemod run --kernel objects FILE`): the common commands, plus the
// twin's own: `lsobj` (classes, versions, instances, lazy swaps pending,
// the object table) and `update`, `revert` and `history` through its
// factories and hot-swap.

import type { MachineConfig } from '../hw/machine.js';
import { err } from '../exec/errno.js';
import { RELEASES } from '../oo/classes/releases.js';
import { bootObjectKernel, type ObjectKernel } from '../oo/kernel.js';
import { ObjectUpdater, type OoUpdateOptions, type OoUpdateRecord } from '../oo/updater.js';
import { arity, commandTable, finishUpdate, phaseLine, printHistory, updateFlags } from './common.js';
import { table } from './format.js';
import { type Command, Session } from './session.js';

export class ObjectConsoleSession extends Session {
  readonly updater: ObjectUpdater;

  constructor(
    readonly kernel: ObjectKernel,
    print: (line: string) => void,
  ) {
    super(print);
    this.updater = new ObjectUpdater(kernel);
    this.updater.onEvent = (r, e) => this.print(`  [${r.kind} ${r.id}] ${phaseLine(e)}`);
  }

  static boot(config: Partial<MachineConfig>, print: (line: string) => void): ObjectConsoleSession {
    return new ObjectConsoleSession(bootObjectKernel(config), print);
  }

  get k(): ObjectKernel {
    return this.kernel;
  }

  get commands(): ReadonlyMap<string, Command> {
    return OBJECT_COMMANDS as ReadonlyMap<string, Command>;
  }

  kernelStat(): string[] {
    const { ott, generations } = this.kernel;
    return [
      `objects:      ${Object.entries(this.kernel.census()).map(([c, n]) => `${c} ${n}`).join(', ')}`,
      `object table: ${ott.stats.calls} calls, ${ott.stats.misses} misses, ${ott.adaptorCount()} adaptor(s)`,
      `generation:   ${generations.current} (${generations.advances} advances)`,
    ];
  }

  kernelLog(): string[] {
    return this.kernel.log;
  }

  mountHint(root: string): string {
    return `mount simplefs disk0 ${root}`;
  }
}

const define = (c: Command<ObjectConsoleSession>) => c;

const lsobj = define({
  name: 'lsobj',
  usage: 'lsobj',
  summary: 'object classes: running version, interface, instances, lazy swaps still pending; and the releases',
  run(s, args) {
    arity(lsobj, args, 0);
    const rows = [...s.kernel.factories.values()].map((f) => {
      const lazy = [...f.pending.values()].filter((m) => m.phase === 'lazy').length;
      return [f.name, f.running.version, f.running.iface, f.instances.size, lazy || '-', f.history.map((c) => c.version).join(' '), f.running.description];
    });
    for (const l of table(['class', 'version', 'iface', 'instances', 'lazy pending', 'history', 'description'], rows)) s.print(l);
    s.print('');
    for (const [c, r] of Object.entries(RELEASES)) s.print(`${c} ${s.kernel.releases.get(c)} running; releases: ${Object.keys(r).join(', ')}`);
  },
});

function summary(r: OoUpdateRecord): string {
  const what = r.releases.map((x) => `${x.name} ${x.from} -> ${x.to}`).join(', ');
  return `${r.kind} ${r.id} committed: ${what} (${r.classes.map((c) => `${c.name} ${c.to}`).join(', ')}): waited ${r.waitCycles} cycles, paused ${r.pauseWallUs.toFixed(0)} us, ${r.heldCalls} call(s) held, ${r.instances} swapped${r.pending ? `, ${r.pending} left to swap on their next call` : ''}`;
}

function runUpdate(s: ObjectConsoleSession, specs: string[], opts: OoUpdateOptions, kind: 'update' | 'revert'): void {
  finishUpdate(s, s.updater.start(specs, opts, kind), summary);
}

const update = define({
  name: 'update',
  usage: 'update NAME@VERSION... [--lazy|--eager] [--timeout CYCLES] [--dry-run]',
  summary: "hot-swap every instance of the classes a release changes (K42's protocol); several releases as one group",
  details: [
    'A factory updates its class only from the version just before (N-1).',
    '--lazy swaps each instance on its next call, --eager all at once; without either, as each class version says.',
    '--dry-run names the classes that would change, with their transfer formats, and changes nothing.',
    'On timeout or a failed transfer every old object stays.',
  ],
  run(s, args) {
    const { words, opts, dryRun } = updateFlags(update, args, ['--lazy', '--eager', '--timeout', '--dry-run']);
    if (words.length === 0) throw err('EINVAL', 'update needs at least one NAME@VERSION', `usage: ${update.usage}`);
    if (dryRun) {
      const { changes } = s.updater.plan(words);
      for (const c of changes) s.print(`${c.factory.name} ${c.from.version} -> ${c.to.version}: ${c.factory.instances.size} instance(s), transfer format ${c.format}${c.to.iface !== c.from.iface ? `, interface ${c.from.iface} -> ${c.to.iface}` : ''}`);
      return;
    }
    runUpdate(s, words, opts, 'update');
  },
});

const revert = define({
  name: 'revert',
  usage: 'revert NAME [--lazy|--eager] [--timeout CYCLES]',
  summary: 'go back to the release NAME ran before its last update',
  run(s, args) {
    const { words, opts } = updateFlags(revert, args, ['--lazy', '--eager', '--timeout']);
    arity(revert, words, 1);
    runUpdate(s, [s.updater.revertTarget(words[0]!)], opts, 'revert');
  },
});

const history = define({
  name: 'history',
  usage: 'history',
  summary: 'every update and revert: phases with their durations (cycles and wall time), and the outcome',
  run(s, args) {
    arity(history, args, 0);
    printHistory(s, s.updater.history, (r) => `${r.kind} ${r.id}: ${r.releases.map((x) => `${x.name} ${x.from} -> ${x.to}`).join(', ')}  ${r.lazy ? 'lazy' : 'eager'}  ${r.outcome}${r.error ? ` (${r.error.errno})` : ''}`);
  },
});

export const OBJECT_COMMANDS: ReadonlyMap<string, Command<ObjectConsoleSession>> = commandTable([lsobj, update, revert, history]);
