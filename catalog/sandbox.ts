// The runtime half of the boundary for module code loaded by path: each
// compiled file (CommonJS, from catalog/catalog.ts) is evaluated as a
// function inside one `vm` context made for module code. Its global object
// holds only the ECMAScript built-ins, without the host clock, Math.random,
// promises and the other things catalog/boundary.ts refuses by name, and
// the context may not compile code from strings (eval and its Function
// constructor throw EvalError). So whatever name a module builds at run
// time, there is no `process`, `require`, timer, socket or file to find.
//
// The wrapper's parameters give the file everything it may use: `exports`,
// a `require` that returns only the module API or a sibling file's exports,
// the watchdog's budget and trip (catalog/instrument.ts), and the built-ins.
// Built-ins that the kernel tests by identity (Uint8Array, which the VFS
// checks with instanceof; Error, whose message the kernel reads) are the
// host's; the rest are the context's own, so a function literal's
// constructor is the context's Function, which compiles nothing. Passing
// them as parameters also spares every lookup of a global the slow path of
// a contextified global object.
//
// Those host built-ins, and every host object module code is handed (m,
// stubs, snapshots, kernel errors), lead back to the host's realm; the
// host's function constructors and error hooks are closed to it when the
// context is made (catalog/membrane.ts).
//
// Object literals of module code have the context's Object.prototype; the
// kernel's plain-data check is told it is a plain object's prototype too.
// Errors the engine itself throws there are the context's; their prototype
// chain is joined to the host's Error.prototype so that `instanceof Error`
// holds for them in the kernel.

import { runInContext, createContext, type Context } from 'node:vm';
import { addObjectRealm } from '../kernel/plaindata.js';
import { budget, type LockupLabel, trip } from '../exec/watchdog.js';
import { BUDGET_NAME, TRIP_NAME } from './instrument.js';
import { addModuleFile, closeHostRealm } from './membrane.js';

/** Built-ins passed from the host: the kernel checks these by identity. */
const HOST_BUILTINS = [
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError',
  'ArrayBuffer', 'DataView', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array', 'Uint16Array', 'Int16Array',
  'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'TextEncoder', 'TextDecoder',
] as const;

/** Built-ins of the context itself. */
const OWN_BUILTINS = [
  'Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'JSON', 'Math', 'Number', 'String', 'Boolean', 'Symbol',
  'BigInt', 'RegExp', 'Reflect', 'Proxy', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'NaN', 'Infinity',
  'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI',
] as const;

/** Taken from the context's global object: they would reach the host or make a run depend on more than its seed. */
const REMOVED = ['console', 'Date', 'Intl', 'Promise', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'eval', 'Function', 'globalThis'];

let context: Context | null = null;
let builtins: unknown[] = [];

function sandbox(): Context {
  if (context) return context;
  const c = createContext(Object.create(null), { name: 'livemod modules', codeGeneration: { strings: false, wasm: false } });
  const own = runInContext(`({ ${OWN_BUILTINS.join(', ')} })`, c) as Record<string, unknown>;
  addObjectRealm(runInContext('Object.prototype', c) as object, runInContext('Array.prototype', c) as object);
  // Errors the engine throws in module code (a TypeError reading undefined) are the context's: chain its
  // Error.prototype to the host's, so the kernel's `e instanceof Error` reads their message as any other.
  Object.setPrototypeOf(runInContext('Error.prototype', c) as object, Error.prototype);
  closeHostRealm(runInContext('Error', c) as ErrorConstructor); // host objects reached from module code compile nothing
  runInContext(`delete Math.random; ${REMOVED.map((n) => `delete globalThis.${n};`).join(' ')}`, c);
  const host = globalThis as unknown as Record<string, unknown>;
  builtins = [...HOST_BUILTINS.map((n) => host[n]), ...OWN_BUILTINS.map((n) => own[n])];
  return (context = c);
}

/** What a compiled file may import: the module API, or a sibling file's exports (by its import spec). */
export type Linker = (spec: string) => unknown;

/**
 * Run one compiled file (CommonJS) in the sandbox and return its exports.
 * Checks in its code spend the watchdog's budget under `label`.
 */
export function evaluateModuleFile(code: string, filename: string, link: Linker, label: LockupLabel): Record<string, unknown> {
  const c = sandbox();
  addModuleFile(filename);
  const params = ['exports', 'require', BUDGET_NAME, TRIP_NAME, ...HOST_BUILTINS, ...OWN_BUILTINS];
  const wrapper = runInContext(`(function (${params.join(', ')}) {${code}\n})`, c, { filename }) as (...args: unknown[]) => void;
  const exports: Record<string, unknown> = Object.create(null);
  const tripHere = (fn: string): void => trip(fn, label);
  wrapper(exports, link, budget, tripHere, ...builtins);
  return exports;
}
