// When module state is deep-frozen, and how (kernel/store.ts applies it):
// the policy (every commit under tests or LIVEMOD_FREEZE=commits, else only
// what a kept snapshot holds, store.ts's header says why), the bound on
// records left waiting for it, the freeze that stops at what is frozen
// already, and the immer instance that commits recipes without freezing
// them itself.

import { freeze, Immer } from 'immer';
import { isPlainPrototype } from './plaindata.js';

/**
 * Commits draft with immer but freeze themselves: immer's auto-freeze walks
 * every copied container with a callback per child (a profile of the
 * workload put it at about a tenth of the procedural kernel's time), while
 * `freezeNew` stops at anything already frozen, which is all that a commit
 * shares with the snapshot before it. The result is as deep-frozen as before.
 */
export const committer = new Immer({ autoFreeze: false });

/** Deep-freeze the objects of `v` that are not frozen yet (those a commit made), and return `v`. */
export function freezeNew<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    Object.freeze(v);
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (typeof e === 'object' && e !== null) freezeNew(e);
    }
    return v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && !isPlainPrototype(proto)) return freeze(v, true); // Map, Set, ...: immer's way
  Object.freeze(v);
  for (const key in v) {
    const e = (v as Record<string, unknown>)[key];
    if (typeof e === 'object' && e !== null) freezeNew(e);
  }
  return v;
}

/** Records the `snapshots` policy lets wait unfrozen, in all modules, before it freezes them all anyway. */
export const MAX_UNFROZEN = 256;

/** When module state is deep-frozen: on every commit, or only when a snapshot is taken through `image()` (see the header). */
export type FreezePolicy = 'commits' | 'snapshots';

/** The policy from LIVEMOD_FREEZE, else `commits` under vitest and `snapshots` elsewhere. */
export function defaultFreezePolicy(env: Readonly<Record<string, string | undefined>> = process.env): FreezePolicy {
  const v = env.LIVEMOD_FREEZE;
  if (v === 'commits' || v === 'snapshots') return v;
  return env.VITEST !== undefined ? 'commits' : 'snapshots';
}
