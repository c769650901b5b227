// The interactive console (`livemod shell`): a prompt on a booted machine.
// A failing command prints its one-line error and the machine goes on. On a
// terminal it completes words with Tab (complete.ts), keeps its history
// between sessions in ~/.livemod_history (or $LIVEMOD_HISTORY; empty: none),
// wraps help to the terminal's width, clears the line on Ctrl-C (the
// machine stays as it is) and leaves on Ctrl-D or `exit`. Reading from a
// pipe it prints no prompt, only what the commands print.

import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { completeLine } from './complete.js';
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
  if (tty) {
    const fit = () => {
      session.width = process.stdout.columns || 80;
    };
    fit();
    process.stdout.on('resize', fit);
    if (file) rl.on('history', (h: string[]) => saveHistory(file, h));
    // Ctrl-C at the prompt drops what was typed, as a shell does; the machine and the console stay.
    rl.on('SIGINT', () => {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      process.stdout.write('^C\n');
      rl.prompt();
    });
    session.print(`livemod shell: ${session.k.machine.cpus.length} CPUs, seed ${session.k.machine.config.seed}. Type 'help' for commands, Tab to complete, 'exit' or Ctrl-D to leave.`);
  }
  prompt();
  for await (const line of rl) {
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
  if (tty) process.stdout.write('\n');
}
