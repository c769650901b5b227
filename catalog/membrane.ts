// The host's side of the boundary for module code loaded by path. Module
// code runs in a realm of its own (catalog/sandbox.ts) that compiles no
// code from strings, but it holds host objects: `m`, its functions, the
// stubs, snapshots and records, kernel errors, and the built-ins handed in
// (Uint8Array, Error, ...). Every one of them leads, through `constructor`
// and prototypes, to the host's Function constructor, which compiles code
// with every host right, and to the host's Error constructor, whose hooks
// (prepareStackTrace, captureStackTrace) run a function on every host
// error. The static check refuses `constructor` by name; a key built at run
// time gets past it. This closes those two ways, once, when the first
// module file is evaluated, at no cost on the call paths:
//
// - the `constructor` of the host's Function.prototype, and of the
//   prototypes of generator, async and async generator functions, is a
//   stand-in that throws EPERM instead of compiling (with the same name and
//   `prototype`, so `f instanceof f.constructor` still holds). Host code
//   that names `Function` itself (vega compiles its expressions so) is
//   unaffected; only the way through a function's `constructor` is gone.
// - the host's Error.prepareStackTrace and Error.captureStackTrace become
//   accessors that refuse a new value set while a module file's frame is on
//   the stack (host code, vitest and source-map support, still sets them);
//   the module realm's own Error.prepareStackTrace cannot be set at all.
//
// Not closed here: module code can still change the host's built-in
// prototypes it reaches (Object.prototype, Array.prototype, ...), which is
// integrity, not authority; the README says so.

import { err } from '../exec/errno.js';

/** The compiled copies of module files evaluated in the sandbox (their frames are module code). */
const moduleFiles = new Set<string>();

/** Record that `filename` is module code, for the hooks' check. */
export function addModuleFile(filename: string): void {
  moduleFiles.add(filename);
}

let closed = false;

/** Close the host's Function constructors and Error hooks to module code; `moduleError` is the module realm's Error. Idempotent. */
export function closeHostRealm(moduleError: ErrorConstructor): void {
  if (closed) return;
  closed = true;
  if (Object.isFrozen(Function.prototype)) return; // Hardened JavaScript's lockdown() has tamed and frozen the intrinsics already
  tameFunctionConstructors();
  guardErrorHooks();
  Object.defineProperty(moduleError, 'prepareStackTrace', {
    configurable: false,
    enumerable: false,
    get: () => undefined,
    set: () => refuse('Error.prepareStackTrace'),
  });
}

function refuse(what: string): never {
  throw err('EPERM', `module code tried to set ${what} (a host hook that runs on every error)`, 'module code gets only the module API; see "The boundary" in the README');
}

/** Replace the `constructor` of the four function prototypes with stand-ins that compile nothing. */
function tameFunctionConstructors(): void {
  const kinds = [
    Function,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ] as { name: string; prototype: object }[];
  for (const F of kinds) {
    const standIn = function (): never {
      throw err('EPERM', `code from a string: the host's ${F.name} constructor is not reachable through a function's constructor`, 'module code gets only the module API; see "The boundary" in the README');
    };
    Object.defineProperty(standIn, 'name', { value: F.name });
    Object.defineProperty(standIn, 'prototype', { value: F.prototype, writable: false });
    Object.freeze(standIn);
    Object.defineProperty(F.prototype, 'constructor', { value: standIn, writable: false, enumerable: false, configurable: false });
  }
}

type CallSites = { getFileName(): string | null | undefined }[];

/** The host Error's hooks as accessors that refuse module code. */
function guardErrorHooks(): void {
  const E = Error as unknown as Record<string, unknown> & ErrorConstructor;
  let prepare = E.prepareStackTrace;
  let capture = E.captureStackTrace;
  let probing = false;
  const structured = (_e: unknown, sites: CallSites): CallSites => sites;
  /** Is a frame of a module file on the stack? Asked only when a hook is set, never on a call path. */
  const fromModuleCode = (): boolean => {
    const holder: { stack?: unknown } = {};
    probing = true;
    const limit = E.stackTraceLimit;
    try {
      E.stackTraceLimit = Infinity;
      capture(holder);
      const sites = holder.stack as CallSites;
      return Array.isArray(sites) && sites.some((s) => moduleFiles.has(s.getFileName() ?? ''));
    } finally {
      E.stackTraceLimit = limit;
      probing = false;
    }
  };
  Object.defineProperty(E, 'prepareStackTrace', {
    configurable: false,
    enumerable: false,
    get: () => (probing ? structured : prepare),
    set: (v: typeof prepare) => {
      if (fromModuleCode()) refuse('Error.prepareStackTrace');
      prepare = v;
    },
  });
  Object.defineProperty(E, 'captureStackTrace', {
    configurable: false,
    enumerable: false,
    get: () => capture,
    set: (v: typeof capture) => {
      if (fromModuleCode()) refuse('Error.captureStackTrace');
      capture = v;
    },
  });
}
