// The console session on the procedural kernel: what `livemod shell` and
// `livemod run` drive by default. Its own commands are the module commands
// (module-commands.ts) and `call` (call-command.ts); updates go through the procedural updater, which
// finds versions in the catalog or in files.

import type { MachineConfig } from '../hw/machine.js';
import { catalog } from '../catalog/catalog.js';
import { moduleTrust } from '../catalog/trust.js';
import { bootKernel, type Kernel, type KernelOptions } from '../kernel/kernel.js';
import { Updater } from '../updater/updater.js';
import { CALL_COMMANDS } from './call-command.js';
import { commandTable } from './commands.js';
import { MODULE_COMMANDS } from './module-commands.js';
import { type Command, Session } from './session.js';

const COMMANDS = commandTable([...MODULE_COMMANDS, ...CALL_COMMANDS]);

export class ConsoleSession extends Session<Kernel> {
  readonly specForm = { usage: 'SPEC', what: 'NAME@VERSION or file' };

  constructor(kernel: Kernel, print: (line: string) => void) {
    super(kernel, new Updater(kernel, moduleTrust(kernel).resolver), print);
  }

  static boot(config: Partial<MachineConfig>, print: (line: string) => void, options: KernelOptions = {}): ConsoleSession {
    return new ConsoleSession(bootKernel(config, options), print);
  }

  get commands(): ReadonlyMap<string, Command> {
    return COMMANDS;
  }

  /** Read from /dev/kmsg, or the boot buffer if kmsg is not loaded. */
  kernelLog(): string[] {
    if (!this.k.ops.get('chrdev', 'kmsg')) return ['(kmsg is not loaded: showing the boot buffer; insmod kmsg keeps the full log)', ...this.k.log.pending()];
    const text = this.sysNow('dmesg', (sys) => sys.readFile('/dev/kmsg'));
    return new TextDecoder().decode(text).split('\n').filter((l) => l);
  }

  mountHint(root: string): string {
    return `insmod blkdev; insmod simplefs; mount simplefs disk0 ${root}`;
  }

  moduleNames(which: 'loaded' | 'all'): string[] {
    const loaded = this.k.loader.list().map((m) => m.name);
    return which === 'loaded' ? loaded : [...new Set([...loaded, ...catalog().keys()])];
  }

  moduleVersions(name: string): string[] {
    return catalog().get(name) ?? (this.k.loader.get(name) ? [this.k.loader.get(name)!.def.version] : []);
  }
}
