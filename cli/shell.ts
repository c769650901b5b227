// The interactive console (`livemod shell`): a prompt on a booted machine.
// A failing command prints its one-line error and the machine goes on. On a
// terminal it completes words with Tab (complete.ts), keeps its history
// between sessions in ~/.livemod_history (or $LIVEMOD_HISTORY; empty: none),
// wraps help to the terminal's width and leaves on Ctrl-D or `exit`. Ctrl-C
// works as in Node's REPL (CtrlC in interrupt.ts): it interrupts a running
// command (a long tick, a waited update, workload stop), which fails with
// ECANCELED and leaves the machine consistent; else it clears a typed line;
// at an empty prompt it says how to leave, and a second press leaves.
// Reading from a pipe it prints no prompt, only what the commands print; a
// SIGINT interrupts the running command, or ends the session between two.

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { completeLine } from './complete.js';
import { CtrlC, EXIT_HINT } from './interrupt.js';
import { describeError } from './format.js';
import type { Session } from './session.js';

/** Lines of history kept. */
const HISTORY_SIZE = 1000;

/** Where the history is kept: $LIVEMOD_HISTORY if set (empty: nowhere), else ~/.livemod_history. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.LIVEMOD_HISTORY;
  if (set !== undefined) return set === '' ? null : set;
  return join(homedir(), '.livemod_history');
}

/** The history in `file` (oldest line first there), newest first as readline wants it; none if it cannot be read. */
export function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** Write readline's history (newest first) to `file`, oldest line first; a file that cannot be written is left alone. */
export function saveHistory(file: string, history: readonly string[]): void {
  try {
    writeFileSync(file, history.slice(0, HISTORY_SIZE).reverse().map((l) => `${l}\n`).join(''));
  } catch {
    // The console works without a history file (a read-only home, say).
  }
}

export async function interactive(session: Session): Promise<void> {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const file = tty ? historyPath() : null;
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'livemod> ',
    terminal: tty,
    history: file ? loadHistory(file) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string): [string[], string] => {
      try {
        return completeLine(session, line);
      } catch {
        return [[], line];
      }
    },
  });
  const prompt = () => {
    if (tty) rl.prompt();
  };
  const ctrlC = new CtrlC(session);
  /** A SIGINT from outside (kill -INT, or Ctrl-C when the input is not a terminal): interrupt the command, or end the session between two. */
  const onSignal = () => {
    if (session.interrupt()) return;
    process.exitCode = 130;
    rl.close();
  };
  process.on('SIGINT', onSignal);
  if (tty) {
    const fit = () => {
      session.width = process.stdout.columns || 80;
    };
    fit();
    process.stdout.on('resize', fit);
    if (file) rl.on('history', (h: string[]) => saveHistory(file, h));
    rl.on('SIGINT', () => {
      const action = ctrlC.press(rl.line);
      if (action === 'interrupted') {
        process.stdout.write('^C\n'); // the command fails with ECANCELED, then the prompt comes back
        return;
      }
      if (action === 'exit') {
        process.stdout.write('^C');
        rl.close();
        return;
      }
      // Drop what was typed, as a shell does; the machine and the console stay.
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      process.stdout.write(action === 'hint' ? `^C\n${EXIT_HINT}\n` : '^C\n');
      rl.prompt();
    });
    session.print(`livemod shell: ${session.k.machine.cpus.length} CPUs, seed ${session.k.machine.config.seed}. Type 'help' for commands, Tab to complete, 'exit' or Ctrl-D to leave.`);
  }
  prompt();
  for await (const line of rl) {
    ctrlC.reset();
    const cmd = line.trim();
    if (/^(exit|quit)(\s+#.*)?$/.test(cmd)) break;
    try {
      await session.exec(cmd);
    } catch (e) {
      process.stderr.write(`error: ${describeError(e)}\n`);
      if (process.env.LIVEMOD_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    }
    prompt();
  }
  rl.close();
  process.off('SIGINT', onSignal);
  if (tty) process.stdout.write('\n');
}
