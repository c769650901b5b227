// Linking a module version: binding its functions to a context and making
// the targets of its exports, adaptors and ops (insmod uses this for a first
// load), and `linkVersions`, the prepare phase of an update: link every new
// version of a group against slots that are not visible yet, so that nothing
// changes until the switch adopts them. The loader pairs it with `install`,
// which keeps the books once the switch has made a version current.

import { exportCompat, type ModuleContext, type ModuleDef, type ParamValue, tableCompat } from './module.js';
import { isGeneratorFunction, makeTarget, type Slot, symbolKey, type SymbolTable, type Target } from './symbols.js';

export interface BuiltTarget {
  readonly target: Target;
  readonly generator: boolean;
}

/** Key of the slot of operation `op` in the version-`version` view of table `table`. */
export function viewSlotKey(table: string, version: number, op: string): string {
  return `${table}@${version}.${op}`;
}

/**
 * The targets of a module version bound to `ctx`: exports and compat
 * adaptors by `name@N`, ops by table then operation, and the adapted
 * operations of older table views by table, version, operation.
 */
export function buildTargets(
  def: ModuleDef,
  ctx: ModuleContext,
): {
  exports: Map<string, BuiltTarget>;
  compat: Map<string, BuiltTarget>;
  ops: Map<string, Map<string, BuiltTarget>>;
  views: Map<string, Map<number, Map<string, BuiltTarget>>>;
} {
  const exports = new Map<string, BuiltTarget>();
  for (const [sym, e] of Object.entries(def.exports ?? {})) {
    exports.set(symbolKey(sym, e.version), { target: makeTarget(def.name, def.version, sym, e.fn.bind(null, ctx)), generator: isGeneratorFunction(e.fn) });
  }
  const compat = new Map<string, BuiltTarget>();
  for (const [key, fn] of exportCompat(def)) {
    compat.set(key, { target: makeTarget(def.name, def.version, key, fn.bind(null, ctx)), generator: isGeneratorFunction(fn) });
  }
  const views = new Map<string, Map<number, Map<string, BuiltTarget>>>();
  for (const [table, byVersion] of tableCompat(def)) {
    const t = new Map<number, Map<string, BuiltTarget>>();
    for (const [version, ops] of byVersion) {
      const m = new Map<string, BuiltTarget>();
      for (const [op, fn] of Object.entries(ops)) m.set(op, { target: makeTarget(def.name, def.version, viewSlotKey(table, version, op), fn.bind(null, ctx)), generator: isGeneratorFunction(fn) });
      t.set(version, m);
    }
    views.set(table, t);
  }
  const ops = new Map<string, Map<string, BuiltTarget>>();
  for (const [key, table] of Object.entries(def.ops ?? {})) {
    const t = new Map<string, BuiltTarget>();
    for (const [op, fn] of Object.entries(table)) t.set(op, { target: makeTarget(def.name, def.version, `${key}.${op}`, fn.bind(null, ctx)), generator: isGeneratorFunction(fn) });
    ops.set(key, t);
  }
  return { exports, compat, ops, views };
}

/** A new version loaded and linked, not yet visible (what prepare makes and the switch adopts). */
export interface LinkedVersion {
  readonly name: string;
  readonly ctx: ModuleContext;
  /** What each import of the new version is bound to. */
  readonly imports: Map<string, Slot>;
  readonly exports: Map<string, BuiltTarget>;
  /** Adaptors of the new version, by the interface they implement. */
  readonly compat: Map<string, BuiltTarget>;
  readonly ops: Map<string, Map<string, BuiltTarget>>;
  /** Adapted operations of older table views, by table, version, operation. */
  readonly views: Map<string, Map<number, Map<string, BuiltTarget>>>;
  /** Slots for exports the group adds, created here so importers in the group can link to them. */
  readonly newSlots: Map<string, Slot>;
}

/** An adaptor slot made by an update (prepared, not yet visible) and the module whose compat it comes from. */
export interface NewAdaptor {
  readonly provider: string;
  readonly slot: Slot;
}

/** A version to link: the module it replaces, its definition, and the export keys (`name@N`) it adds. */
export interface VersionToLink {
  readonly name: string;
  readonly def: ModuleDef;
  readonly addedExports: readonly string[];
}

/** What linking needs of the loader: the running modules and the context a version's functions get. */
export interface LinkEnv {
  readonly symbols: SymbolTable;
  running(name: string): { readonly name: string; readonly def: ModuleDef; readonly ctx: ModuleContext; readonly params: Readonly<Record<string, ParamValue>> };
  context(def: ModuleDef, params: Readonly<Record<string, ParamValue>>, imports: Map<string, Slot>): ModuleContext;
}

/** A slot target that must never run: a slot prepared for the switch is invisible until then. */
function placeholder(key: string): Target {
  return { module: '-', version: '-', fn: key, call: () => { throw new Error(`${key} is not switched in yet`); }, frame: { module: '-', version: '-', fn: key } };
}

/**
 * Link every version of a group, visible to no one yet: the group's new
 * export slots, and the adaptors its imports need (`adaptors`, each from a
 * module in the group or a running one), are made here and only adopted at
 * the switch. A version keeps the running one's parameter values.
 */
export function linkVersions(env: LinkEnv, versions: readonly VersionToLink[], adaptors: readonly { readonly key: string; readonly provider: string }[]): { linked: LinkedVersion[]; adaptors: NewAdaptor[] } {
  const { symbols } = env;
  // Slots for exports the group adds, so members can link to each other.
  const newSlots = new Map<string, Slot>();
  for (const v of versions) {
    for (const key of v.addedExports.filter((x) => x.includes('@'))) {
      const fn = v.def.exports![key.slice(0, key.indexOf('@'))]!.fn;
      newSlots.set(key, symbols.create(key, placeholder(key), isGeneratorFunction(fn)));
    }
  }
  const made: NewAdaptor[] = adaptors.map(({ key, provider }) => {
    const def = versions.find((v) => v.name === provider)?.def ?? env.running(provider).def;
    const slot = symbols.create(key, placeholder(key), isGeneratorFunction(exportCompat(def).get(key)));
    slot.adaptor = true;
    newSlots.set(key, slot);
    return { provider, slot };
  });
  const linked = versions.map((v): LinkedVersion => {
    const running = env.running(v.name);
    const params: Record<string, ParamValue> = {};
    for (const [name, d] of Object.entries(v.def.params ?? {})) params[name] = name in running.params ? running.params[name]! : d.default;
    const imports = new Map<string, Slot>();
    for (const [sym, iface] of Object.entries(v.def.requires ?? {})) {
      const key = `${sym}@${iface}`;
      imports.set(key, newSlots.get(key) ?? symbols.get(key)!);
    }
    const ctx = env.context(v.def, params, imports);
    const built = buildTargets(v.def, ctx);
    const own = new Map<string, Slot>();
    for (const [key, bt] of built.exports) {
      const slot = newSlots.get(key);
      if (slot) {
        slot.target = bt.target;
        own.set(key, slot);
      }
    }
    for (const a of made) if (a.provider === v.name) a.slot.target = built.compat.get(a.slot.key)!.target;
    return { name: v.name, ctx, imports, exports: built.exports, compat: built.compat, ops: built.ops, views: built.views, newSlots: own };
  });
  // Adaptors from modules outside the group run in their running version's context.
  for (const a of made) {
    if (versions.some((v) => v.name === a.provider)) continue;
    const owner = env.running(a.provider);
    a.slot.target = makeTarget(owner.name, owner.def.version, a.slot.key, exportCompat(owner.def).get(a.slot.key)!.bind(null, owner.ctx));
  }
  return { linked, adaptors: made };
}
