// Atomic replace (Linux livepatch's cumulative patches, `update --replace`):
// the new version takes over the whole update stack of its module, so that
// a revert afterwards goes back to the version first loaded, and the
// updates it replaced are dropped from the stack. As in livepatch, only the
// replacing version's callbacks run; the replaced versions' do not.
//
// What the replacing version must declare: its `upgrade.from` names the
// running version (it is an update from there, like any other), and, since
// a revert goes back through the running version's `downgrade`, its
// `downgrade.to` names the version first loaded, with the transfers from
// its own state and records to that version's. When updates are kept for
// the module (deferred.ts), the replacing version is kept in their place and
// applies at each load of the version first loaded, so its `upgrade.from`
// names that version too.

import { err } from '../exec/errno.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ModuleDef } from '../kernel/module.js';
import type { UpdateKind } from '../exec/lifecycle.js';

/** What replace needs of a module's plan. */
interface Replacing {
  readonly name: string;
  readonly newDef: ModuleDef;
  readonly oldDef: ModuleDef;
}

/** EINVAL unless each new version can go back, by its downgrade, to the version its module first loaded. */
export function checkReplace(k: Kernel, modules: readonly Replacing[]): void {
  for (const m of modules) {
    const first = k.loader.require(m.name).updateStack[0]?.def ?? m.oldDef;
    const to = m.newDef.downgrade?.to ?? [];
    if (!to.includes(first.version)) {
      throw err(
        'EINVAL',
        `${m.name} ${m.newDef.version} --replace takes over ${m.name}'s update stack, so revert goes back to ${first.version}, the version first loaded; but its downgrade goes to ${to.length ? to.join(', ') : 'no version'}`,
        `give ${m.name} ${m.newDef.version} downgrade: { to: ['${first.version}'], ... } with the transfers back to ${first.version}, or update without --replace`,
      );
    }
    // It takes the place of the updates kept for the module, so it must apply at a load of the version first loaded, as they did.
    const kept = k.kept.of(m.name);
    if (kept.length > 0 && !(m.newDef.upgrade?.from ?? []).includes(first.version)) {
      throw err(
        'EINVAL',
        `${m.name} ${m.newDef.version} --replace takes the place of update ${kept.map((u) => u.id).join(', ')}, kept for ${m.name} and applied at each load of ${first.version}; but it does not take over from ${first.version}`,
        `add '${first.version}' to the upgrade.from of ${m.name} ${m.newDef.version}, or update without --replace`,
      );
    }
  }
}

/** The commit of each module's update stack: a revert pops; an update pushes the version it left; a replace keeps only the version first loaded. */
export function commitStacks(k: Kernel, modules: readonly Replacing[], kind: UpdateKind, replace: boolean, sources: ReadonlyMap<string, string>): void {
  for (const m of modules) {
    const stack = k.loader.require(m.name).updateStack;
    if (kind === 'revert') stack.pop();
    else if (replace && stack.length > 0) stack.splice(1);
    else stack.push({ def: m.oldDef, source: sources.get(m.name)! });
  }
}
