// Callbacks in livepatch's order (Documentation/livepatch/callbacks.rst),
// read from a recorded log: prePatch before the transition, postPatch after
// it, preUnpatch/postUnpatch around a revert; a refusing prePatch leaves
// the machine as it was (the same references) with its own errno; an abort
// gives postUnpatch and no preUnpatch; a group's refusal unpatches the
// members whose prePatch ran.

import { describe, expect, it } from 'vitest';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { err } from '../exec/errno.js';
import type { ModuleDef } from '../kernel/module.js';
import { cbVersion, type Log, loggingCallbacks } from './testmodules.js';
import { Updater } from './updater.js';

const v = (def: ModuleDef) => ({ def, source: 'test' });

function machine(log: Log, ...defs: ModuleDef[]) {
  const k = bootKernel({ seed: 3 });
  for (const d of defs) k.loader.insmod(d, {}, 'test');
  // The phases that bracket the callbacks, in the same log.
  k.updates.phases.add((r, e) => {
    if (['plan', 'prepare', 'commit', 'abort'].includes(e.phase)) log.push(`${r.kind} ${r.id} ${e.phase}`);
  });
  return { k, u: new Updater(k) };
}

/** What a refusal must leave alone: the module's definition, image and every slot target, as the same references. */
function refs(k: Kernel, names: string[]) {
  return names.map((n) => {
    const m = k.loader.require(n);
    return { def: m.def, image: k.store.image(n), targets: [...m.exports.values()].map((s) => s.target), stack: [...m.updateStack] };
  });
}

function expectSame(k: Kernel, names: string[], before: ReturnType<typeof refs>) {
  const now = refs(k, names);
  names.forEach((_, i) => {
    expect(now[i]!.def).toBe(before[i]!.def);
    expect(now[i]!.image).toBe(before[i]!.image);
    now[i]!.targets.forEach((t, j) => expect(t).toBe(before[i]!.targets[j]));
    expect(now[i]!.stack).toEqual(before[i]!.stack);
  });
  expect(k.updates.running).toBeNull();
  for (const n of names) expect(k.loader.require(n).updating).toBeNull();
}

const which = (k: Kernel, name = 'cb') => (k.symbols.bind(k.symbols.get(`${name}_which@1`)!) as () => string)();

describe('an update and its revert run the callbacks in livepatch order', () => {
  it('prePatch before the plan is accepted, postPatch after the switch and before the commit; preUnpatch and postUnpatch around the revert', () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'));
    u.run([v(cbVersion(log, '1.1.0', { from: ['1.0.0'], to: ['1.0.0'], callbacks: loggingCallbacks(log) }))]);
    expect(which(k)).toBe('cb 1.1.0');
    u.revert('cb');
    expect(which(k)).toBe('cb 1.0.0');
    expect(log).toEqual([
      'cb 1.0.0 init',
      'cb 1.1.0 prePatch 1.0.0->1.1.0 live',
      'update 1 plan',
      'update 1 prepare',
      'cb 1.1.0 postPatch 1.0.0->1.1.0 live',
      'update 1 commit',
      'cb 1.1.0 preUnpatch 1.1.0->1.0.0 live',
      'revert 2 plan',
      'revert 2 prepare',
      'cb 1.1.0 postUnpatch 1.1.0->1.0.0 live',
      'revert 2 commit',
    ]);
  });

  it('an update aborted in its transition gets postUnpatch and no preUnpatch; a revert aborted gets postPatch again', () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'));
    const napper = k.spawnKernel('napper', (k.symbols.bind(k.symbols.get('cb_nap@1')!) as () => Generator<never, string>)());
    k.run(10_000);
    expect(napper.frames.some((f) => f.module === 'cb')).toBe(true);
    const next = cbVersion(log, '1.1.0', { from: ['1.0.0'], to: ['1.0.0'], callbacks: loggingCallbacks(log) });
    expect(() => u.run([v(next)], { timeout: 20_000 })).toThrow(/^update did not complete its transition within 20000 cycles: thread \d+ \(napper\) in cb@1\.0\.0:cb_nap/);
    expect(log.slice(1)).toEqual(['cb 1.1.0 prePatch 1.0.0->1.1.0 live', 'update 1 plan', 'update 1 prepare', 'cb 1.1.0 postUnpatch 1.0.0->1.1.0 live', 'update 1 abort']);
    expect(which(k)).toBe('cb 1.0.0');
  });

  it('a revert aborted in its transition leaves the version, which gets postPatch again', () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'));
    u.run([v(cbVersion(log, '1.1.0', { from: ['1.0.0'], to: ['1.0.0'], callbacks: loggingCallbacks(log) }))]);
    k.spawnKernel('napper', (k.symbols.bind(k.symbols.get('cb_nap@1')!) as () => Generator<never, string>)());
    k.run(10_000);
    log.length = 0;
    expect(() => u.revert('cb', { timeout: 20_000 })).toThrow(/ETIMEDOUT|did not complete/);
    expect(log).toEqual(['cb 1.1.0 preUnpatch 1.1.0->1.0.0 live', 'revert 2 plan', 'revert 2 prepare', 'cb 1.1.0 postPatch 1.1.0->1.0.0 live', 'revert 2 abort']);
    expect(which(k)).toBe('cb 1.1.0');
  });
});

describe('a prePatch that throws refuses the update, and nothing changes', () => {
  it("with the callback's own errno and message, in the history, the same references kept", () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'));
    const before = refs(k, ['cb']);
    const trace = k.machine.traceHash();
    const next = cbVersion(log, '1.1.0', { from: ['1.0.0'], callbacks: loggingCallbacks(log, { prePatch: () => { throw err('ENODEV', 'no such device'); } }) });
    let thrown: unknown;
    try {
      u.run([v(next)]);
    } catch (e) {
      thrown = e;
    }
    expect(String((thrown as Error).message)).toBe('cb 1.1.0 prePatch: no such device');
    expect((thrown as { errno: string }).errno).toBe('ENODEV');
    expectSame(k, ['cb'], before);
    expect(k.machine.traceHash()).toBe(trace);
    const r = k.updates.history.at(-1)!;
    expect([r.outcome, r.error?.errno, r.modules[0]]).toEqual(['refused', 'ENODEV', { name: 'cb', from: '1.0.0', to: '1.1.0' }]);
    // No postUnpatch: its own prePatch failed (livepatch's post_unpatch_enabled).
    expect(log.slice(1)).toEqual(['cb 1.1.0 prePatch 1.0.0->1.1.0 live']);
  });

  it('a throw that is not a kernel error is EINVAL naming the callback', () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'));
    const before = refs(k, ['cb']);
    const next = cbVersion(log, '1.1.0', { from: ['1.0.0'], callbacks: { prePatch: () => { throw new TypeError('x is undefined'); } } });
    expect(() => u.run([v(next)])).toThrow('cb 1.1.0 prePatch failed: x is undefined');
    expect(k.updates.history.at(-1)!.error?.errno).toBe('EINVAL');
    expectSame(k, ['cb'], before);
  });

  it('in a group, the members whose prePatch ran get postUnpatch, in order, and none changes', () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'), cbVersion(log, '1.0.0', { name: 'dd' }), cbVersion(log, '1.0.0', { name: 'ee' }));
    const before = refs(k, ['cb', 'dd', 'ee']);
    const group = [
      cbVersion(log, '1.1.0', { from: ['1.0.0'], callbacks: loggingCallbacks(log) }),
      cbVersion(log, '1.1.0', { name: 'dd', from: ['1.0.0'], callbacks: loggingCallbacks(log) }),
      cbVersion(log, '1.1.0', { name: 'ee', from: ['1.0.0'], callbacks: loggingCallbacks(log, { prePatch: () => { throw err('EPERM', 'not today'); } }) }),
    ];
    log.length = 0;
    expect(() => u.run(group.map(v))).toThrow('ee 1.1.0 prePatch: not today');
    expect(log).toEqual([
      'cb 1.1.0 prePatch 1.0.0->1.1.0 live',
      'dd 1.1.0 prePatch 1.0.0->1.1.0 live',
      'ee 1.1.0 prePatch 1.0.0->1.1.0 live',
      'cb 1.1.0 postUnpatch 1.0.0->1.1.0 live',
      'dd 1.1.0 postUnpatch 1.0.0->1.1.0 live',
    ]);
    expectSame(k, ['cb', 'dd', 'ee'], before);
  });

  it('a postPatch that throws is an oops; the update stays committed', () => {
    const log: Log = [];
    const { k, u } = machine(log, cbVersion(log, '1.0.0'));
    const oopses = k.stats.oopses;
    u.run([v(cbVersion(log, '1.1.0', { from: ['1.0.0'], callbacks: { postPatch: () => { throw new Error('late'); } } }))]);
    expect(k.stats.oopses).toBe(oopses + 1);
    expect(k.updates.history.at(-1)!.outcome).toBe('committed');
    expect(which(k)).toBe('cb 1.1.0');
  });
});

describe('insmod refuses callbacks that are not plain functions', () => {
  it('an unknown callback name and a generator are EINVAL', () => {
    const k = bootKernel({ seed: 3 });
    const log: Log = [];
    expect(() => k.loader.insmod({ ...cbVersion(log, '1.0.0'), callbacks: { prePach: () => {} } as never })).toThrow(/callbacks has no 'prePach'/);
    expect(() => k.loader.insmod({ ...cbVersion(log, '1.0.0'), callbacks: { postPatch: function* () {} } as never })).toThrow(/callbacks.postPatch must be a plain function/);
    expect(k.loader.get('cb')).toBeUndefined();
  });
});
