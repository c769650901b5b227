// Interface changes: blkdev 2.0 exports blk_submit@2 and keeps @1 alive
// through an adaptor while simplefs 1.x imports it; the adaptor goes when the
// last importer moves on; without an adaptor the change is refused unless
// the importer is in the same group; a group rolls back as one.

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { catalogDefs, loadModuleDef } from '../catalog/catalog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ModuleDef } from '../kernel/module.js';
import type { Sys } from '../exec/abi.js';
import { Workload } from '../user/workload.js';
import { describePlan } from './plan.js';
import { Updater } from './updater.js';

async function loaded(modules: string[], seed = 5) {
  const k = await bootWithModules(modules, { seed });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return { k, u: new Updater(k) };
}

const v = (spec: string) => loadModuleDef(spec);

async function withoutAdaptor(): Promise<{ def: ModuleDef; source: string }> {
  const { def } = await v('blkdev@2.0.0');
  const { compat: _none, ...rest } = def;
  return { def: { ...rest, version: '2.0.1' }, source: 'test: blkdev 2.0 without compat' };
}

/** The group's modules and every slot (the kernel log is left out: it records the abort, as it should). */
function views(k: Kernel) {
  return {
    modules: k.loader.list().map((m) => `${m.name}@${m.def.version}`),
    images: ['blkdev', 'simplefs'].map((name) => k.store.image(name)),
    slots: k.symbols.all().map((s) => [s.key, s.target, s.adaptor] as const),
  };
}

describe('blkdev 2.0 with an adaptor for blk_submit@1', () => {
  it('applies under the workload while simplefs 1.x imports @1, which then goes through the adaptor until simplefs 2.0 takes over', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.1.0', 'simplefs@1.2.0']);
    const w = new Workload(k, { threads: 4, seed: 5 });
    w.start();
    k.run(200_000);
    const before = k.symbols.get('blk_submit@1')!;
    u.run([await v('blkdev@2.0.0')]);
    // The same slot, now an adaptor; simplefs is bound to it as before.
    const adaptor = k.symbols.get('blk_submit@1')!;
    expect(adaptor).toBe(before);
    expect(adaptor.adaptor).toBe(true);
    expect(adaptor.target.version).toBe('2.0.0');
    expect(k.loader.importersOf(adaptor)).toEqual(['simplefs']);
    const calls = adaptor.calls;
    k.run(200_000);
    expect(adaptor.calls).toBeGreaterThan(calls + 10); // simplefs's I/O really goes through it
    u.run([await v('simplefs@2.0.0')]);
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
    expect(k.loader.require('blkdev').exports.has('blk_submit@1')).toBe(false);
    // No indirection left: simplefs is bound to the @2 stub, whose target is blkdev's own function.
    const direct = k.loader.require('simplefs').imports.get('blk_submit@2')!;
    expect(direct.adaptor).toBe(false);
    expect(direct.target.fn).toBe('blk_submit');
    const d0 = direct.calls;
    k.run(200_000);
    expect(direct.calls).toBeGreaterThan(d0 + 10);
    w.stop();
    expect(w.failures).toEqual([]);
    expect(w.verify().mismatches).toEqual([]);
  });

  it('makes the adaptor when a module written for @1 is loaded, and drops it when that module is unloaded', async () => {
    const k = await bootWithModules(['blkdev@2.0.0'], { seed: 1 });
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
    k.loader.insmod((await v('simplefs@1.0.0')).def);
    expect(k.symbols.get('blk_submit@1')?.adaptor).toBe(true);
    k.loader.rmmod('simplefs');
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
    expect(() => k.loader.rmmod('blkdev')).not.toThrow();
  });
});

describe('reverting an interface change', () => {
  it('turns the adaptor back into the real export (found by the update property: 1.0 -> 1.1 -> 2.0 -> revert)', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0']);
    u.run([await v('blkdev@1.1.0')]);
    u.run([await v('blkdev@2.0.0')]);
    const slot = k.symbols.get('blk_submit@1')!;
    expect(slot.adaptor).toBe(true);
    const r = u.revert('blkdev');
    expect(r.outcome).toBe('committed');
    expect(k.symbols.get('blk_submit@1')).toBe(slot); // simplefs stays bound to the same slot
    expect(slot.adaptor).toBe(false);
    expect(slot.target.version).toBe('1.1.0');
    expect(k.symbols.get('blk_submit@2')).toBeUndefined();
    // The filesystem's I/O goes through it, to the real export.
    const calls = slot.calls;
    const text = runProgram<Uint8Array>(k, 'io', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/after-revert', new TextEncoder().encode('still here'));
      const back = yield* sys.readFile('/mnt/after-revert');
      yield* sys.umount('/mnt');
      return back;
    });
    expect(new TextDecoder().decode(text)).toBe('still here');
    expect(slot.calls).toBeGreaterThan(calls);
    // A real export is never collected as an unused adaptor.
    k.loader.rmmod('simplefs');
    expect(k.symbols.get('blk_submit@1')).toBe(slot);
  });
});

describe('an importer that goes back to the old interface', () => {
  it('gets its adaptor made again by the update, then the pair can move forward as one group', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.1.0', 'simplefs@1.2.0']);
    const w = new Workload(k, { threads: 3, seed: 4 });
    w.start();
    k.run(100_000);
    u.run([await v('blkdev@2.0.0')]);
    u.run([await v('simplefs@2.0.0')]);
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
    // simplefs 1.2 imports blk_submit@1, which blkdev 2.0 now offers only through compat.
    expect(u.plan([u.revertTarget('simplefs')], { direction: 'downgrade' }).adaptors).toEqual([{ key: 'blk_submit@1', provider: 'blkdev' }]);
    u.revert('simplefs');
    const adaptor = k.symbols.get('blk_submit@1')!;
    expect(adaptor.adaptor).toBe(true);
    expect(k.loader.importersOf(adaptor)).toEqual(['simplefs']);
    k.run(100_000);
    u.revert('blkdev');
    expect(adaptor.adaptor).toBe(false);
    const r = u.run([await v('blkdev@2.0.0'), await v('simplefs@2.0.0')]);
    expect(r.modules.map((m) => m.to)).toEqual(['2.0.0', '2.0.0']);
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
    k.run(100_000);
    w.stop();
    expect(w.failures).toEqual([]);
    expect(w.verify().mismatches).toEqual([]);
  });
});

describe('the plan of an interface change, as --dry-run prints it', () => {
  // Regression: the grouped plan announced 'through an adaptor from now on: blk_submit@1',
  // though simplefs, the only importer, moves to @2 in the same group and no adaptor is made.
  it('announces the adaptor only when an importer stays on the old interface', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.2.0']);
    const alone = describePlan(u.plan([await v('blkdev@2.0.0')]));
    expect(alone).toContain('  blkdev: through an adaptor from now on: blk_submit@1');
    const group = describePlan(u.plan([await v('blkdev@2.0.0'), await v('simplefs@2.0.0')]));
    expect(group.filter((l) => l.includes('adaptor'))).toEqual([
      '  blkdev: no longer exported, as no importer is left on it: blk_submit@1 (compat makes an adaptor for a module loaded later that imports it)',
    ]);
    u.run([await v('blkdev@2.0.0'), await v('simplefs@2.0.0')]);
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
  });
});

describe('an interface change without an adaptor', () => {
  it('is refused when simplefs would be left on blk_submit@1, naming it and suggesting the group', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.1.0', 'simplefs@1.2.0']);
    const before = views(k);
    const bare = await withoutAdaptor();
    let thrown: { errno?: string; message?: string; hint?: string } = {};
    try {
      u.plan([bare], { candidates: await catalogDefs() });
    } catch (e) {
      thrown = e as typeof thrown;
    }
    expect(thrown.errno).toBe('EBUSY');
    expect(thrown.message).toBe('blkdev 2.0.1 removes blk_submit@1 and has no adaptor for it, but simplefs still imports it');
    expect(thrown.hint).toMatch(/^update blkdev@2\.0\.1 simplefs@2\.0\.0 as one group/);
    expect(views(k)).toEqual(before);
  });

  it('applies when the importer is in the same group: one plan, one quiescence, one switch', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.1.0', 'simplefs@1.2.0']);
    const w = new Workload(k, { threads: 3, seed: 8 });
    w.start();
    k.run(150_000);
    const r = u.run([await withoutAdaptor(), await v('simplefs@2.0.0')]);
    expect(r.modules.map((m) => `${m.name} ${m.from}->${m.to}`)).toEqual(['blkdev 1.1.0->2.0.1', 'simplefs 1.2.0->2.0.0']);
    expect(r.phases.filter((e) => e.phase === 'switch')).toHaveLength(1);
    expect(k.symbols.get('blk_submit@1')).toBeUndefined();
    k.run(150_000);
    w.stop();
    expect(w.failures).toEqual([]);
    expect(w.verify().mismatches).toEqual([]);
  });

  it('rolls back both modules when the second one of a group fails its transfer', async () => {
    const { k, u } = await loaded(['kmsg@1.0.0', 'blkdev@1.1.0', 'simplefs@1.2.0']);
    const before = views(k);
    const { def } = await v('simplefs@2.0.0');
    const failing = { def: { ...def, version: '2.0.9', upgrade: { from: ['1.2.0'], state: () => { throw new Error('second module fails'); } } }, source: 'test' };
    const bare = await withoutAdaptor();
    expect(() => u.run([bare, failing])).toThrow(/simplefs 1\.2\.0 -> 2\.0\.9: state transfer threw: second module fails/);
    expect(views(k)).toEqual(before);
    expect(k.symbols.get('blk_submit@2')).toBeUndefined();
    expect(u.history.at(-1)!.outcome).toBe('aborted');
  });
});
