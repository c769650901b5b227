// System-state versions (Linux livepatch's klp_state and
// klp_is_patch_compatible): a version declares the system states it
// changes, each `{ id, version }`. An update goes to a version only if it
// declares every state the running stack has (the running version and the
// versions below it), each at the same or a higher version: the new version
// replaces the whole of the old code, so it must know how to keep every
// change the old code made. Livepatch asks this of a cumulative (replace)
// patch; in livemod every update replaces a whole version. A revert never
// checks: it goes back to a version that was running before.

import { err } from '../exec/errno.js';
import type { ModuleDef } from '../kernel/module.js';

/** Each state the versions have, at its highest version, and the version that declares it so. */
export function statesOf(defs: readonly ModuleDef[]): Map<string, { version: number; by: string }> {
  const out = new Map<string, { version: number; by: string }>();
  for (const d of defs) for (const s of d.states ?? []) if (!out.has(s.id) || out.get(s.id)!.version < s.version) out.set(s.id, { version: s.version, by: d.version });
  return out;
}

/** EINVAL, naming the state, if `next` lacks a state of `running` (oldest first, the running version last) or has it at a lower version. */
export function checkStates(running: readonly ModuleDef[], next: ModuleDef): void {
  const name = next.name;
  for (const [id, have] of statesOf(running)) {
    const s = next.states?.find((x) => x.id === id);
    if (!s) {
      throw err('EINVAL', `${name} ${next.version} does not declare system state '${id}', which ${name} ${have.by} changed (version ${have.version})`, `declare states: [{ id: '${id}', version: ${have.version} }] (or higher) in ${name} ${next.version} if it keeps that change`);
    }
    if (s.version < have.version) {
      throw err('EINVAL', `${name} ${next.version} has system state '${id}' at version ${s.version}, lower than version ${have.version} of ${name} ${have.by}`, `a version may only keep a state at the same or a higher version; update to one with '${id}' >= ${have.version}`);
    }
  }
}

/** The states of a version, as modinfo shows them: `id version N, ...`. */
export function describeStates(def: ModuleDef): string {
  return (def.states ?? []).map((s) => `${s.id} version ${s.version}`).join(', ');
}
