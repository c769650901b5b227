// Running console commands from a script (`livemod run FILE|-`): one command
// per line, and a line that starts with `!` must fail. `#` starts a comment,
// at the start of a line or of a word (`update x@1.1.0  # code only`; the
// console's tokenizer in format.ts drops it, so the shell reads lines the
// same way); `a#b` is a word. The run stops at the first line that does not
// do what it should. With `json`, each command's output lines, what it
// returned as data and how it went come out as one entry (schema
// livemod.run/1) instead of as text.

import { readFileSync } from 'node:fs';
import { type ErrorData, errorData } from '../api/data.js';
import { err } from '../exec/errno.js';
import type { Session } from './session.js';
import { describeError } from './format.js';

export const RUN_SCHEMA = 'livemod.run/1';

/** The text of script `file` (`-`: standard input); the errno the host gave, named, when it cannot be read. */
export function readScript(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EISDIR') throw err('EISDIR', `${file} is a directory`, 'give the path of a script file, or - for standard input');
    if (code === 'EACCES' || code === 'EPERM') throw err('EACCES', `cannot read script ${file}: permission denied`, 'check its permissions');
    throw err('ENOENT', `cannot read script ${file}`, 'check the path');
  }
}

/** One command of a script, as `run --json` prints it (one JSON line each). */
export interface RunEntry {
  readonly schema: typeof RUN_SCHEMA;
  /** Its line in the script, from 1. */
  readonly line: number;
  /** The command, without the `!`. */
  readonly command: string;
  /** The line started with `!`. */
  readonly mustFail: boolean;
  readonly status: 'ok' | 'failed as expected' | 'failed' | 'succeeded unexpectedly';
  /** What it printed. */
  readonly output: readonly string[];
  /** What it returned as data (update records, stat, history, the workload), when it returns any. */
  readonly data?: unknown;
  readonly error: ErrorData | null;
}

export interface ScriptOptions {
  /** Name used in messages (the file, or `-`). */
  readonly source: string;
  /** Print each command before its output. */
  readonly echo: boolean;
  /** Where error lines go. */
  readonly printErr: (line: string) => void;
  /** Give each command's entry here instead of printing its output. */
  readonly json?: (entry: RunEntry) => void;
}

/** Run every line; true when every line did what it should. */
export async function runScript(session: Session, text: string, opts: ScriptOptions): Promise<boolean> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const mustFail = line.startsWith('!');
    const command = mustFail ? line.slice(1).trim() : line;
    if (opts.echo && !opts.json) session.print(`> ${line}`);
    const output: string[] = [];
    let data: unknown;
    let error: unknown;
    let failed = false;
    try {
      data = opts.json ? await session.capture(output, () => session.exec(command)) : await session.exec(command);
    } catch (e) {
      failed = true;
      error = e;
    }
    const status = failed ? (mustFail ? 'failed as expected' : 'failed') : mustFail ? 'succeeded unexpectedly' : 'ok';
    opts.json?.({ schema: RUN_SCHEMA, line: i + 1, command, mustFail, status, output, ...(data !== undefined ? { data } : {}), error: failed ? errorData(error) : null });
    if (status === 'failed as expected') {
      if (!opts.json) session.print(`  (failed as expected) ${describeError(error)}`);
    } else if (status === 'failed') {
      opts.printErr(`${opts.source}:${i + 1}: ${describeError(error)}`);
      if (process.env.LIVEMOD_DEBUG && error instanceof Error) opts.printErr(error.stack ?? '');
      return false;
    } else if (status === 'succeeded unexpectedly') {
      opts.printErr(`${opts.source}:${i + 1}: expected '${command}' to fail, but it succeeded`);
      return false;
    }
  }
  return true;
}
