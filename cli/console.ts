// The console session on the procedural kernel: what `livemod shell` and
// `livemod run` drive by default. It holds the kernel, its updater and the
// module commands (commands.ts) besides the common ones.

import type { MachineConfig } from '../hw/machine.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { Updater } from '../updater/updater.js';
import { COMMANDS } from './commands.js';
import { phaseLine } from './common.js';
import { type Command, Session } from './session.js';

export class ConsoleSession extends Session {
  readonly updater: Updater;

  constructor(
    readonly kernel: Kernel,
    print: (line: string) => void,
  ) {
    super(print);
    this.updater = new Updater(kernel);
    this.updater.onEvent = (r, e) => this.print(`  [${r.kind} ${r.id}] ${phaseLine(e)}`);
  }

  static boot(config: Partial<MachineConfig>, print: (line: string) => void): ConsoleSession {
    return new ConsoleSession(bootKernel(config), print);
  }

  get k(): Kernel {
    return this.kernel;
  }

  get commands(): ReadonlyMap<string, Command> {
    return COMMANDS as ReadonlyMap<string, Command>;
  }

  kernelStat(): string[] {
    return [`store:        ${this.kernel.store.commits} commits`, `binding:      ${this.kernel.symbols.binding}`];
  }

  /** Read from /dev/kmsg, or the boot buffer if kmsg is not loaded. */
  kernelLog(): string[] {
    if (!this.kernel.ops.get('chrdev', 'kmsg')) return ['(kmsg is not loaded: showing the boot buffer; insmod kmsg keeps the full log)', ...this.kernel.log.pending()];
    const text = this.sys('dmesg', (sys) => sys.readFile('/dev/kmsg'));
    return new TextDecoder().decode(text).split('\n').filter((l) => l);
  }

  mountHint(root: string): string {
    return `insmod blkdev; insmod simplefs; mount simplefs disk0 ${root}`;
  }
}
