// The experiment API on both kernels: the same calls boot, mount, run the
// workload and updates, and every result is plain data that survives a JSON
// round trip and conforms to its schema; refusals reject and change nothing,
// aborts come back as records; the same seed gives the same trace.

import { describe, expect, it } from 'vitest';
import { isKernelError } from '../exec/errno.js';
import { SCHEMAS, validate } from './schemas.js';
import { boot } from './testbed.js';

/** The workload report's shape, from the schemas' shared definitions. */
const WORKLOAD = { $ref: '#/$defs/workload', $defs: SCHEMAS['livemod.demo/1'].$defs };
const plain = (x: unknown) => expect(JSON.parse(JSON.stringify(x))).toEqual(x);

describe('the experiment API', () => {
  for (const kernel of ['modules', 'objects'] as const) {
    it(`runs the workload and updates on the ${kernel} kernel, with results as plain data`, async () => {
      const t = await boot({ kernel, seed: 3, cpus: 2 });
      expect(t.kind).toBe(kernel);
      expect(t.versions()).toEqual({ blkdev: '1.0.0', simplefs: '1.0.0' });
      t.mount();
      const started = t.startWorkload({ threads: 2, files: 4 });
      expect(started.running).toBe(true);
      expect(started.config.seed).toBe(3); // the machine's seed by default
      expect(t.advance(200_000)).toBe(t.now);

      const fix = await t.update('simplefs@1.1.0');
      expect(fix.outcome).toBe('committed');
      expect(fix.modules).toEqual([{ name: 'simplefs', from: '1.0.0', to: '1.1.0' }]);
      expect(fix.phases.at(-1)!.phase).toBe('commit');

      const pending = await t.startUpdate('simplefs@1.2.0');
      expect(pending.done).toBe(false);
      expect(pending.data().outcome).toBe('running');
      const change = pending.finish();
      expect(pending.done).toBe(true);
      expect(change.outcome).toBe('committed');
      expect(change.syscallsDuring).toBeGreaterThanOrEqual(0);

      const back = await t.update('revert simplefs');
      expect(back.kind).toBe('revert');
      expect(t.versions().simplefs).toBe('1.1.0');

      const w = t.stopWorkload();
      expect(w.failed).toBe(0);
      expect(w.verified?.mismatches).toEqual([]);
      expect(w.verified!.files).toBeGreaterThan(0);

      const history = t.history();
      expect(history.updates.map((u) => u.id)).toEqual([fix.id, change.id, back.id]);
      const stats = t.stats();
      expect(stats.kernel).toBe(kernel);
      expect(stats.mounts).toEqual([{ dev: 'disk0', path: '/mnt', fstype: 'simplefs' }]);
      for (const x of [fix, change, back, w, history, stats]) plain(x);
      expect(validate('livemod.history/3', history)).toEqual([]);
      expect(validate('livemod.stat/2', stats)).toEqual([]);
      expect(validate(WORKLOAD, w)).toEqual([]);
    });
  }

  for (const kernel of ['modules', 'objects'] as const) {
    it(`kills a workload thread hung on the disk on the ${kernel} kernel: ESRCH for no thread, and the workload then verifies`, async () => {
      const t = await boot({ kernel, seed: 3, cpus: 2 });
      t.mount();
      t.startWorkload({ threads: 2, files: 4 });
      t.advance(50_000);
      t.kernel.machine.disks[0]!.injectHang(1);
      t.advance(50_000);
      const inIo = () => t.kernel.sched.threads().filter((th) => th.kind === 'user' && /disk I\/O/.test(th.waitChannel ?? ''));
      const before = new Map(inIo().map((th) => [th, th.waitChannel]));
      t.advance(20_000); // a served request takes a few thousand cycles: the hung one's thread still waits on the same one
      const stuck = inIo().filter((th) => before.get(th) === th.waitChannel);
      expect(stuck).toHaveLength(1);
      const victim = stuck[0]!;
      expect(() => t.kill(999)).toThrow(expect.objectContaining({ errno: 'ESRCH' }));
      const r = t.kill(victim.tid);
      expect(r).toEqual({ tid: victim.tid, name: victim.name, exited: true });
      plain(r);
      const w = t.stopWorkload();
      expect(w.verified?.mismatches).toEqual([]);
      expect(w.failed).toBe(0);
    });
  }

  it('rejects a refused update with its KernelError and changes nothing; an abort comes back as a record', async () => {
    const t = await boot({ seed: 2 });
    t.mount();
    const before = t.stats().trace.hash;
    const refusal = await t.update('simplefs@9.9.9').catch((e: unknown) => e);
    expect(isKernelError(refusal) && refusal.errno).toBe('ENOENT');
    expect(t.history().updates).toEqual([]);
    expect(t.stats().trace.hash).toBe(before);
    // Hold a thread inside simplefs on a disk request that never completes: the module gate cannot quiesce.
    t.kernel.machine.disks[0]!.injectHang(1);
    t.startWorkload({ threads: 1, files: 1, think: 0 });
    t.advance(50_000);
    const aborted = await t.update('simplefs@1.1.0', { strategy: 'module', timeout: 100_000 });
    expect(aborted.outcome).toBe('aborted');
    expect(aborted.error?.errno).toBe('ETIMEDOUT');
    expect(aborted.error?.text.startsWith('ETIMEDOUT: ')).toBe(true);
    expect(t.versions().simplefs).toBe('1.0.0');
  });

  it('boots what it is told to, and refuses what a kernel cannot boot or load', async () => {
    const p = await boot({ modules: ['kmsg@1.0.0', 'blkdev@1.1.0'] });
    expect(p.versions()).toEqual({ kmsg: '1.0.0', blkdev: '1.1.0' });
    await p.load('simplefs@1.0.0');
    expect(p.versions().simplefs).toBe('1.0.0');
    expect(await p.dryRun('simplefs@1.1.0')).not.toEqual([]);
    const o = await boot({ kernel: 'objects', modules: ['simplefs@1.2.0'] });
    expect(o.versions()).toEqual({ blkdev: '1.0.0', simplefs: '1.2.0' });
    await expect(o.load('kmsg')).rejects.toThrow(/no loadable modules/);
    await expect(boot({ kernel: 'objects', modules: ['./mod.ts'] })).rejects.toThrow(/NAME@VERSION/);
    expect(() => o.stopWorkload()).toThrow(/not running/);
    expect(() => o.startWorkload()).toThrow(/nothing is mounted on \/mnt/);
  });

  it('gives the same trace for the same seed', async () => {
    const run = async () => {
      const t = await boot({ seed: 9, cpus: 3 });
      t.mount();
      t.startWorkload();
      t.advance(100_000);
      await t.update('blkdev@1.1.0');
      t.stopWorkload();
      return t.stats().trace.hash;
    };
    expect(await run()).toBe(await run());
  });
});

describe('a pending update from code', () => {
  for (const kernel of ['modules', 'objects'] as const) {
    it(`is watched, signalled, forced and reversed on the ${kernel} kernel, with records that conform`, async () => {
      const t = await boot({ kernel, seed: 1, cpus: 4 });
      t.mount();
      t.startWorkload({ threads: 4, files: 8 });
      t.advance(20_000);
      (t.kernel.machine.disks[0]!).injectHang(1); // one thread will sleep in disk I/O for good
      t.advance(50_000);
      const first = await t.startUpdate('blkdev@1.1.0', { timeout: null });
      t.advance(30_000);
      expect(first.done).toBe(false);
      const seen = first.transition()!;
      expect(seen).toMatchObject({ id: first.id, direction: 'patching', modules: [{ name: 'blkdev', from: '1.0.0', to: '1.1.0' }] });
      expect(seen.threads.some((x) => x.state === 'old')).toBe(true);
      expect(t.transition()).toEqual(seen);
      const signal = first.signal();
      expect(signal.woken).toEqual([]);
      expect(signal.uninterruptible.length).toBeGreaterThan(0);
      expect(() => first.purge()).toThrow(/still run the old code/);
      expect(first.reverse().outcome).toBe('reversed');
      expect(() => first.force()).toThrow(/has ended \(reversed\)/);
      const second = await t.startUpdate('blkdev@1.1.0', { timeout: null });
      t.advance(10_000);
      const forced = second.force();
      expect(forced.outcome).toBe('forced');
      expect(forced.forcedThreads.length).toBeGreaterThan(0);
      expect(forced.timeout).toBeNull();
      expect(second.transition()).toBeNull();
      expect(t.transition()).toBeNull();
      expect(validate('livemod.history/3', t.history())).toEqual([]);
      expect(t.history().updates.map((u) => u.outcome)).toEqual(['reversed', 'forced']);
      plain(t.history());
    });
  }
});
