// Text helpers for the console: aligned tables (and a two-column one that
// wraps to the terminal's width, for help), number parsing with units, the
// one-line rendering of errors, and of an update's phase.

import { errorData } from '../api/data.js';
import { err } from '../exec/errno.js';
import { type PhaseEvent, transitioned, type UpdateRecord } from '../exec/lifecycle.js';

/** Columns aligned to the widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** `text` broken at spaces into lines of at most `width` (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/ +/)) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  return [...lines, cur];
}

/**
 * Two columns within `width`: the second wrapped beside the first. The first
 * column is as wide as its widest cell up to two fifths of the width; a
 * longer cell stands on its own lines (the second and later indented), its
 * second column starting below.
 */
export function wrapTable(headers: readonly [string, string], rows: readonly (readonly [string, string])[], width: number): string[] {
  const all = [headers, ...rows];
  const cap = Math.max(10, Math.floor((width * 2) / 5));
  const left = Math.max(...all.map(([l]) => l.length).filter((n) => n <= cap), 0);
  const indent = ' '.repeat(left + 2);
  const out: string[] = [];
  for (const [l, r] of all) {
    const right = wrap(r, Math.max(20, width - left - 2));
    if (l.length > left) {
      const [first, ...more] = wrap(l, width - 2);
      out.push(first!, ...more.map((x) => `  ${x}`), ...right.map((x) => `${indent}${x}`));
    }
    else out.push(`${l.padEnd(left)}  ${right[0]}`.trimEnd(), ...right.slice(1).map((x) => `${indent}${x}`));
  }
  return out;
}

/** Parse a count such as `250000`, `250_000`, `250k`, `1M`, `1e6`. */
export function parseCount(text: string, what: string): number {
  const m = /^(\d[\d_]*(?:\.\d+)?(?:e\d+)?)([kKmMgG]?)$/.exec(text);
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 } as const;
  const n = m ? Number(m[1]!.replace(/_/g, '')) * mult[m[2] as keyof typeof mult] : NaN;
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < 0) throw err('EINVAL', `${what} must be a whole number (like 250000, 250k or 1M), got '${text}'`);
  return n;
}

/** `key=value` arguments into a record; EINVAL for anything else. */
export function keyValues(args: readonly string[], usage: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw err('EINVAL', `expected key=value, got '${a}'`, `usage: ${usage}`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** The one line a user sees for a failure. Bugs (not KernelErrors) say so. */
export function describeError(e: unknown): string {
  return errorData(e).text;
}

/** A word of a console line, and whether any of it was quoted (`"12"` is text, `12` may be a number). */
export interface Word {
  readonly text: string;
  readonly quoted: boolean;
}

/**
 * Split a console line into words; quotes group, backslash escapes. A `#`
 * that starts a word outside quotes starts a comment, which runs to the end
 * of the line (`ls /mnt  # the files`); a `#` inside a word (`a#b`), quoted
 * (`"#1"`) or escaped (`\#1`) is an ordinary character.
 */
export function tokenize(line: string): string[] {
  return tokenizeWords(line).map((w) => w.text);
}

/** tokenize, keeping for each word whether it was quoted. */
export function tokenizeWords(line: string): Word[] {
  const out: Word[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  let any = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) {
        const n = line[++i]!;
        cur += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      } else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
      quoted = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (c === '#' && cur === '' && !any) {
      break;
    } else if (/\s/.test(c)) {
      if (any || cur) out.push({ text: cur, quoted });
      cur = '';
      any = false;
      quoted = false;
    } else {
      cur += c;
    }
  }
  if (quote) throw err('EINVAL', 'unterminated quote');
  if (any || cur) out.push({ text: cur, quoted });
  return out;
}

/** One phase of an update: name, when it ended, its simulated cycles and wall time, and what it did. */
export function phaseLine(e: PhaseEvent): string {
  return `${e.phase.padEnd(11)} t=${String(e.at).padEnd(10)} ${String(e.cycles).padStart(9)} cycles ${e.wallUs.toFixed(0).padStart(7)} us  ${e.detail}`;
}

/** `1 thread (tid 4)`, `2 threads (tid 4, tid 7)`, `0 threads`. */
export function threadsLine(tids: readonly number[]): string {
  return `${tids.length} thread${tids.length === 1 ? '' : 's'}${tids.length ? ` (${tids.map((t) => `tid ${t}`).join(', ')})` : ''}`;
}

/** The line the console prints when an update ends: the updater's `summary` when committed, else how it ended. */
export function endLine(r: UpdateRecord, summary: (r: UpdateRecord) => string): string {
  const head = `${r.kind} ${r.id}`;
  switch (r.outcome) {
    case 'forced':
      return `${head} forced: ${r.forcedThreads.length} thread${r.forcedThreads.length === 1 ? '' : 's'} never moved${r.forcedThreads.length ? ` (${r.forcedThreads.map((t) => `tid ${t}`).join(', ')})` : ''}; kernel tainted (F); ${r.modules.map((m) => `${m.name} ${m.from}`).join(', ')} stay${r.modules.length === 1 ? 's' : ''} resident`;
    case 'reversed':
      return `${head} reversed: ${transitioned(r).map((m) => `${m.name} stays at ${m.from}`).join(', ')}`;
    case 'aborted':
      return `${head} aborted: ${r.error?.describe() ?? 'no reason recorded'}`;
    default:
      return summary(r);
  }
}
