// Running console commands from a script (`livemod run FILE|-`): one command
// per line, and a line that starts with `!` must fail. `#` starts a comment,
// at the start of a line or of a word (`update x@1.1.0  # code only`; the
// console's tokenizer in format.ts drops it, so the shell reads lines the
// same way); `a#b` is a word. The run stops at the first line that does not
// do what it should.

import type { Session } from './session.js';
import { describeError } from './format.js';

export interface ScriptOptions {
  /** Name used in messages (the file, or `-`). */
  readonly source: string;
  /** Print each command before its output. */
  readonly echo: boolean;
  /** Where error lines go. */
  readonly printErr: (line: string) => void;
}

/** Run every line; true when every line did what it should. */
export async function runScript(session: Session, text: string, opts: ScriptOptions): Promise<boolean> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const mustFail = line.startsWith('!');
    const command = mustFail ? line.slice(1).trim() : line;
    if (opts.echo) session.print(`> ${line}`);
    try {
      await session.exec(command);
    } catch (e) {
      if (mustFail) {
        session.print(`  (failed as expected) ${describeError(e)}`);
        continue;
      }
      opts.printErr(`${opts.source}:${i + 1}: ${describeError(e)}`);
      if (process.env.LIVEMOD_DEBUG && e instanceof Error) opts.printErr(e.stack ?? '');
      return false;
    }
    if (mustFail) {
      opts.printErr(`${opts.source}:${i + 1}: expected '${command}' to fail, but it succeeded`);
      return false;
    }
  }
  return true;
}
