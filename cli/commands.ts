// The command table of a console: `help`, then the commands of its own
// kernel, then those every console has (updates, the machine, files, the
// workload, faults and kill). Both consoles (console.ts, objects.ts) build theirs
// here, so they differ only in their own commands.

import { FAULT_COMMANDS } from './fault-commands.js';
import { FILE_COMMANDS } from './file-commands.js';
import { HELP, MACHINE_COMMANDS, SCRIPT_COMMANDS } from './machine-commands.js';
import type { Command, Session } from './session.js';
import { TRANSITION_COMMANDS } from './transition-commands.js';
import { UPDATE_COMMANDS } from './update-commands.js';
import { WORKLOAD_COMMANDS } from './workload-command.js';

export function commandTable<S extends Session<any>>(own: readonly Command<S>[]): ReadonlyMap<string, Command> {
  const all = [HELP, ...own, ...UPDATE_COMMANDS, ...TRANSITION_COMMANDS, ...MACHINE_COMMANDS, ...FILE_COMMANDS, ...WORKLOAD_COMMANDS, ...FAULT_COMMANDS, ...SCRIPT_COMMANDS] as Command[];
  return new Map(all.map((c) => [c.name, c]));
}
