// Updates the kernel keeps for a module whether it is loaded or not, as
// Linux keeps an enabled livepatch for an object whose module may come and
// go: an update accepted while its module was not loaded ("deferred") stays
// here until it is reverted, is applied each time the module is loaded, and
// stays when the module is unloaded. The updater decides what goes in and
// applies the entries (updater/deferred.ts); the kernel only keeps them,
// oldest first per module.

import type { ModuleVersion } from './loader.js';

export interface KeptUpdate {
  /** The update (history record) that asked for it. */
  readonly id: number;
  /** The version the module is updated to. */
  readonly version: ModuleVersion;
}

export class KeptUpdates {
  private readonly byModule = new Map<string, KeptUpdate[]>();

  /** The updates kept for `module`, oldest first. */
  of(module: string): readonly KeptUpdate[] {
    return this.byModule.get(module) ?? [];
  }

  /** Every module with updates kept for it, sorted. */
  modules(): string[] {
    return [...this.byModule.keys()].sort();
  }

  add(module: string, u: KeptUpdate): void {
    this.byModule.set(module, [...this.of(module), u]);
  }

  /** Drop the newest entry of `module`, or every entry (`all`); returns what went. */
  drop(module: string, all = false): KeptUpdate[] {
    const list = this.of(module);
    const gone = all ? list : list.slice(-1);
    const left = list.slice(0, list.length - gone.length);
    if (left.length) this.byModule.set(module, left);
    else this.byModule.delete(module);
    return [...gone];
  }
}
