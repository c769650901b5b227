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

/** Throws unless `value` is plain data: primitives, arrays and plain objects, no functions, no cycles. */
export function checkPlainData(value: unknown, where: string, seen = new Set<object>()): void {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${where} is ${value}`);
    return;
  }
  if (typeof value !== 'object') throw new Error(`${where} is a ${typeof value}, not plain data`);
  if (seen.has(value)) throw new Error(`${where} is reached twice (a cycle or shared reference)`);
  seen.add(value);
  const symbol = Object.getOwnPropertySymbols(value)[0];
  if (symbol !== undefined) throw new Error(`${where} has a property keyed by ${String(symbol)}: symbol keys are not plain data`);
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (!arrayPrototypes.has(proto)) throw new Error(`${where} is a ${proto?.constructor?.name ?? 'null-prototype'} array, not a plain array`);
    for (let i = 0; i < value.length; i++) {
      if (!Object.hasOwn(value, i)) throw new Error(`${where} is a sparse array: element ${i} is a hole`);
    }
    for (const k of Object.getOwnPropertyNames(value)) {
      if (k !== 'length' && String(Number(k) >>> 0) !== k) throw new Error(`${where} has a property '${k}' besides its elements`);
    }
    checkOwnProperties(value, where);
    value.forEach((x, i) => checkPlainData(x, `${where}[${i}]`, seen));
  } else {
    if (proto === null) throw new Error(`${where} has a null prototype (Object.create(null)), not a plain object`);
    if (!objectPrototypes.has(proto)) throw new Error(`${where} is a ${proto?.constructor?.name ?? 'class'} instance, not a plain object`);
    checkOwnProperties(value, where);
    for (const [k, x] of Object.entries(value)) checkPlainData(x, `${where}.${k}`, seen);
  }
  seen.delete(value);
}

/** Every own property (but an array's length) is an enumerable data property: no getter, nothing hidden. */
function checkOwnProperties(value: object, where: string): void {
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    if (Array.isArray(value) && k === 'length') continue;
    if (d.get || d.set) throw new Error(`${where}.${k} is a getter or setter, not plain data`);
    if (!d.enumerable) throw new Error(`${where}.${k} is not enumerable (it would be lost in a copy)`);
  }
}
