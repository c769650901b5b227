// Atomic replace (`--replace`): the new version takes over its module's
// whole update stack; a revert then goes back to the version first loaded
// through the replacing version's downgrade; only the replacing version's
// callbacks run; a replacing version that cannot go back to the version
// first loaded, or lacks a state of the stack, is refused with nothing
// changed.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../kernel/kernel.js';
import type { ModuleDef } from '../kernel/module.js';
import { cbVersion, type Log, loggingCallbacks } from './testmodules.js';
import { describePlan } from './plan.js';
import { Updater } from './updater.js';

const v = (def: ModuleDef) => ({ def, source: 'test' });

/** cb 1.0.0, updated to 1.1.0 then 1.2.0 (each with logging callbacks). */
function stacked() {
  const log: Log = [];
  const k = bootKernel({ seed: 5 });
  k.loader.insmod(cbVersion(log, '1.0.0'), {}, 'test');
  const u = new Updater(k);
  u.run([v(cbVersion(log, '1.1.0', { from: ['1.0.0'], to: ['1.0.0'], callbacks: loggingCallbacks(log), states: [{ id: 's', version: 1 }] }))]);
  u.run([v(cbVersion(log, '1.2.0', { from: ['1.1.0'], to: ['1.1.0'], callbacks: loggingCallbacks(log), states: [{ id: 's', version: 1 }] }))]);
  log.length = 0;
  return { k, u, log };
}

const stack = (k: ReturnType<typeof bootKernel>) => k.loader.require('cb').updateStack.map((x) => x.def.version);

describe('update --replace', () => {
  it('takes over the stack; revert goes back to the version first loaded; only its callbacks run', () => {
    const { k, u, log } = stacked();
    expect(stack(k)).toEqual(['1.0.0', '1.1.0']);
    const r = u.run([v(cbVersion(log, '2.0.0', { from: ['1.2.0'], to: ['1.0.0'], callbacks: loggingCallbacks(log), states: [{ id: 's', version: 1 }] }))], { replace: true });
    expect(r.phases[0]!.phase).toBe('plan');
    expect(stack(k)).toEqual(['1.0.0']);
    const back = u.revert('cb');
    expect(back.modules).toEqual([{ name: 'cb', from: '2.0.0', to: '1.0.0' }]);
    expect(stack(k)).toEqual([]);
    expect(k.loader.require('cb').def.version).toBe('1.0.0');
    expect(log).toEqual([
      'cb 2.0.0 prePatch 1.2.0->2.0.0 live',
      'cb 2.0.0 postPatch 1.2.0->2.0.0 live',
      'cb 2.0.0 preUnpatch 2.0.0->1.0.0 live',
      'cb 2.0.0 postUnpatch 2.0.0->1.0.0 live',
    ]);
    expect(() => u.revert('cb')).toThrow(/nothing to revert: cb 1.0.0/);
  });

  it('the plan says so (dry-run)', () => {
    const { u, log } = stacked();
    const p = u.plan([v(cbVersion(log, '2.0.0', { from: ['1.2.0'], to: ['1.0.0'], states: [{ id: 's', version: 1 }] }))], { replace: true });
    expect(describePlan(p)).toContain('  replace: takes over the update stack of cb; revert goes back to the version first loaded');
    expect(describePlan(u.plan([v(cbVersion(log, '1.3.0', { from: ['1.2.0'], states: [{ id: 's', version: 1 }] }))])).join('\n')).not.toContain('replace');
  });

  it('is refused, changing nothing, when the replacing version cannot go back to the version first loaded', () => {
    const { k, u, log } = stacked();
    const def = k.loader.require('cb').def;
    const before = stack(k);
    expect(() => u.run([v(cbVersion(log, '2.0.0', { from: ['1.2.0'], to: ['1.2.0'], callbacks: loggingCallbacks(log), states: [{ id: 's', version: 1 }] }))], { replace: true })).toThrow(
      "cb 2.0.0 --replace takes over cb's update stack, so revert goes back to 1.0.0, the version first loaded; but its downgrade goes to 1.2.0",
    );
    expect(k.loader.require('cb').def).toBe(def);
    expect(stack(k)).toEqual(before);
    expect(log).toEqual([]);
  });

  it('is refused when it lacks a state of the stack', () => {
    const { u, log } = stacked();
    expect(() => u.run([v(cbVersion(log, '2.0.0', { from: ['1.2.0'], to: ['1.0.0'] }))], { replace: true })).toThrow(/does not declare system state 's'/);
  });

  it('on a module with an empty stack is an ordinary update', () => {
    const log: Log = [];
    const k = bootKernel({ seed: 5 });
    k.loader.insmod(cbVersion(log, '1.0.0'), {}, 'test');
    const u = new Updater(k);
    u.run([v(cbVersion(log, '2.0.0', { from: ['1.0.0'], to: ['1.0.0'] }))], { replace: true });
    expect(stack(k)).toEqual(['1.0.0']);
  });
});
