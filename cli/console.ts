// A console session on a booted machine: what `livemod shell` and
// `livemod run` drive. It holds the kernel and the workload, parses a line,
// dispatches it through the command table, and runs file commands as
// syscalls from a short-lived user thread while the rest of the machine
// (the workload included) keeps running.

import type { MachineConfig } from '../hw/machine.js';
import { err } from '../exec/errno.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';
import { Updater } from '../updater/updater.js';
import type { Workload } from '../user/workload.js';
import { COMMANDS, type Command } from './commands.js';
import { tokenize } from './format.js';

/** Most cycles a console command's user thread may take before the console gives up waiting. */
export const COMMAND_CYCLE_LIMIT = 50_000_000;

export class ConsoleSession {
  workload: Workload | null = null;
  readonly updater: Updater;

  constructor(
    readonly k: Kernel,
    /** Where output lines go. */
    readonly print: (line: string) => void,
  ) {
    this.updater = new Updater(k);
    this.updater.onEvent = (r, e) =>
      this.print(`  [${r.kind} ${r.id}] ${e.phase.padEnd(8)} t=${e.at}  ${String(e.cycles).padStart(8)} cycles  ${e.wallUs.toFixed(0).padStart(6)} us  ${e.detail}`);
  }

  static boot(config: Partial<MachineConfig>, print: (line: string) => void): ConsoleSession {
    return new ConsoleSession(bootKernel(config), print);
  }

  /** Run one console line. Throws (a KernelError for user errors) when it fails. */
  async exec(line: string): Promise<void> {
    const words = tokenize(line);
    const name = words[0];
    if (name === undefined) return;
    const cmd = COMMANDS.get(name);
    if (!cmd) throw err('EINVAL', `unknown command '${name}'`, "type 'help' for the list of commands");
    const args = words.slice(1);
    if (args.includes('--help') || args.includes('-h')) {
      for (const l of helpFor(cmd)) this.print(l);
      return;
    }
    await cmd.run(this, args);
  }

  /** Run `program` as a user thread until it exits; returns its result. */
  sys<T>(what: string, program: (sys: Sys) => KGen<T>): T {
    const t = this.k.spawnUser(`sh:${what}`, program);
    return this.k.runThread(t, COMMAND_CYCLE_LIMIT) as T;
  }
}

export function helpFor(cmd: Command): string[] {
  return [`usage: ${cmd.usage}`, `  ${cmd.summary}`, ...(cmd.details ?? []).map((d) => `  ${d}`)];
}
