// The plain-data rule of module state: a snapshot, a record and anything a
// transfer function returns must be primitives, arrays and plain objects,
// with no functions, class instances, cycles or shared references. It is
// what lets the store freeze state, keep old snapshots for rollback and
// hand them to another version's code. The store and the updater's
// transfer and lazy migration all check it here.

const objectPrototypes = new Set<object>([Object.prototype]);

/**
 * Accept plain objects of another realm too: a module loaded by path runs in
 * a realm of its own (catalog/sandbox.ts), whose object literals have that
 * realm's `Object.prototype`. The sandbox registers it here.
 */
export function addObjectRealm(objectPrototype: object): void {
  objectPrototypes.add(objectPrototype);
}

/** A plain object's prototype: some realm's `Object.prototype`, or null. */
export function isPlainPrototype(proto: unknown): boolean {
  return proto === null || objectPrototypes.has(proto as object);
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
  if (Array.isArray(value)) {
    value.forEach((x, i) => checkPlainData(x, `${where}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && !isPlainPrototype(proto)) throw new Error(`${where} is a ${proto?.constructor?.name ?? 'class'} instance, not a plain object`);
    for (const [k, x] of Object.entries(value)) checkPlainData(x, `${where}.${k}`, seen);
  }
  seen.delete(value);
}
