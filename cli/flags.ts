// Options of console commands (`update simplefs@1.2 --strategy module`,
// `--timeout=50k`), read with Node's util.parseArgs: `--opt value` and
// `--opt=value`, `--` ends the options. What parseArgs leaves to its caller
// is done here so that every mistake is one EINVAL line: an unknown option
// names the closest known one, a value option without a value says so, a
// switch given a value is refused.

import { parseArgs } from 'node:util';
import { err } from '../exec/errno.js';
import { didYouMean } from './suggest.js';

/** The options a command takes, by long name without dashes: a value option or a switch. */
export type FlagSpec = Readonly<Record<string, 'string' | 'boolean'>>;

export interface Flags {
  /** The positional words, in order. */
  readonly words: string[];
  /** The options given: a value option's last value, `true` for a switch. */
  readonly values: ReadonlyMap<string, string | true>;
}

/** Split `args` into positional words and the options in `spec`; EINVAL (with the usage) for anything else. */
export function parseFlags(cmd: { readonly name: string; readonly usage: string }, args: readonly string[], spec: FlagSpec): Flags {
  const options = Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }]));
  // Not strict: the tokens come back for every word, so the mistakes are reported here in the console's words.
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const words: string[] = [];
  const values = new Map<string, string | true>();
  const known = Object.keys(spec).map((n) => `--${n}`);
  const usage = `usage: ${cmd.usage}`;
  for (const t of tokens) {
    if (t.kind === 'positional') words.push(t.value);
    if (t.kind !== 'option') continue;
    const type = spec[t.name];
    if (type === undefined || t.rawName !== `--${t.name}`) {
      const hint = didYouMean(t.rawName, known);
      throw err('EINVAL', `${cmd.name} has no option ${t.rawName}`, hint ? `${hint} ${usage}` : usage);
    }
    if (type === 'boolean') {
      if (t.value !== undefined) throw err('EINVAL', `${t.rawName} takes no value, got '${t.value}'`, usage);
      values.set(t.name, true);
    } else {
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw err('EINVAL', `${t.rawName} needs a value`, usage);
      values.set(t.name, t.value);
    }
  }
  return { words, values };
}
