// The updater under the guarantees of the live-update issue: every update in
// the histories applies under load with every strategy it allows; a thread
// inside old code keeps it until it leaves; timeouts, failed transfers and
// failed checks abort with state and slots as the very same references;
// update then revert gives back an equal state; bad requests change nothing.

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ModuleDef } from '../kernel/module.js';
import type { Sys } from '../exec/abi.js';
import type { Target } from '../kernel/symbols.js';
import { Workload } from '../user/workload.js';
import type { Strategy } from './plan.js';
import { Updater } from './updater.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function machine(modules: string[], seed = 9) {
  const k = await bootWithModules(modules, { seed });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return { k, u: new Updater(k) };
}

async function version(spec: string) {
  return loadModuleDef(spec);
}

/** Every slot target of a module, by slot key (to check "the same references"). */
function targets(k: Kernel, name: string): Map<string, Target> {
  const m = k.loader.require(name);
  const out = new Map<string, Target>();
  for (const [key, s] of m.exports) out.set(key, s.target);
  for (const t of m.opsTables) {
    const [kind, tname] = t.split(':') as ['fs', string];
    for (const [op, s] of Object.entries(k.ops.get(kind, tname)!.slots)) out.set(`${t}.${op}`, s.target);
  }
  return out;
}

function expectUnchanged(k: Kernel, name: string, before: { image: unknown; targets: Map<string, Target>; def: ModuleDef }) {
  expect(k.store.image(name)).toBe(before.image);
  const now = targets(k, name);
  expect([...now.keys()]).toEqual([...before.targets.keys()]);
  for (const [key, t] of before.targets) expect(now.get(key), key).toBe(t);
  expect(k.loader.require(name).def).toBe(before.def);
  for (const s of k.symbols.all()) expect(s.gate, s.key).toBeNull();
}

function snapshot(k: Kernel, name: string) {
  return { image: k.store.image(name), targets: targets(k, name), def: k.loader.require(name).def };
}

/** A user thread blocked inside simplefs on a stalled disk read of /mnt/a. */
function stuckReader(k: Kernel) {
  runProgram(k, 'writer', function* (sys: Sys) {
    yield* sys.writeFile('/mnt/a', enc('the old code finishes this read'));
  });
  k.machine.disks[0]!.injectHang(1);
  const reader = k.spawnUser('reader', (sys: Sys) => sys.readFile('/mnt/a'));
  k.run(50_000);
  return reader;
}

describe('every update in the histories applies under the workload with every strategy it allows', () => {
  const cases: [string, string[], Strategy[]][] = [
    ['blkdev@1.1.0', ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], ['per-task', 'module', 'stop-machine']],
    ['simplefs@1.1.0', ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], ['per-task', 'module', 'stop-machine']],
    ['simplefs@1.2.0', ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0'], ['module', 'stop-machine']],
    ['kmsg@2.0.0', ['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0'], ['module', 'stop-machine']],
  ];
  for (const [spec, boot, strategies] of cases) {
    for (const strategy of strategies) {
      it(`${spec} with ${strategy}`, async () => {
        const { k, u } = await machine(boot, 21);
        // Think time leaves quiet moments, which stop-machine needs (the module gate would wait for one).
        const w = new Workload(k, { threads: 4, files: 6, seed: 21, think: strategy === 'stop-machine' ? 60_000 : 4_000 });
        w.start();
        k.run(200_000);
        const r = u.run([await version(spec)], { strategy });
        expect(r.outcome).toBe('committed');
        expect(r.strategy).toBe(strategy);
        expect(k.loader.require(spec.split('@')[0]!).def.version).toBe(spec.split('@')[1]);
        k.run(200_000);
        w.stop();
        const report = w.verify();
        expect(w.failures).toEqual([]);
        expect(report.mismatches).toEqual([]);
        expect(w.ops).toBeGreaterThan(20);
        if (strategy === 'stop-machine') expect(r.stoppedCycles).toBeGreaterThan(0);
        else expect(r.stoppedCycles).toBe(0);
        if (strategy === 'per-task') expect(r.heldCalls).toBe(0);
      });
    }
  }
});

describe('a thread inside old code', () => {
  it('keeps running the old code until it leaves; the module strategy waits for it, then transfers', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const reader = stuckReader(k);
    expect(reader.frames.map((f) => `${f.module}@${f.version}:${f.fn}`)).toContain('simplefs@1.1.0:fs:simplefs.read');
    const { record } = u.start([await version('simplefs@1.2.0')]);
    k.run(300_000);
    expect(record.outcome).toBe('running'); // waiting in BLOCK for the reader
    expect(record.phases.map((e) => e.phase)).toContain('forward');
    expect(reader.frames.some((f) => f.module === 'simplefs' && f.version === '1.1.0')).toBe(true);
    // A new caller is held at the gate meanwhile.
    const late = k.spawnUser('late', (sys: Sys) => sys.readFile('/mnt/a'));
    k.run(20_000);
    expect(late.waitChannel).toMatch(/^update gate \(fs:simplefs\./);
    k.machine.disks[0]!.release();
    // The reader finishes its read in 1.1's code; only then does the update switch.
    expect(k.runUntil(() => !reader.frames.some((f) => f.module === 'simplefs'), 1_000_000)).toBe(true);
    const leftAt = k.now;
    expect(record.outcome).toBe('running');
    expect(k.runUntil(() => record.outcome !== 'running', 1_000_000)).toBe(true);
    expect(record.outcome).toBe('committed');
    expect(record.phases.find((e) => e.phase === 'switch')!.at).toBeGreaterThanOrEqual(leftAt);
    expect(k.loader.require('simplefs').def.version).toBe('1.2.0');
    expect(dec(k.runThread(reader) as Uint8Array)).toBe('the old code finishes this read');
    expect(dec(k.runThread(late) as Uint8Array)).toBe('the old code finishes this read');
    expect(record.heldCalls).toBeGreaterThanOrEqual(1);
  });

  it('makes a too-short timeout abort, naming the thread and the function, with state and slots the same references', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const reader = stuckReader(k);
    const before = snapshot(k, 'simplefs');
    let thrown: unknown;
    try {
      u.run([await version('simplefs@1.2.0')], { timeout: 100_000 });
    } catch (x) {
      thrown = x;
    }
    expect(thrown).toMatchObject({ errno: 'ETIMEDOUT' });
    expect((thrown as Error).message).toContain(`thread ${reader.tid} (reader) in simplefs@1.1.0:fs:simplefs.read`);
    expectUnchanged(k, 'simplefs', before);
    expect(u.history.at(-1)!.outcome).toBe('aborted');
    // The machine runs on: the stalled read completes with the old code.
    k.machine.disks[0]!.release();
    expect(dec(k.runThread(reader) as Uint8Array)).toBe('the old code finishes this read');
  });
});

describe('one update at a time', () => {
  it('refuses a second update while one is in progress, and takes it once the first is over', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const reader = stuckReader(k);
    const { record } = u.start([await version('simplefs@1.2.0')]);
    k.run(10_000);
    expect(record.outcome).toBe('running');
    const blk = await version('blkdev@1.1.0');
    expect(() => u.start([blk])).toThrow(/^update 1 is still in progress/);
    k.machine.disks[0]!.release();
    k.runThread(reader);
    expect(k.runUntil(() => record.outcome !== 'running', 1_000_000)).toBe(true);
    expect(u.run([blk]).outcome).toBe('committed');
  });
});

describe('the unsafe control', () => {
  it('switches at once while a thread is inside the old version, where module waits for it', async () => {
    const a = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0']);
    const readerA = stuckReader(a.k);
    const unsafe = a.u.start([await version('simplefs@1.1.0')], { strategy: 'unsafe' });
    a.k.run(5_000);
    expect(unsafe.record.outcome).toBe('committed'); // with a frame of 1.0.0 still on the reader's stack
    expect(readerA.frames.some((f) => f.module === 'simplefs' && f.version === '1.0.0')).toBe(true);
    expect(unsafe.record.phases.map((e) => e.phase)).toEqual(['plan', 'prepare', 'quiesce', 'transfer', 'switch', 'commit']);

    const b = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0']);
    stuckReader(b.k);
    const gated = b.u.start([await version('simplefs@1.1.0')], { strategy: 'module' });
    b.k.run(5_000);
    expect(gated.record.outcome).toBe('running');
  });

  it('is not offered by the console: the updater lists only the real strategies', async () => {
    const u = new Updater(await bootWithModules(['blkdev@1.0.0'], { seed: 1 }));
    expect(u.strategies).toEqual(['module', 'per-task', 'stop-machine']);
  });
});

describe('per-task with a thread that never leaves the old code', () => {
  it('times out naming the thread, switches nobody for good, and leaves every slot as it was', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0']);
    const reader = stuckReader(k);
    const before = snapshot(k, 'simplefs');
    const subscribers = k.hooks.syscallReturn.size;
    let thrown: unknown;
    try {
      u.run([await version('simplefs@1.1.0')], { strategy: 'per-task', timeout: 200_000 });
    } catch (x) {
      thrown = x;
    }
    expect(thrown).toMatchObject({ errno: 'ETIMEDOUT' });
    expect((thrown as Error).message).toContain(`did not complete its transition within 200000 cycles: thread ${reader.tid} (reader) in simplefs@1.0.0:fs:simplefs.read`);
    expectUnchanged(k, 'simplefs', before);
    expect(k.hooks.syscallReturn.size).toBe(subscribers); // its subscription is gone
    k.machine.disks[0]!.release();
    expect(dec(k.runThread(reader) as Uint8Array)).toBe('the old code finishes this read');
  });
});

describe('aborts leave the machine unchanged and running', () => {
  async function broken(change: (d: ModuleDef) => Partial<ModuleDef>): Promise<{ def: ModuleDef; source: string }> {
    const { def } = await version('simplefs@1.2.0');
    return { def: { ...def, version: '1.2.9', ...change(def) }, source: 'test' };
  }

  it('a transfer that throws', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const before = snapshot(k, 'simplefs');
    const v = await broken((d) => ({ upgrade: { ...d.upgrade!, state: () => { throw new Error('boom'); } } }));
    expect(() => u.run([v])).toThrow(/ECANCELED|state transfer threw: boom/);
    expectUnchanged(k, 'simplefs', before);
  });

  it('a check that fails', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const before = snapshot(k, 'simplefs');
    const v = await broken((d) => ({ upgrade: { ...d.upgrade!, check: () => 'directory 1 lost its entries' } }));
    expect(() => u.run([v])).toThrow(/check failed: directory 1 lost its entries/);
    expectUnchanged(k, 'simplefs', before);
  });

  it('a transfer whose result is not plain data', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const before = snapshot(k, 'simplefs');
    const v = await broken((d) => ({ upgrade: { ...d.upgrade!, state: (old: object) => ({ ...old, cache: new Map() }) } }));
    expect(() => u.run([v])).toThrow(/not plain data: state\.cache is a Map instance/);
    expectUnchanged(k, 'simplefs', before);
  });

  it('a stop-machine that never finds a safe point', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const reader = stuckReader(k);
    const before = snapshot(k, 'simplefs');
    let thrown: unknown;
    try {
      u.run([await version('simplefs@1.2.0')], { strategy: 'stop-machine' });
    } catch (x) {
      thrown = x;
    }
    expect(thrown).toMatchObject({ errno: 'EBUSY' });
    expect((thrown as Error).message).toMatch(new RegExp(`no safe point in 20 attempts.*thread ${reader.tid} \\(reader\\) in simplefs@1\\.1\\.0:fs:simplefs\\.read`));
    expectUnchanged(k, 'simplefs', before);
    expect(k.sched.counters.stops).toBe(20);
    k.machine.disks[0]!.release();
    expect(dec(k.runThread(reader) as Uint8Array)).toBe('the old code finishes this read');
  });

  it('with the workload running, an aborted update loses no operation', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    const w = new Workload(k, { threads: 4, seed: 3 });
    w.start();
    k.run(100_000);
    const defBefore = k.loader.require('simplefs').def;
    const v = await broken((d) => ({ upgrade: { ...d.upgrade!, state: () => { throw new Error('boom'); } } }));
    expect(() => u.run([v])).toThrow(/boom/);
    expect(k.loader.require('simplefs').def).toBe(defBefore);
    k.run(200_000);
    w.stop();
    expect(w.failures).toEqual([]);
    expect(w.verify().mismatches).toEqual([]);
  });
});

describe('revert', () => {
  it('after an update gives back a state equal to the original (simplefs 1.1 -> 1.2 -> 1.1)', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.1.0']);
    runProgram(k, 'files', function* (sys: Sys) {
      for (const d of ['b', 'a', 'c']) {
        yield* sys.mkdir(`/mnt/${d}`);
        for (const f of ['9', 'x', '10', 'y']) yield* sys.writeFile(`/mnt/${d}/${f}`, enc(`${d}/${f}`));
      }
    });
    const original = k.store.image('simplefs');
    u.run([await version('simplefs@1.2.0')]);
    expect(k.store.state('simplefs')).not.toEqual(original.state);
    u.revert('simplefs');
    expect(k.loader.require('simplefs').def.version).toBe('1.1.0');
    expect(k.store.state('simplefs')).toEqual(original.state);
    expect([...k.store.table('simplefs', 'inodes').entries()]).toEqual([...original.tables.inodes!.entries()]);
    expect(u.history.map((r) => `${r.kind}:${r.outcome}`)).toEqual(['update:committed', 'revert:committed']);
    expect(() => u.revertTarget('simplefs')).toThrow(/nothing to revert/);
  });

  it('does not take a module reloaded since its update back to a version from before: the update stack ends with rmmod', async () => {
    const k = await bootWithModules(['blkdev@1.0.0'], { seed: 1 });
    const u = new Updater(k);
    u.run([await version('blkdev@1.1.0')]);
    expect(u.revertTarget('blkdev').def.version).toBe('1.0.0');
    k.loader.rmmod('blkdev');
    k.loader.insmod((await version('blkdev@1.1.0')).def);
    // The same version runs again, but it was loaded, not reached by an update: nothing to revert.
    expect(() => u.revertTarget('blkdev')).toThrow(expect.objectContaining({ errno: 'EINVAL', message: 'nothing to revert: blkdev 1.1.0 was not reached by an update' }));
    k.loader.rmmod('blkdev');
    k.loader.insmod((await version('blkdev@2.0.0')).def);
    expect(() => u.revertTarget('blkdev')).toThrow(/^nothing to revert: blkdev 2\.0\.0 was not reached by an update/);
  });

  it('of a record-layout change gives back equal records (kmsg 1.0 -> 2.0 -> 1.0)', async () => {
    const { k, u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0']);
    runProgram(k, 'raw', function* (sys: Sys) {
      const fd = yield* sys.open('/dev/kmsg', 1);
      yield* sys.write(fd, enc('a line with no stamp\n[ not a stamp] either'));
    });
    const original = [...k.store.table('kmsg', 'log').entries()];
    u.run([await version('kmsg@2.0.0')], { strategy: 'stop-machine' });
    const migrated = [...k.store.table('kmsg', 'log').entries()].map(([, r]) => r);
    expect(migrated.every((r) => r.v === 2)).toBe(true);
    expect(migrated.find((r) => r.msg === 'a line with no stamp')).toMatchObject({ time: null });
    u.revert('kmsg');
    const back = [...k.store.table('kmsg', 'log').entries()].filter(([, r]) => original.some(([, o]) => o.seq === r.seq));
    expect(back).toEqual(original);
  });
});

describe('bad requests are refused and change nothing', () => {
  const cases: [string, string[], (u: Updater) => Promise<unknown>, RegExp][] = [
    ['a revert of a module neither loaded nor with an update kept', ['blkdev@1.0.0'], async (u) => u.revert('simplefs'), /^module simplefs is not loaded/],
    ['the version already running', ['blkdev@1.0.0', 'simplefs@1.1.0'], async (u) => u.run([await version('simplefs@1.1.0')]), /^simplefs 1\.1\.0 is already running/],
    ['a version with no upgrade path', ['kmsg@2.0.0'], async (u) => u.run([await version('kmsg@1.0.0')]), /^no upgrade path from kmsg 2\.0\.0 to 1\.0\.0/],
    ['per-task with a state change', ['blkdev@1.0.0', 'simplefs@1.1.0'], async (u) => u.run([await version('simplefs@1.2.0')], { strategy: 'per-task' }), /^per-task cannot be used when state changes/],
    ['a revert with nothing to revert', ['blkdev@1.0.0'], async (u) => u.revert('blkdev'), /^nothing to revert: blkdev 1\.0\.0 was not reached by an update/],
    [
      'an update that removes an export still imported',
      ['blkdev@1.1.0', 'simplefs@1.1.0'],
      async (u) => {
        const { def } = await version('blkdev@1.1.0');
        return u.run([{ def: { ...def, version: '1.2.0', exports: { blk_submit: def.exports!.blk_submit! }, upgrade: { from: ['1.1.0'] } }, source: 'test' }]);
      },
      /^blkdev 1\.2\.0 removes blk_capacity@1 and has no adaptor for it, but simplefs still imports it/,
    ],
  ];
  for (const [what, boot, attempt, expected] of cases) {
    it(what, async () => {
      const k = await bootWithModules(boot, { seed: 2 });
      const u = new Updater(k);
      const before = { trace: k.machine.traceHash(), modules: k.loader.list().map((m) => `${m.name}@${m.def.version}`), slots: k.symbols.all().map((s) => [s.key, s.target]) };
      await expect(attempt(u)).rejects.toThrow(expected);
      expect(k.machine.traceHash()).toBe(before.trace);
      expect(k.loader.list().map((m) => `${m.name}@${m.def.version}`)).toEqual(before.modules);
      expect(k.symbols.all().map((s) => [s.key, s.target])).toEqual(before.slots);
      // A refusal by the plan is in the history, with its reason, and is all that is there
      // (a revert with nothing to revert is refused before there is anything to plan).
      expect(u.history.length).toBeLessThanOrEqual(1);
      for (const r of u.history) {
        expect(r.outcome).toBe('refused');
        expect(r.error?.message).toMatch(expected);
      }
    });
  }
});

describe('plan', () => {
  it('lists the functions a version changes and its state change', async () => {
    const { u } = await machine(['kmsg@1.0.0', 'blkdev@1.0.0', 'simplefs@1.0.0']);
    const p11 = u.plan([await version('simplefs@1.1.0')]);
    expect(p11.modules[0]!.functions.changed).toEqual(['fs:simplefs.write']);
    expect(p11.codeOnly).toBe(true);
    expect(p11.strategy).toBe('per-task');
    const p12 = u.plan([await version('simplefs@1.2.0')]);
    expect(p12.modules[0]!.stateSchema).toEqual({ from: 1, to: 2 });
    expect(p12.strategy).toBe('module');
    expect(p12.modules[0]!.functions.changed).toEqual(expect.arrayContaining(['fs:simplefs.lookup', 'fs:simplefs.create', 'fs:simplefs.readdir']));
  });
});
