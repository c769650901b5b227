// Checks a module definition (and its parameters) before the loader trusts
// it, so a malformed module is refused with EINVAL/ENOEXEC and a message
// naming what is wrong, instead of failing half-way through loading.

import { err, thrownMessage } from '../exec/errno.js';
import { CALLBACKS, type ModuleDef, type ParamValue } from './module.js';
import { OPS_OPERATIONS, type OpsKind, parseOpsKey } from './ops.js';
import { isGeneratorFunction } from './symbols.js';

export type Semver = readonly [number, number, number];

export function parseSemver(v: string): Semver | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function compareSemver(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

const NAME = /^[a-z][a-z0-9_]{0,31}$/;
const SYMBOL = /^[a-z_][a-z0-9_]{0,63}$/;

/**
 * Read the whole definition once (a copy of its plain objects and arrays,
 * functions kept as they are): a getter or proxy in it that throws is ENOEXEC
 * now instead of a failure deep in the loader. The definition itself is what
 * gets used, not the copy: a version is known by its definition object (kept
 * updates, the updater's stacks), so a getter that answers differently each
 * time is not guarded against.
 */
function readDefinition(value: unknown, where: string): unknown {
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null || depth > 5) return v;
    if (Array.isArray(v)) return Array.from(v, (x: unknown) => copy(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k], depth + 1);
    return out;
  };
  try {
    return copy(value, 0);
  } catch (e) {
    throw err('ENOEXEC', `${where}: reading its definition failed: ${thrownMessage(e)}`, 'a module default-exports defineModule({ ... }) with plain values, not getters that throw');
  }
}

/** Throws ENOEXEC if `value` is not a module definition at all (or cannot be read), EINVAL if it is a malformed one. */
export function validateModuleDef(value: unknown, where: string): ModuleDef {
  readDefinition(value, where);
  if (typeof value !== 'object' || value === null || typeof (value as ModuleDef).name !== 'string' || typeof (value as ModuleDef).version !== 'string') {
    throw err('ENOEXEC', `${where} does not define a module`, 'default-export defineModule({ name, version, ... }); see "Writing a module" in the README');
  }
  const def = value as ModuleDef;
  const bad = (what: string): never => {
    throw err('EINVAL', `module ${def.name} (${where}): ${what}`, 'see "Writing a module" in the README');
  };
  if (!NAME.test(def.name)) bad(`name '${def.name}' must be lower-case letters, digits and _ (at most 32)`);
  if (!parseSemver(def.version)) bad(`version '${def.version}' is not MAJOR.MINOR.PATCH`);
  if (typeof def.description !== 'string') bad('description must be a string');
  for (const [sym, iface] of Object.entries(def.requires ?? {})) {
    if (!SYMBOL.test(sym)) bad(`required symbol '${sym}' is not a valid name`);
    if (!Number.isInteger(iface) || iface < 1) bad(`required symbol ${sym} needs an interface version >= 1, got ${String(iface)}`);
  }
  for (const [sym, e] of Object.entries(def.exports ?? {})) {
    if (!SYMBOL.test(sym)) bad(`exported symbol '${sym}' is not a valid name`);
    if (typeof e !== 'object' || e === null || typeof e.fn !== 'function') bad(`export ${sym} needs { version, fn }`);
    if (!Number.isInteger(e.version) || e.version < 1) bad(`export ${sym} needs an interface version >= 1`);
  }
  /** An operation the kernel never calls is a mistake (a misspelled `reed`), refused here rather than left unused. */
  const knownOps = (what: string, kind: Exclude<OpsKind, 'syscall'>, table: object): void => {
    for (const op of Object.keys(table)) {
      if (!OPS_OPERATIONS[kind].includes(op)) {
        throw err('EINVAL', `module ${def.name} (${where}): ${what} has no operation '${op}'`, `the operations of a ${kind} table: ${OPS_OPERATIONS[kind].join(', ')}`);
      }
    }
  };
  for (const [key, table] of Object.entries(def.ops ?? {})) {
    const parsed = parseOpsKey(key);
    if (!parsed || parsed.kind === 'syscall') bad(`ops table '${key}' must be named kind:name with kind fs, blkdev, chrdev or irq`);
    if (typeof table !== 'object' || table === null) bad(`ops table ${key} must be a record of functions`);
    for (const [op, fn] of Object.entries(table)) if (typeof fn !== 'function') bad(`ops ${key}.${op} is not a function`);
    knownOps(`ops table ${key}`, parsed!.kind as Exclude<OpsKind, 'syscall'>, table);
    if (parsed!.kind === 'irq' && (typeof table.handler !== 'function' || isGeneratorFunction(table.handler))) {
      bad(`ops ${key} needs a plain (non-blocking) 'handler' function: interrupt handlers cannot block`);
    }
  }
  for (const [key, v] of Object.entries(def.opsVersions ?? {})) {
    if (!(key in (def.ops ?? {}))) bad(`opsVersions names ${key}, which the module does not register`);
    if (!Number.isInteger(v) || v < 1) bad(`opsVersions.${key} must be an integer >= 1`);
  }
  for (const [p, d] of Object.entries(def.params ?? {})) {
    if (!['int', 'string', 'bool'].includes(d.type)) bad(`parameter ${p} has unknown type '${String(d.type)}'`);
  }
  if (def.state !== undefined) {
    if (!Number.isInteger(def.state.schema) || typeof def.state.initial !== 'function') bad('state needs { schema: integer, initial: (params) => snapshot }');
  }
  for (const [t, v] of Object.entries(def.records ?? {})) {
    if (!Number.isInteger(v) || v < 1) bad(`record table ${t} needs a schema version >= 1`);
  }
  for (const [key, value] of Object.entries(def.compat ?? {})) {
    const table = /^([a-z]+:[a-z0-9_-]+)@(\d+)$/i.exec(key);
    if (table) {
      const current = def.opsVersions?.[table[1]!] ?? 1;
      if (!(table[1]! in (def.ops ?? {}))) bad(`compat ${key} adapts an ops table the module does not register`);
      if (Number(table[2]) >= current) bad(`compat ${key} must be for an older version than the table's ${current}`);
      if (typeof value !== 'object' || value === null) bad(`compat ${key} must be a record of operations`);
      for (const [op, fn] of Object.entries(value)) if (typeof fn !== 'function') bad(`compat ${key}.${op} is not a function`);
      knownOps(`compat ${key}`, parseOpsKey(table[1]!)!.kind as Exclude<OpsKind, 'syscall'>, value);
      continue;
    }
    const m = /^([a-z_][a-z0-9_]*)@(\d+)$/.exec(key);
    if (!m || typeof value !== 'function') bad(`compat entry '${key}' must be name@N mapped to a function, or kind:name@V mapped to operations`);
    const current = def.exports?.[m![1]!];
    if (current && current.version === Number(m![2])) bad(`compat ${key} adapts the interface the module exports itself`);
  }
  for (const [which, t] of [['upgrade', def.upgrade], ['downgrade', def.downgrade]] as const) {
    if (t === undefined) continue;
    const versions = which === 'upgrade' ? (t as { from?: unknown }).from : (t as { to?: unknown }).to;
    const field = which === 'upgrade' ? 'from' : 'to';
    if (!Array.isArray(versions) || versions.some((v) => typeof v !== 'string' || !parseSemver(v))) bad(`${which}.${field} must list versions (MAJOR.MINOR.PATCH)`);
    if (t.state !== undefined && typeof t.state !== 'function') bad(`${which}.state must be a function (old snapshot) => new snapshot`);
    if (t.check !== undefined && typeof t.check !== 'function') bad(`${which}.check must be a function`);
    if (t.init !== undefined && (typeof t.init !== 'function' || isGeneratorFunction(t.init) || isAsyncFunction(t.init))) bad(`${which}.init must be a plain function (it cannot block, and it cannot be async)`);
    for (const [table, fn] of Object.entries(t.instance ?? {})) if (typeof fn !== 'function') bad(`${which}.instance.${table} must be a function (old record) => new record`);
  }
  for (const [name, fn] of Object.entries(def.callbacks ?? {})) {
    if (!(CALLBACKS as readonly string[]).includes(name)) bad(`callbacks has no '${name}' (callbacks: ${CALLBACKS.join(', ')})`);
    if (typeof fn !== 'function' || isGeneratorFunction(fn) || isAsyncFunction(fn)) bad(`callbacks.${name} must be a plain function (it cannot block, and it cannot be async)`);
  }
  if (def.states !== undefined) {
    if (!Array.isArray(def.states)) bad('states must list { id, version }');
    const seen = new Set<string>();
    for (const st of def.states) {
      if (typeof st?.id !== 'string' || st.id === '' || !Number.isInteger(st.version) || st.version < 1) bad('each of states needs { id: non-empty string, version: integer >= 1 }');
      if (seen.has(st.id)) bad(`state ${st.id} is declared twice`);
      seen.add(st.id);
    }
  }
  for (const hook of ['init', 'exit'] as const) {
    const fn = def[hook];
    // An async hook would run past its caller, and a promise it rejects would fail outside the kernel.
    if (fn !== undefined && (typeof fn !== 'function' || isGeneratorFunction(fn) || isAsyncFunction(fn))) bad(`${hook} must be a plain function (it cannot block, and it cannot be async)`);
  }
  return def;
}

/** An `async function` (or async arrow/method): its body runs past the call, outside any step. */
function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { constructor?: { name?: string } }).constructor?.name === 'AsyncFunction';
}

/** Parse `key=value` module parameters against the definition's declarations. */
export function parseParams(def: ModuleDef, given: Readonly<Record<string, string>>): Record<string, ParamValue> {
  const decl = def.params ?? {};
  const out: Record<string, ParamValue> = {};
  for (const [k, d] of Object.entries(decl)) out[k] = d.default;
  for (const [k, raw] of Object.entries(given)) {
    const d = decl[k];
    if (!d) {
      const known = Object.keys(decl);
      throw err('EINVAL', `module ${def.name} has no parameter '${k}'`, known.length ? `its parameters: ${known.join(', ')}` : 'it takes no parameters');
    }
    if (d.type === 'int') {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw err('EINVAL', `parameter ${k} of ${def.name} must be an integer, got '${raw}'`);
      if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
        throw err('EINVAL', `parameter ${k} of ${def.name} must be in ${d.min ?? '-inf'}..${d.max ?? 'inf'}, got ${n}`);
      }
      out[k] = n;
    } else if (d.type === 'bool') {
      if (!['0', '1', 'true', 'false', 'y', 'n'].includes(raw)) throw err('EINVAL', `parameter ${k} of ${def.name} must be a boolean (0/1/y/n/true/false), got '${raw}'`);
      out[k] = ['1', 'true', 'y'].includes(raw);
    } else {
      out[k] = raw;
    }
  }
  return out;
}
