// The `call` console command: call a symbol a loaded module exports
// (`blk_capacity "disk0"`, `kmsg_read@1 0`) the way another module would,
// through its slot's stub (so it counts as a call and passes the updater's
// gate), from a short-lived user thread (a generator export may block), and
// print what it returns. What a module author meets first after insmod.

import { err, isKernelError } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import { isPlainPrototype } from '../kernel/plaindata.js';
import type { Slot } from '../kernel/symbols.js';
import type { Word } from './format.js';
import type { Command, Session } from './session.js';
import { closeMatches } from './suggest.js';

/** Bytes shown of a Uint8Array result before the rest is counted instead. */
const MAX_BYTES_SHOWN = 256;

/** `name@N` keys of the exported symbols (and adaptors) in the kernel's table; ops entries and syscalls are not callable here. */
function symbolSlots(k: Kernel): Slot[] {
  return k.symbols.all().filter((s) => /^[a-z_][a-z0-9_]*@\d+$/.test(s.key));
}

/**
 * The slot `spec` names: `name@N` exactly, or `name` at its newest
 * interface. ENOENT naming the close matches (or the interfaces there are).
 */
export function resolveSymbol(k: Kernel, spec: string): Slot {
  const slots = symbolSlots(k);
  const at = spec.indexOf('@');
  const name = at < 0 ? spec : spec.slice(0, at);
  const same = slots.filter((s) => s.key.startsWith(`${name}@`)).sort((a, b) => ifaceOf(a) - ifaceOf(b));
  if (at >= 0 && same.length > 0) {
    const slot = same.find((s) => s.key === spec);
    if (!slot) throw err('ENOENT', `no symbol ${spec}`, `${name} is exported as ${same.map((s) => s.key).join(', ')}`);
    return slot;
  }
  if (same.length > 0) return same[same.length - 1]!;
  const names = slots.map((s) => (at < 0 ? s.key.slice(0, s.key.indexOf('@')) : s.key));
  const close = closeMatches(spec, names);
  throw err('ENOENT', `no loaded module exports '${spec}'`, close.length > 0 ? `did you mean ${close.join(', ')}?` : 'modinfo NAME lists what a module exports');
}

function ifaceOf(s: Slot): number {
  return Number(s.key.slice(s.key.indexOf('@') + 1));
}

const NUMBER = /^[-+]?(\d[\d_]*(\.\d+)?(e[-+]?\d+)?|0x[0-9a-f]+)$/i;

/** A console word as an argument: a quoted word is a string; else a number, true or false. */
export function parseArgument(w: Word): string | number | boolean {
  if (w.quoted) return w.text;
  if (w.text === 'true' || w.text === 'false') return w.text === 'true';
  if (NUMBER.test(w.text)) return Number(w.text.replace(/_/g, ''));
  throw err('EINVAL', `argument '${w.text}' is not a number, true, false or a quoted string`, `quote a string: "${w.text}"`);
}

/** What a call returned, for the console: JSON for plain data, a Uint8Array as text (if it is) or hex. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(no value)';
  if (v instanceof Uint8Array || typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') return inline(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? String(v);
  const compact = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'object' && x !== null && !Array.isArray(x) && !isPlain(x)) || typeof x === 'bigint' || typeof x === 'function' ? inline(x) : x);
  return compact.length <= 100 ? compact : JSON.stringify(JSON.parse(compact), null, 2);
}

function isPlain(x: object): boolean {
  return isPlainPrototype(Object.getPrototypeOf(x)); // a module loaded by path makes its objects in a realm of its own
}

/** One value that JSON cannot show, as a short text. */
function inline(x: unknown): string {
  if (x instanceof Uint8Array) {
    const shown = x.subarray(0, MAX_BYTES_SHOWN);
    const more = x.length > shown.length ? ` ... (${x.length} bytes)` : '';
    const text = asText(shown);
    return `Uint8Array(${x.length}) ${text !== null ? JSON.stringify(text) : Buffer.from(shown).toString('hex').replace(/(..)(?=.)/g, '$1 ')}${more}`;
  }
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'function') return `[function ${x.name || '(anonymous)'}]`;
  if (x instanceof Map) return `Map(${x.size})`;
  if (x instanceof Set) return `Set(${x.size})`;
  return `[${(x as object).constructor?.name ?? 'object'}]`;
}

/** The bytes as text if they are UTF-8 with nothing unprintable but newlines and tabs; else null. */
function asText(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? null : text;
}

const call = ((c: Command<Session<Kernel>>) => c)({
  name: 'call',
  usage: 'call SYMBOL[@N] [ARGS...]',
  summary: 'call a symbol a loaded module exports, from a user thread through its stub, and print what it returns',
  complete: [(s) => symbolSlots(s.k).flatMap((x) => [x.key.slice(0, x.key.indexOf('@')), x.key])],
  details: [
    'SYMBOL is name@N (the slot), or name for its newest interface; modinfo NAME lists the exports.',
    'ARGS are numbers, true, false or quoted strings ("disk0"); the module context is passed for you.',
    'A Uint8Array result prints as text when it is text, else as hex.',
  ],
  async run(s, _args, words) {
    const first = words[0];
    if (first === undefined) throw err('EINVAL', 'call needs a symbol', `usage: ${call.usage}`);
    const slot = resolveSymbol(s.k, first.text);
    const args = words.slice(1).map(parseArgument);
    const wants = slot.target.call.length; // the parameters after the context, to the first with a default
    if (args.length < wants) throw err('EINVAL', `${slot.key} (${slot.target.module} ${slot.target.version}) takes ${wants} argument${wants === 1 ? '' : 's'}, got ${args.length}`, `usage: ${call.usage}`);
    const k = s.k;
    const result = await s.syscalls(`call ${slot.key}`, function* () {
      try {
        return slot.generator ? yield* slot.stub(...args) : slot.stub(...args);
      } catch (e) {
        if (isKernelError(e)) throw e;
        // A bug in the module, not the caller's mistake: an oops, and the call fails with EIO (as a syscall would).
        k.oops(`call ${slot.key}`, e);
        throw err('EIO', `${slot.key} failed inside ${slot.target.module} ${slot.target.version}: ${e instanceof Error ? e.message : String(e)}`, 'the module has a bug; dmesg shows the oops');
      }
    });
    for (const l of formatValue(result).split('\n')) s.print(l);
  },
});

export const CALL_COMMANDS: readonly Command<Session<Kernel>>[] = [call];
