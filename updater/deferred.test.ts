// Deferred targets: an update naming a module that is not loaded is
// accepted and kept; insmod applies it before anything can call the module
// (the module comes up as the kept version, after prePatch and postPatch
// with life 'coming' and before init); rmmod runs preUnpatch and
// postUnpatch after exit (life 'going') and keeps the update for the next
// load; a revert drops it; a load the kept update does not fit, or whose
// prePatch refuses, is refused with nothing loaded. A load during the
// transition of an update naming the module gets that update's version:
// prePatch at once, postPatch when the update ends (postUnpatch only if it
// is unloaded first); a revert still running refuses the load (EBUSY).

import { describe, expect, it } from 'vitest';
import { forceTransition, reverseTransition } from '../api/control.js';
import { err } from '../exec/errno.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import type { ModuleDef } from '../kernel/module.js';
import { cbVersion, type Log, loggingCallbacks } from './testmodules.js';
import { Updater } from './updater.js';

const v = (def: ModuleDef) => ({ def, source: 'test' });
const which = (k: Kernel) => (k.symbols.bind(k.symbols.get('cb_which@1')!) as () => string)();

function machine() {
  const log: Log = [];
  const k = bootKernel({ seed: 6 });
  return { k, u: new Updater(k), log, base: cbVersion(log, '1.0.0'), next: cbVersion(log, '1.1.0', { from: ['1.0.0'], to: ['1.0.0'], callbacks: loggingCallbacks(log) }) };
}

describe('an update of a module not loaded', () => {
  it('is accepted and kept, with a history record, and no callback runs yet', () => {
    const { k, u, log, next } = machine();
    const r = u.run([v(next)]);
    expect([r.outcome, r.strategy, r.modules]).toEqual(['committed', 'deferred', [{ name: 'cb', from: '-', to: '1.1.0' }]]);
    expect(u.summary(r)).toBe('update 1 deferred: cb is not loaded; it applies when cb is loaded');
    expect(k.kept.of('cb').map((x) => [x.id, x.version.def.version])).toEqual([[1, '1.1.0']]);
    expect(log).toEqual([]);
  });

  it('applies at insmod before init, so the first call already runs the new version; again after rmmod and insmod', () => {
    const { k, u, log, base, next } = machine();
    u.run([v(next)]);
    const mod = k.loader.insmod(base, {}, 'test');
    expect(mod.def).toBe(next);
    expect(mod.updateStack.map((x) => x.def.version)).toEqual(['1.0.0']);
    expect(which(k)).toBe('cb 1.1.0');
    expect(log).toEqual(['cb 1.1.0 prePatch 1.0.0->1.1.0 coming', 'cb 1.1.0 postPatch 1.0.0->1.1.0 coming', 'cb 1.1.0 init']);
    const applied = k.updates.history.at(-1)!;
    expect([applied.id, applied.outcome, applied.strategy, applied.modules]).toEqual([2, 'committed', 'at-load', [{ name: 'cb', from: '1.0.0', to: '1.1.0' }]]);
    log.length = 0;
    k.loader.rmmod('cb');
    expect(log).toEqual(['cb 1.1.0 exit', 'cb 1.1.0 preUnpatch 1.1.0->1.0.0 going', 'cb 1.1.0 postUnpatch 1.1.0->1.0.0 going']);
    expect(k.kept.of('cb')).toHaveLength(1);
    k.loader.insmod(base, {}, 'test');
    expect(which(k)).toBe('cb 1.1.0');
  });

  it('a revert of the loaded module drops it: the next load stays at the version loaded', () => {
    const { k, u, base, next } = machine();
    u.run([v(next)]);
    k.loader.insmod(base, {}, 'test');
    u.revert('cb');
    expect(which(k)).toBe('cb 1.0.0');
    expect(k.kept.of('cb')).toEqual([]);
    k.loader.rmmod('cb');
    k.loader.insmod(base, {}, 'test');
    expect(which(k)).toBe('cb 1.0.0');
  });

  it('a revert while the module is not loaded drops the newest kept update, running no callback', () => {
    const { k, u, log, next } = machine();
    u.run([v(next)]);
    const r = u.revert('cb');
    expect(r.modules).toEqual([{ name: 'cb', from: '1.1.0', to: '-' }]);
    expect(u.summary(r)).toBe('revert 2: dropped the update kept for cb (1.1.0); nothing was loaded to undo');
    expect(k.kept.of('cb')).toEqual([]);
    expect(log).toEqual([]);
    expect(() => u.revert('cb')).toThrow(/module cb is not loaded/);
  });

  it('several kept updates apply in order at the load, the versions below in the stack', () => {
    const { k, u, log, base, next } = machine();
    u.run([v(next)]);
    u.run([v(cbVersion(log, '1.2.0', { from: ['1.1.0'], to: ['1.1.0'], callbacks: loggingCallbacks(log) }))]);
    expect(() => u.run([v(cbVersion(log, '1.4.0', { from: ['1.3.0'] }))])).toThrow(/no upgrade path from cb 1.2.0 \(update 2, kept for cb\) to 1.4.0/);
    const mod = k.loader.insmod(base, {}, 'test');
    expect([mod.def.version, mod.updateStack.map((x) => x.def.version)]).toEqual(['1.2.0', ['1.0.0', '1.1.0']]);
    expect(log).toEqual([
      'cb 1.1.0 prePatch 1.0.0->1.1.0 coming',
      'cb 1.1.0 postPatch 1.0.0->1.1.0 coming',
      'cb 1.2.0 prePatch 1.1.0->1.2.0 coming',
      'cb 1.2.0 postPatch 1.1.0->1.2.0 coming',
      'cb 1.2.0 init',
    ]);
    log.length = 0;
    k.loader.rmmod('cb');
    // klp_module_going: the oldest update first.
    expect(log).toEqual([
      'cb 1.2.0 exit',
      'cb 1.1.0 preUnpatch 1.1.0->1.0.0 going',
      'cb 1.1.0 postUnpatch 1.1.0->1.0.0 going',
      'cb 1.2.0 preUnpatch 1.2.0->1.1.0 going',
      'cb 1.2.0 postUnpatch 1.2.0->1.1.0 going',
    ]);
  });

  it('a load the kept update does not fit is refused with EINVAL, nothing loaded, the refusal in the history', () => {
    const { k, u, log, next } = machine();
    u.run([v(next)]);
    expect(() => k.loader.insmod(cbVersion(log, '0.9.0'), {}, 'test')).toThrow('update 1 is kept for cb and takes it to 1.1.0 from 1.0.0 only, not from 0.9.0: refusing to load cb 0.9.0');
    expect(k.loader.get('cb')).toBeUndefined();
    expect(k.symbols.get('cb_which@1')).toBeUndefined();
    expect([k.updates.history.at(-1)!.outcome, k.updates.history.at(-1)!.strategy]).toEqual(['refused', 'at-load']);
    expect(log).toEqual([]);
  });

  it("a kept update whose prePatch refuses refuses the load with its errno; the kept updates applied before it are unpatched", () => {
    const { k, u, log, base, next } = machine();
    u.run([v(next)]);
    u.run([v(cbVersion(log, '1.2.0', { from: ['1.1.0'], callbacks: loggingCallbacks(log, { prePatch: () => { throw err('ENODEV', 'no disk'); } }) }))]);
    expect(() => k.loader.insmod(base, {}, 'test')).toThrow('cb 1.2.0 prePatch: no disk');
    expect(k.loader.get('cb')).toBeUndefined();
    expect(log).toEqual([
      'cb 1.1.0 prePatch 1.0.0->1.1.0 coming',
      'cb 1.1.0 postPatch 1.0.0->1.1.0 coming',
      'cb 1.2.0 prePatch 1.1.0->1.2.0 coming',
      'cb 1.1.0 preUnpatch 1.1.0->1.0.0 going',
      'cb 1.1.0 postUnpatch 1.1.0->1.0.0 going',
    ]);
    expect(k.updates.history.at(-1)!.error?.errno).toBe('ENODEV');
  });

  it('a load whose init fails after the kept updates applied unpatches them (klp_module_going)', () => {
    const { k, u, log, base, next } = machine();
    u.run([v({ ...next, init: () => { throw err('EIO', 'init broke'); } })]);
    expect(() => k.loader.insmod(base, {}, 'test')).toThrow(/init of cb failed: init broke/);
    expect(log).toEqual(['cb 1.1.0 prePatch 1.0.0->1.1.0 coming', 'cb 1.1.0 postPatch 1.0.0->1.1.0 coming', 'cb 1.1.0 preUnpatch 1.1.0->1.0.0 going', 'cb 1.1.0 postUnpatch 1.1.0->1.0.0 going']);
    expect(k.loader.get('cb')).toBeUndefined();
  });

  it('a group with one module loaded and one not: the loaded one is updated now, the other kept', () => {
    const { k, u, log, next } = machine();
    k.loader.insmod(cbVersion(log, '1.0.0', { name: 'dd' }), {}, 'test');
    const r = u.run([v(cbVersion(log, '1.1.0', { name: 'dd', from: ['1.0.0'] })), v(next)]);
    expect(r.modules).toEqual([{ name: 'dd', from: '1.0.0', to: '1.1.0' }, { name: 'cb', from: '-', to: '1.1.0' }]);
    expect(u.summary(r)).toMatch(/^update 1 deferred: cb is not loaded; it applies when cb is loaded; and update 1 committed: dd 1.0.0 -> 1.1.0, cb - -> 1.1.0 \(per-task\)/);
    expect(k.loader.require('dd').def.version).toBe('1.1.0');
    expect(k.kept.of('cb')).toHaveLength(1);
    expect(k.kept.of('dd')).toHaveLength(0);
  });

  it('--replace of a module not loaded takes the place of the updates kept for it', () => {
    const { k, u, log, base, next } = machine();
    u.run([v(next)]);
    u.run([v(cbVersion(log, '2.0.0', { from: ['1.0.0'], to: ['1.0.0'] }))], { replace: true });
    expect(k.kept.of('cb').map((x) => x.version.def.version)).toEqual(['2.0.0']);
    const mod = k.loader.insmod(base, {}, 'test');
    expect([mod.def.version, mod.updateStack.map((x) => x.def.version)]).toEqual(['2.0.0', ['1.0.0']]);
  });

  /** Update 1: dd (loaded, a thread napping in it, so the transition waits) and cb (not loaded, kept); both log their callbacks. */
  function pendingWithCb() {
    const { k, u, log, base, next } = machine();
    k.loader.insmod(cbVersion(log, '1.0.0', { name: 'dd' }), {}, 'test');
    k.spawnKernel('napper', (k.symbols.bind(k.symbols.get('dd_nap@1')!) as () => Generator<never, string>)());
    k.run(10_000);
    const started = u.start([v(cbVersion(log, '1.1.0', { name: 'dd', from: ['1.0.0'], callbacks: loggingCallbacks(log) })), v(next)], { strategy: 'per-task', timeout: null });
    k.run(20_000);
    expect(started.record.outcome).toBe('running');
    log.length = 0;
    return { k, u, log, base, next, record: started.record };
  }

  it('a module loaded during the transition of an update naming it comes up as its version: prePatch now, postPatch when the update commits', () => {
    const { k, u, log, base, next, record } = pendingWithCb();
    const mod = k.loader.insmod(base, {}, 'test');
    expect([mod.def, mod.updateStack.map((x) => x.def.version), which(k)]).toEqual([next, ['1.0.0'], 'cb 1.1.0']);
    expect(log).toEqual(['cb 1.1.0 prePatch 1.0.0->1.1.0 coming', 'cb 1.1.0 init']);
    expect(u.summary(u.history.at(-1)!)).toBe('update 2 committed: cb 1.0.0 -> 1.1.0 (update 1, kept for cb, applied while it loads)');
    expect(k.kept.of('cb')).toEqual([]); // not kept before update 1 commits
    forceTransition(k);
    expect(record.outcome).toBe('forced');
    expect(log.slice(2)).toEqual(['dd 1.1.0 postPatch 1.0.0->1.1.0 live', 'cb 1.1.0 postPatch 1.0.0->1.1.0 live']);
    expect(k.kept.of('cb').map((x) => [x.id, x.version.def.version])).toEqual([[1, '1.1.0']]);
    k.loader.rmmod('cb');
    expect(log.slice(4)).toEqual(['cb 1.1.0 exit', 'cb 1.1.0 preUnpatch 1.1.0->1.0.0 going', 'cb 1.1.0 postUnpatch 1.1.0->1.0.0 going']);
    expect(k.loader.insmod(base, {}, 'test').def).toBe(next); // kept now: applied at each load
  });

  it('unloaded during the transition it gets postUnpatch only (its postPatch never ran); reversed, the update keeps nothing for it', () => {
    const { k, log, base, record } = pendingWithCb();
    k.loader.insmod(base, {}, 'test');
    k.loader.rmmod('cb');
    expect(log).toEqual(['cb 1.1.0 prePatch 1.0.0->1.1.0 coming', 'cb 1.1.0 init', 'cb 1.1.0 exit', 'cb 1.1.0 postUnpatch 1.1.0->1.0.0 going']);
    reverseTransition(k, 'dd');
    expect(record.outcome).toBe('reversed');
    expect(log.slice(4)).toEqual(['dd 1.1.0 postUnpatch 1.0.0->1.1.0 live']);
    expect(k.kept.of('cb')).toEqual([]);
    expect(k.loader.insmod(base, {}, 'test').def.version).toBe('1.0.0');
  });

  it('still loaded when the transition is reversed, it stays at the version it came up as (its at-load update committed) and gets postPatch then', () => {
    const { k, u, log, base, next, record } = pendingWithCb();
    k.loader.insmod(base, {}, 'test');
    reverseTransition(k, 'dd');
    expect(record.outcome).toBe('reversed');
    expect(log.slice(2)).toEqual(['dd 1.1.0 postUnpatch 1.0.0->1.1.0 live', 'cb 1.1.0 postPatch 1.0.0->1.1.0 live']);
    expect([k.loader.require('cb').def, k.loader.require('dd').def.version, k.kept.of('cb')]).toEqual([next, '1.0.0', []]);
    u.revert('cb'); // its own transition takes it back
    expect(k.loader.require('cb').def.version).toBe('1.0.0');
    expect(log.slice(4)).toEqual(['cb 1.1.0 preUnpatch 1.1.0->1.0.0 live', 'cb 1.1.0 postUnpatch 1.1.0->1.0.0 live']);
  });

  it('a revert dropping a kept update refuses the load while it runs (EBUSY)', () => {
    const { k, u, log, base, next } = machine();
    u.run([v(next)]);
    k.loader.insmod(cbVersion(log, '1.0.0', { name: 'dd' }), {}, 'test');
    u.run([v(cbVersion(log, '1.1.0', { name: 'dd', from: ['1.0.0'], to: ['1.0.0'] }))]);
    k.spawnKernel('napper', (k.symbols.bind(k.symbols.get('dd_nap@1')!) as () => Generator<never, string>)());
    k.run(10_000);
    const started = u.start([v(cbVersion(log, '1.0.0', { name: 'dd' })), v(next)], { strategy: 'per-task', timeout: 100_000 }, 'revert');
    k.run(20_000);
    expect(started.record.outcome).toBe('running');
    expect(() => k.loader.insmod(base, {}, 'test')).toThrow(/^revert 3 names cb, which is not loaded, and is still in progress/);
    expect(k.loader.get('cb')).toBeUndefined();
  });

  it('--replace of a loaded module takes the place of its kept updates, so it must take over from the version first loaded', () => {
    const { k, u, log, base, next } = machine();
    u.run([v(next)]);
    k.loader.insmod(base, {}, 'test');
    expect(() => u.run([v(cbVersion(log, '2.0.0', { from: ['1.1.0'], to: ['1.0.0'] }))], { replace: true })).toThrow(
      "cb 2.0.0 --replace takes the place of update 1, kept for cb and applied at each load of 1.0.0; but it does not take over from 1.0.0",
    );
    u.run([v(cbVersion(log, '2.0.0', { from: ['1.0.0', '1.1.0'], to: ['1.0.0'] }))], { replace: true });
    expect(k.kept.of('cb').map((x) => x.version.def.version)).toEqual(['2.0.0']);
    k.loader.rmmod('cb');
    expect(k.loader.insmod(base, {}, 'test').def.version).toBe('2.0.0');
  });
});
