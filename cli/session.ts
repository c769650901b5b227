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
import { stillRunning } from '../exec/executive.js';
import type { KGen } from '../exec/thread.js';
import { kill } from '../exec/signal.js';
import { touchWatchdog } from '../exec/watchdog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ObjectKernel } from '../oo/kernel.js';
import type { Thread } from '../exec/thread.js';
import type { Workload } from '../user/workload.js';
import { endLine, phaseLine, tokenizeWords, type Word, wrap } from './format.js';
import { runInSlices, SLICE_MS } from './interrupt.js';
import { didYouMean } from './suggest.js';

/** Most cycles a console command's user thread may take before the console gives up waiting. */
export const COMMAND_CYCLE_LIMIT = 50_000_000;

/**
 * What a word of a command is, for tab completion (complete.ts): a command
 * name, a module spec (`NAME` or `NAME@VERSION`, loaded or loadable), a
 * loaded module, a path on the machine, one of fixed words, or words the
 * session gives.
 */
export type ArgKind<S extends Session<any> = Session> = 'command' | 'module' | 'loaded' | 'path' | readonly string[] | ((s: S) => readonly string[]);

export interface Command<S extends Session<any> = Session> {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly details?: readonly string[];
  /** What each positional word is, for completion; `completeRest` for every word after those. */
  readonly complete?: readonly ArgKind<S>[];
  readonly completeRest?: ArgKind<S>;
  /**
   * Do it; what it found as plain data, or nothing. `args` are the words
   * after the name; `words` the same with their quoting, for a command that
   * tells `12` from `"12"`.
   */
  run(s: S, args: string[], words: readonly Word[]): unknown;
}

/** A kernel a console can drive: either kernel. */
export type ConsoleKernel = Kernel | ObjectKernel;

export abstract class Session<K extends ConsoleKernel = ConsoleKernel> {
  workload: Workload | null = null;
  /** Updates left pending in the background (`update --nowait`) whose end the console has still to print. */
  readonly background = new Set<number>();
  /** Where output lines go now (capture diverts them). */
  private sink: (line: string) => void;
  /** Print one line of output. */
  readonly print = (line: string): void => this.sink(line);
  /** Columns that help wraps to (the interactive console sets the terminal's). */
  width = 80;
  /** Wall time of a slice of a long run (cli/interrupt.ts); tests set 0 to pause every few hundred events. */
  sliceMs = SLICE_MS;
  /** Aborted to interrupt the command running now (cli/interrupt.ts); null between commands. */
  private running: AbortController | null = null;

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
    // A transition left in the background says how it ended, whichever command was running then.
    k.updates.ended.add((r) => {
      if (this.background.delete(r.id)) this.print(endLine(r, (x) => this.updater.summary(x)));
    });
  }

  /** How `update` names a version here: its usage word and what it means (the procedural console also takes files). */
  abstract readonly specForm: { readonly usage: string; readonly what: string };

  abstract get commands(): ReadonlyMap<string, Command>;
  /** The kernel log, for `dmesg`. */
  abstract kernelLog(): string[];
  /** What to tell a user who starts the workload with nothing mounted on `root`. */
  abstract mountHint(root: string): string;
  /** Modules a command may name: the loaded ones, or (`all`) those too that could be loaded or updated to. */
  abstract moduleNames(which: 'loaded' | 'all'): string[];
  /** The versions of module `name` a spec may name, oldest first. */
  abstract moduleVersions(name: string): string[];

  /** What `stat` shows. */
  stats(): StatReport {
    return statReport(this.k);
  }

  /** Run one console line; what the command returned as data. Throws (a KernelError for user errors) when it fails. */
  async exec(line: string): Promise<unknown> {
    const words = tokenizeWords(line);
    const name = words[0]?.text;
    if (name === undefined) return undefined;
    const cmd = this.commands.get(name);
    if (!cmd) throw unknownCommand(name, this.commands.keys());
    const args = words.slice(1).map((w) => w.text);
    if (args.includes('--help') || args.includes('-h')) {
      for (const l of helpFor(cmd, this.width)) this.print(l);
      return undefined;
    }
    const mine = new AbortController();
    this.running = mine;
    // Module code the command runs outside a thread's step (a file's top level, init, exit, a
    // transfer) gets a full watchdog budget, and what the watchdog stopped is logged and tainted
    // before the next prompt.
    touchWatchdog(null);
    try {
      return await cmd.run(this, args, words.slice(1));
    } finally {
      if (this.running === mine) this.running = null;
      this.k.reportLockups();
    }
  }

  /** Interrupt the running command (Ctrl-C); false when none runs. */
  interrupt(): boolean {
    if (!this.running || this.running.signal.aborted) return false;
    this.running.abort();
    return true;
  }

  /** A command is running now (between `exec` and its end). */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Let the machine run for `cycles`, interruptibly (ECANCELED). */
  async advance(cycles: number, what = 'tick'): Promise<void> {
    await runInSlices(this.k.machine.events, this.k.now + cycles, what, this.running?.signal, undefined, this.sliceMs);
  }

  /** Run until `done()` holds or `maxCycles` pass, interruptibly (ECANCELED); whether it held. */
  async waitUntil(done: () => boolean, maxCycles: number, what: string): Promise<boolean> {
    await runInSlices(this.k.machine.events, this.k.now + maxCycles, what, this.running?.signal, done, this.sliceMs);
    return done();
  }

  /** Run until thread `t` exits, interruptibly, as Executive.runThread does: its result, or its error; ETIMEDOUT after `maxCycles`. */
  async waitThread(t: Thread, maxCycles: number, what: string): Promise<unknown> {
    await this.waitUntil(() => t.state === 'exited', maxCycles, what);
    return this.k.runThread(t, 0);
  }

  /** Whether the running command was interrupted; for a command that must clean up before it reports ECANCELED. */
  get interrupted(): boolean {
    return this.running?.signal.aborted === true;
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

  /**
   * Run `program` as a user thread until it exits; returns its result. For
   * what must answer at once (tab completion, the kernel log); a file
   * command uses `syscalls`, which the user can stop.
   */
  sysNow<T>(what: string, program: (sys: Sys) => KGen<T>): T {
    const t = this.k.spawnUser(`sh:${what}`, program);
    return this.k.runThread(t, COMMAND_CYCLE_LIMIT) as T;
  }

  /**
   * Run `program` as a user thread until it exits, interruptibly; returns
   * its result. A Ctrl-C (ECANCELED) kills the thread, as a shell's Ctrl-C
   * signals its foreground job: it unwinds at its next step wherever it
   * waits (exec/signal.ts), so the open files, the mount and the module
   * frames it held are let go and nothing stays pinned behind the prompt.
   * After COMMAND_CYCLE_LIMIT it fails with ETIMEDOUT and the thread is left
   * running, as a job sent to the background (`ps` shows it, `kill TID`
   * ends it): a script may mean to leave a thread busy in a module, as the
   * livepatch selftests' busy target does.
   */
  async syscalls<T>(what: string, program: (sys: Sys) => KGen<T>): Promise<T> {
    const t = this.k.spawnUser(`sh:${what}`, program);
    let exited: boolean;
    try {
      exited = await this.waitUntil(() => t.state === 'exited', COMMAND_CYCLE_LIMIT, what);
    } catch (e) {
      if (t.state !== 'exited') {
        kill(this.k.sched, t);
        this.k.runUntil(() => t.state === 'exited', COMMAND_CYCLE_LIMIT);
      }
      throw e;
    }
    if (!exited) throw stillRunning(t, COMMAND_CYCLE_LIMIT);
    return this.k.runThread(t, 0) as T;
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

/** EINVAL for a command the console does not have, naming the closest ones. */
export function unknownCommand(name: string, known: Iterable<string>): Error {
  const hint = didYouMean(name, known);
  return err('EINVAL', `unknown command '${name}'`, `${hint ? `${hint} ` : ''}type 'help' for the list of commands`);
}

/** `help CMD`: its usage, summary and details, wrapped to `width`. */
export function helpFor(cmd: Command, width = Infinity): string[] {
  const indented = (text: string) => wrap(text, width - 2).map((l) => `  ${l}`);
  const [first, ...more] = wrap(cmd.usage, width - 7);
  return [`usage: ${first}`, ...more.map((l) => `       ${l}`), ...[cmd.summary, ...(cmd.details ?? [])].flatMap(indented)];
}
