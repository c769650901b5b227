// The console session on the object twin (`--kernel objects`): its own
// command is `lsobj` (classes, versions, instances, pending lazy swaps, and
// the releases); updates go through the twin's hot-swap updater, by release
// (`simplefs@1.2.0`). The rest of the table is every console's.

import type { MachineConfig } from '../hw/machine.js';
import { RELEASES } from '../oo/classes/releases.js';
import { bootObjectKernel, type ObjectKernel } from '../oo/kernel.js';
import { ObjectUpdater } from '../oo/updater.js';
import { commandTable } from './commands.js';
import { table } from './format.js';
import { arity, type Command, Session } from './session.js';

export class ObjectConsoleSession extends Session<ObjectKernel> {
  readonly specForm = { usage: 'NAME@VERSION', what: 'NAME@VERSION' };

  constructor(kernel: ObjectKernel, print: (line: string) => void) {
    super(kernel, new ObjectUpdater(kernel), print);
  }

  static boot(config: Partial<MachineConfig>, print: (line: string) => void): ObjectConsoleSession {
    return new ObjectConsoleSession(bootObjectKernel(config), print);
  }

  get commands(): ReadonlyMap<string, Command> {
    return OBJECT_COMMANDS;
  }

  kernelLog(): string[] {
    return this.k.log;
  }

  mountHint(root: string): string {
    return `mount simplefs disk0 ${root}`;
  }

  /** The releases: every one is running (the twin boots them all). */
  moduleNames(): string[] {
    return Object.keys(RELEASES);
  }

  moduleVersions(name: string): string[] {
    return Object.keys(RELEASES[name] ?? {});
  }
}

const define = (c: Command<ObjectConsoleSession>) => c;

const lsobj = define({
  name: 'lsobj',
  usage: 'lsobj',
  summary: 'object classes: running version, interface, instances, lazy swaps still pending; and the releases',
  run(s, args) {
    arity(lsobj, args, 0);
    const rows = [...s.k.factories.values()].map((f) => {
      const lazy = [...f.pending.values()].filter((m) => m.phase === 'lazy').length;
      return [f.name, f.running.version, f.running.iface, f.instances.size, lazy || '-', f.history.map((c) => c.version).join(' '), f.running.description];
    });
    for (const l of table(['class', 'version', 'iface', 'instances', 'lazy pending', 'history', 'description'], rows)) s.print(l);
    s.print('');
    for (const [c, r] of Object.entries(RELEASES)) s.print(`${c} ${s.k.releases.get(c)} running; releases: ${Object.keys(r).join(', ')}`);
  },
});

const OBJECT_COMMANDS = commandTable([lsobj]);
