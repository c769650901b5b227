// What a console session is, whichever kernel it runs on: a kernel on the
// machine and its updater (the one UpdateService interface), a command
// table, a line parser that dispatches through it, a way to run a file
// command as a syscall from a short-lived user thread while the rest of the
// machine (the workload included) keeps running, and the workload it
// started. console.ts is the procedural kernel's session, objects.ts the
// object twin's; commands.ts assembles the table both share. A command may
// return what it found as data (api/data.ts), which `run --json` prints.

import { statReport, type StatReport } from '../api/data.js';
import type { Sys } from '../exec/abi.js';
import { err } from '../exec/errno.js';
import type { UpdateService } from '../exec/lifecycle.js';
import type { KGen } from '../exec/thread.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ObjectKernel } from '../oo/kernel.js';
import type { Workload } from '../user/workload.js';
import { phaseLine, tokenize } from './format.js';

/** Most cycles a console command's user thread may take before the console gives up waiting. */
export const COMMAND_CYCLE_LIMIT = 50_000_000;

export interface Command<S extends Session<any> = Session> {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly details?: readonly string[];
  /** Do it; what it found as plain data, or nothing. */
  run(s: S, args: string[]): unknown;
}

/** A kernel a console can drive: either kernel. */
export type ConsoleKernel = Kernel | ObjectKernel;

export abstract class Session<K extends ConsoleKernel = ConsoleKernel> {
  workload: Workload | null = null;
  /** Where output lines go now (capture diverts them). */
  private sink: (line: string) => void;
  /** Print one line of output. */
  readonly print = (line: string): void => this.sink(line);

  constructor(
    readonly k: K,
    /** The kernel's updater: `update`, `revert` and `history` go through it. */
    readonly updater: UpdateService,
    /** Where output lines go. */
    print: (line: string) => void,
  ) {
    this.sink = print;
    // Live progress: every phase of an update as it happens.
    k.updates.phases.add((r, e) => this.print(`  [${r.kind} ${r.id}] ${phaseLine(e)}`));
  }

  /** How `update` names a version here: its usage word and what it means (the procedural console also takes files). */
  abstract readonly specForm: { readonly usage: string; readonly what: string };

  abstract get commands(): ReadonlyMap<string, Command>;
  /** The kernel log, for `dmesg`. */
  abstract kernelLog(): string[];
  /** What to tell a user who starts the workload with nothing mounted on `root`. */
  abstract mountHint(root: string): string;

  /** What `stat` shows. */
  stats(): StatReport {
    return statReport(this.k);
  }

  /** Run one console line; what the command returned as data. Throws (a KernelError for user errors) when it fails. */
  async exec(line: string): Promise<unknown> {
    const words = tokenize(line);
    const name = words[0];
    if (name === undefined) return undefined;
    const cmd = this.commands.get(name);
    if (!cmd) throw err('EINVAL', `unknown command '${name}'`, "type 'help' for the list of commands");
    const args = words.slice(1);
    if (args.includes('--help') || args.includes('-h')) {
      for (const l of helpFor(cmd)) this.print(l);
      return undefined;
    }
    return await cmd.run(this, args);
  }

  /** Run `fn` with every line printed meanwhile appended to `into` instead. */
  async capture<T>(into: string[], fn: () => Promise<T>): Promise<T> {
    const sink = this.sink;
    this.sink = (line) => into.push(line);
    try {
      return await fn();
    } finally {
      this.sink = sink;
    }
  }

  /** Run `program` as a user thread until it exits; returns its result. */
  sys<T>(what: string, program: (sys: Sys) => KGen<T>): T {
    const t = this.k.spawnUser(`sh:${what}`, program);
    return this.k.runThread(t, COMMAND_CYCLE_LIMIT) as T;
  }
}

/** EINVAL naming the usage unless `args` has between `min` and `max` words. */
export function arity(cmd: { name: string; usage: string }, args: readonly string[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw err('EINVAL', `${cmd.name} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`, `usage: ${cmd.usage}`);
  }
}

/** The words of `args` without `--json`, and whether it was there (for commands with a JSON form). */
export function jsonFlag(args: readonly string[]): { json: boolean; words: string[] } {
  return { json: args.includes('--json'), words: args.filter((a) => a !== '--json') };
}

export function helpFor(cmd: Command): string[] {
  return [`usage: ${cmd.usage}`, `  ${cmd.summary}`, ...(cmd.details ?? []).map((d) => `  ${d}`)];
}
