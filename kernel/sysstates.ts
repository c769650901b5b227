// System states (Linux livepatch's klp_state): each loaded module version
// may declare states it changes, `{ id, version }`, and its callbacks may
// keep data with each. The kernel keeps that data here, per module and
// version, so a later version's callbacks can take it over (`prevState`)
// and a revert finds the data of the version it goes back to as it was. A
// module's states end with the module (rmmod).

import type { ModuleDef, SystemState } from './module.js';

export class SystemStates {
  /** `module` -> version -> state id -> state. */
  private readonly byModule = new Map<string, Map<string, Map<string, SystemState>>>();

  /** The states `def` declares, with their data (made, data undefined, the first time they are asked for). */
  of(def: ModuleDef): ReadonlyMap<string, SystemState> {
    let versions = this.byModule.get(def.name);
    if (!versions) this.byModule.set(def.name, (versions = new Map()));
    let states = versions.get(def.version);
    if (!states) {
      states = new Map((def.states ?? []).map((s) => [s.id, { id: s.id, version: s.version, data: undefined }]));
      versions.set(def.version, states);
    }
    return states;
  }

  /** Forget every version's states of `module` (it was unloaded). */
  forget(module: string): void {
    this.byModule.delete(module);
  }
}
