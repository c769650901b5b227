// An experiment for the boundary bench, not a design in use: what a
// membrane around the module API would cost on the workload. A module
// definition loaded by path is rewrapped so that its functions receive a
// view of `m` instead of the kernel's: every function of the view is a
// function of a separate realm that calls the kernel's and turns a thrown
// error into that realm's; snapshots, records and parameters come back as
// that realm's copies (one per frozen value, cached); stubs of generator
// functions become that realm's generators. So module code would hold no
// host function, error or snapshot. Not wrapped (a full membrane would
// need them too, which would cost more): immer drafts in `commit`, the
// `Disk` of `m.k.disk()`, and Uint8Arrays, which the kernel checks by
// identity. bench/boundary.ts runs it as the mode `membrane`.

import { createContext, runInContext } from 'node:vm';
import { addObjectRealm, isPlainPrototype } from '../kernel/plaindata.js';
import type { ModuleDef } from '../kernel/module.js';
import { isGeneratorFunction, isGeneratorStub } from '../kernel/symbols.js';

const FACTORY = `(function (isGen, isPlain) {
  const copies = new WeakMap();
  const views = new WeakMap();
  function copy(v) {
    if (v === null || typeof v !== 'object' || !(Array.isArray(v) || isPlain(v))) return v; // a Disk, a Uint8Array: as they are
    let out = copies.get(v);
    if (out !== undefined) return out;
    if (Array.isArray(v)) out = v.map(copy);
    else { out = {}; for (const k of Object.keys(v)) out[k] = copy(v[k]); }
    if (Object.isFrozen(v)) { Object.freeze(out); copies.set(v, out); }
    return out;
  }
  function rethrow(e) {
    if (e === null || typeof e !== 'object') throw e;
    const x = new Error(String(e.message)); x.name = e.name; x.errno = e.errno; x.hint = e.hint; throw x;
  }
  function fn(f, self) { return function (a, b, c, d, e) { try { return copy(f.call(self, a, b, c, d, e)); } catch (x) { rethrow(x); } }; }
  function gen(f, self) { return function* (a, b, c, d, e) { try { return copy(yield* f.call(self, a, b, c, d, e)); } catch (x) { rethrow(x); } }; }
  function view(o) {
    if (o === null || typeof o !== 'object') return o;
    let v = views.get(o);
    if (v !== undefined) return v;
    v = {};
    for (let p = o; p !== null && p !== Object.getPrototypeOf({}) && Object.getPrototypeOf(p) !== null; p = Object.getPrototypeOf(p)) {
      for (const k of Object.getOwnPropertyNames(p)) {
        if (k === 'constructor' || k in v) continue;
        const x = o[k];
        v[k] = typeof x === 'function' ? (isGen(x) ? gen(x, o) : fn(x, o)) : copy(x);
      }
    }
    views.set(o, v);
    return v;
  }
  function ctx(m) {
    let v = views.get(m);
    if (v !== undefined) return v;
    const tables = new Map();
    v = {
      name: m.name, version: m.version, params: copy(m.params), imports: view(m.imports), k: view(m.k), shadow: view(m.shadow),
      state: () => copy(m.state()),
      commit: (r) => copy(m.commit(r)),
      put: (s) => copy(m.put(s)),
      records: (t) => { let r = tables.get(t); if (r === undefined) tables.set(t, (r = view(m.records(t)))); return r; },
    };
    views.set(m, v);
    return v;
  }
  return {
    plain: (f) => function (m, a, b, c, d, e) { return f(ctx(m), a, b, c, d, e); },
    generator: (f) => function* (m, a, b, c, d, e) { return yield* f(ctx(m), a, b, c, d, e); },
  };
})`;

type Wrap = (f: unknown) => unknown;
let factory: { plain: Wrap; generator: Wrap } | null = null;

function membrane(): { plain: Wrap; generator: Wrap } {
  if (factory) return factory;
  const c = createContext(Object.create(null), { name: 'membrane experiment', codeGeneration: { strings: false, wasm: false } });
  addObjectRealm(runInContext('Object.prototype', c) as object, runInContext('Array.prototype', c) as object);
  Object.setPrototypeOf(runInContext('Error.prototype', c) as object, Error.prototype);
  return (factory = (runInContext(FACTORY, c) as (isGen: (f: unknown) => boolean, isPlain: (v: object) => boolean) => { plain: Wrap; generator: Wrap })((f) => isGeneratorFunction(f) || isGeneratorStub(f), (v) => isPlainPrototype(Object.getPrototypeOf(v))));
}

/** `def` with its exports, ops, init and exit taking a membrane's view of `m`. */
export function behindMembrane(def: ModuleDef): ModuleDef {
  const w = membrane();
  const wrap = <F>(f: F): F => (isGeneratorFunction(f) ? w.generator(f) : w.plain(f)) as F;
  const mapFns = <T extends object>(o: T | undefined, each: (x: unknown) => unknown): T | undefined =>
    o && (Object.fromEntries(Object.entries(o).map(([k, x]) => [k, each(x)])) as T);
  const d = def as unknown as Record<string, unknown> & ModuleDef;
  return {
    ...d,
    exports: mapFns(d.exports, (e) => ({ ...(e as object), fn: wrap((e as { fn: unknown }).fn) })),
    ops: mapFns(d.ops, (t) => mapFns(t as object, (f) => (typeof f === 'function' ? wrap(f) : f))),
    init: d.init && wrap(d.init),
    exit: d.exit && wrap(d.exit),
  } as ModuleDef;
}
