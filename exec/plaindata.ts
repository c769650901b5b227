// The plain-data rule of module state: a snapshot, a record and anything a
// transfer function returns must be primitives, arrays and plain objects,
// with no functions, class instances, cycles or shared references. It is
// what lets the store freeze state, keep old snapshots for rollback and
// hand them to another version's code. The store and the updater's
// transfer and lazy migration all check it here, and so do both kernels'
// shadow variables (kernel/shadow.ts, oo/shadow.ts): it lives in the
// executive because both kernels keep it.
//
// Whatever copying or freezing would silently lose or change is refused by
// name, not dropped: symbol-keyed, non-enumerable and accessor (getter)
// properties, holes in arrays and properties on arrays besides their
// elements, and objects whose prototype is not Object.prototype (a class
// instance, or Object.create(null)).

const objectPrototypes = new Set<object>([Object.prototype]);
const arrayPrototypes = new Set<object>([Array.prototype]);

/**
 * Accept plain objects and arrays of another realm too: a module loaded by
 * path runs in a realm of its own (catalog/sandbox.ts), whose literals have
 * that realm's prototypes. The sandbox registers them here.
 */
export function addObjectRealm(objectPrototype: object, arrayPrototype: object): void {
  objectPrototypes.add(objectPrototype);
  arrayPrototypes.add(arrayPrototype);
}

/** Whether `proto` is some registered realm's `Object.prototype` (a plain object's). */
export function isPlainPrototype(proto: unknown): boolean {
  return proto !== null && objectPrototypes.has(proto as object);
}

/**
 * Throws unless `value` is plain data: primitives, arrays and plain objects,
 * no functions, no cycles. `where` names it in the message (a function is
 * called only when something is wrong, so a caller checking many values
 * builds no names for those that pass).
 *
 * `passedThrough` is the input of a pure transfer (one record's data): a
 * value of `value` that is the very frozen value `passedThrough` holds
 * under the same key was not made by the transfer, only handed on. It is
 * the table's own data, and frozen, so the transfer cannot have changed
 * it: it is not walked again (the objects the transfer made still are).
 */
export function checkPlainData(value: unknown, where: string | (() => string), passedThrough?: Readonly<Record<string, unknown>>): void {
  const fault = checkValue(value, [], passedThrough);
  if (fault !== null) throw new Error(`${typeof where === 'string' ? where : where()}${fault.path.reverse().join('')}${fault.text}`);
}

/** What is wrong, and where below the value checked (path segments innermost first). */
interface Fault {
  readonly path: string[];
  readonly text: string;
}

const fault = (text: string, segment?: string): Fault => ({ path: segment === undefined ? [] : [segment], text });
/** Annex B's own-property accessor lookups: unlike a property descriptor, they allocate nothing. */
type Lookup = (this: object, key: string) => unknown;
const lookupGetter = (Object.prototype as unknown as { __lookupGetter__: Lookup }).__lookupGetter__;
const lookupSetter = (Object.prototype as unknown as { __lookupSetter__: Lookup }).__lookupSetter__;
const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * The rule, without building a name for anything that passes. `ancestors`
 * holds the objects being walked above `value` (a cycle leads back to one).
 */
function checkValue(value: unknown, ancestors: object[], passedThrough?: Readonly<Record<string, unknown>>): Fault | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : fault(` is ${value}`);
    case 'object':
      if (value === null) return null;
      break;
    default:
      return fault(` is a ${typeof value}, not plain data`);
  }
  if (ancestors.includes(value)) return fault(' is reached twice (a cycle or shared reference)');
  const symbol = Object.getOwnPropertySymbols(value)[0];
  if (symbol !== undefined) return fault(` has a property keyed by ${String(symbol)}: symbol keys are not plain data`);
  const proto: unknown = Object.getPrototypeOf(value);
  ancestors.push(value);
  const found = Array.isArray(value) ? checkArray(value, proto, ancestors) : checkObject(value, proto, ancestors, passedThrough);
  ancestors.pop();
  return found;
}

function checkArray(value: unknown[], proto: unknown, ancestors: object[]): Fault | null {
  if (!arrayPrototypes.has(proto as object)) return fault(` is a ${(proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null-prototype'} array, not a plain array`);
  const names = Object.getOwnPropertyNames(value);
  if (names.length !== value.length + 1) {
    for (let i = 0; i < value.length; i++) if (!Object.hasOwn(value, i)) return fault(` is a sparse array: element ${i} is a hole`);
    for (const k of names) if (k !== 'length' && String(Number(k) >>> 0) !== k) return fault(` has a property '${k}' besides its elements`);
  }
  const allEnumerable = Object.keys(value).length === value.length;
  for (let i = 0; i < value.length; i++) {
    const f = ownProperty(value, String(i), allEnumerable);
    if (f !== null) return f;
  }
  for (let i = 0; i < value.length; i++) {
    const f = checkValue(value[i], ancestors);
    if (f !== null) {
      f.path.push(`[${i}]`);
      return f;
    }
  }
  return null;
}

function checkObject(value: object, proto: unknown, ancestors: object[], passedThrough?: Readonly<Record<string, unknown>>): Fault | null {
  if (proto === null) return fault(' has a null prototype (Object.create(null)), not a plain object');
  if (!objectPrototypes.has(proto as object)) return fault(` is a ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'class'} instance, not a plain object`);
  const names = Object.getOwnPropertyNames(value);
  const allEnumerable = Object.keys(value).length === names.length;
  for (const k of names) {
    const f = ownProperty(value, k, allEnumerable);
    if (f !== null) return f;
  }
  const fields = value as Record<string, unknown>;
  for (const k of names) {
    const x = fields[k];
    if (passedThrough !== undefined && typeof x === 'object' && x !== null && x === passedThrough[k] && Object.isFrozen(x)) continue;
    const f = checkValue(x, ancestors);
    if (f !== null) {
      f.path.push(`.${k}`);
      return f;
    }
  }
  return null;
}

/** An own property is an enumerable data property: no getter, nothing hidden (`allEnumerable`: known already). */
function ownProperty(value: object, k: string, allEnumerable: boolean): Fault | null {
  // A property with no getter reads without running code: only one that reads undefined can be a setter alone.
  if (lookupGetter.call(value, k) !== undefined || ((value as Record<string, unknown>)[k] === undefined && lookupSetter.call(value, k) !== undefined)) {
    return fault(' is a getter or setter, not plain data', `.${k}`);
  }
  if (!allEnumerable && !isEnumerable.call(value, k)) return fault(' is not enumerable (it would be lost in a copy)', `.${k}`);
  return null;
}
