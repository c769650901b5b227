// The object twin's updates: every release of the histories applies under
// the workload with nothing lost; the factory's N-1 rule, a missing transfer
// format and a missing interface are refused with nothing changed; an
// interface change goes through an adaptor object; a timeout or a failing
// transfer aborts with every object as it was; lazy swaps happen on the next
// call; and revert goes back.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { runProgram } from '../exec/executive.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';
import { Workload } from '../user/workload.js';
import { INODE } from './classes/releases.js';
import { bootObjectKernel, type ObjectKernel, type ObjectKernelOptions } from './kernel.js';
import { ObjectUpdater } from './updater.js';

const enc = (s: string) => new TextEncoder().encode(s);

function machine(seed = 7, options: ObjectKernelOptions = {}) {
  const k = bootObjectKernel({ seed }, options);
  runProgram(k, 'setup', function* (sys: Sys): KGen<void> {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return { k, u: new ObjectUpdater(k) };
}

/** Every object, with the class version it is, and what the table leads to: equal before and after a refusal or an abort. */
function objects(k: ObjectKernel) {
  return [...k.factories.values()].flatMap((f) => [...f.instances].map(([id, i]) => ({ id, cls: `${i.cls.name} ${i.cls.version}`, obj: i.obj, root: k.ott.root(id) })));
}

function runWorkload(k: ObjectKernel, u: ObjectUpdater, specs: string[][], seed = 7) {
  const w = new Workload(k, { threads: 4, files: 6, seed });
  w.start();
  k.run(300_000);
  const records = specs.map((s) => {
    const r = u.run(s);
    k.run(200_000);
    return r;
  });
  w.stop();
  return { w, records, report: w.verify() };
}

afterEach(() => vi.restoreAllMocks());

describe('object twin updates', () => {
  it('applies the whole history under the workload, nothing failed or lost', () => {
    const { k, u } = machine();
    const seq = [['blkdev@1.1.0'], ['simplefs@1.1.0'], ['simplefs@1.2.0'], ['blkdev@2.0.0'], ['simplefs@2.0.0'], ['simplefs@2.1.0']];
    const { w, records, report } = runWorkload(k, u, seq);
    expect(records.map((r) => r.outcome)).toEqual(seq.map(() => 'committed'));
    expect(w.failures).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect(k.stats.oopses).toBe(0);
    expect(Object.fromEntries(k.releases)).toEqual({ blkdev: '2.0.0', simplefs: '2.1.0' });
    // simplefs 1.2 swapped every inode eagerly; 2.1 is lazy by default.
    expect(records[2]!.migrated).toBeGreaterThan(4);
    expect(records[5]!.lazy).toBe(true);
    expect(records[5]!.detail.classes.map((c) => c.name)).toEqual(['FileSystem', 'Inode']);
    expect(records[5]!.pending).toBeGreaterThan(0);
  });

  it('refuses a version that is not the next one (N-1), with nothing changed', () => {
    const { k, u } = machine();
    const before = objects(k);
    const trace = k.machine.events.trace.hex();
    expect(() => u.run(['simplefs@1.2.0'])).toThrow(/EINVAL|N-1/);
    try {
      u.run(['simplefs@1.2.0']);
    } catch (e) {
      expect((e as { errno: string }).errno).toBe('EINVAL');
      expect((e as Error).message).toContain('N-1');
      expect((e as { hint: string }).hint).toBe('update simplefs@1.1.0 first');
    }
    expect(objects(k)).toEqual(before);
    expect(k.machine.events.trace.hex()).toBe(trace);
    expect(u.history.map((r) => `${r.outcome} ${r.error?.errno}`)).toEqual(['refused EINVAL', 'refused EINVAL']); // both attempts, with their reason
  });

  it('refuses simplefs 3.0: no transfer format in common', () => {
    const { k, u } = machine(7, { releases: { simplefs: '2.1.0', blkdev: '2.0.0' } });
    expect(() => u.plan(['simplefs@3.0.0'])).toThrow(/no transfer format both support/);
    expect(k.releases.get('simplefs')).toBe('2.1.0');
  });

  it('serves interface-1 callers of blkdev 2.0 through an adaptor object, until their own update', () => {
    const { k, u } = machine(7, { releases: { simplefs: '1.2.0', blkdev: '1.1.0' } });
    const w = new Workload(k, { threads: 3, files: 5, seed: 3 });
    w.start();
    k.run(200_000);
    u.run(['blkdev@2.0.0']);
    expect(k.ott.iface(k.blockDevice)).toBe(2);
    const calls = k.ott.stats.calls;
    k.run(300_000);
    expect(k.ott.adaptorCount()).toBe(1);
    expect(k.ott.stats.calls).toBeGreaterThan(calls);
    // A revert of blkdev now would strand nobody, but simplefs 2.0 needs interface 2: refused the other way round.
    u.run(['simplefs@2.0.0']);
    k.run(200_000);
    expect(() => u.revert('blkdev')).toThrow(/Inode 2.0.0 calls BlockDevice interface 2/);
    u.revert('simplefs');
    k.run(100_000);
    u.revert('blkdev');
    k.run(100_000);
    w.stop();
    expect(w.failures).toEqual([]);
    expect(w.verify().mismatches).toEqual([]);
    expect(Object.fromEntries(k.releases)).toEqual({ blkdev: '1.1.0', simplefs: '1.2.0' });
  });

  it('forwards until the generation marker, then holds a late caller at BLOCK until the tracked call is out', () => {
    const { k, u } = machine();
    runProgram(k, 'writer', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/a', enc('in the kernel before the swap'));
      yield* sys.writeFile('/mnt/b', enc('tracked by the mediator'));
      yield* sys.writeFile('/mnt/c', enc('late'));
    });
    const disk = k.machine.disks[0]!;
    disk.injectHang(1);
    const early = k.spawnUser('early', (sys: Sys) => sys.readFile('/mnt/a'));
    k.run(50_000);
    const { record } = u.start(['simplefs@1.1.0']);
    k.run(20_000);
    expect(record.phases.map((p) => p.phase)).toEqual(['plan']); // FORWARD: the marker waits for 'early'
    disk.injectHang(1);
    const tracked = k.spawnUser('tracked', (sys: Sys) => sys.readFile('/mnt/b'));
    k.run(50_000);
    disk.release(1); // 'early' finishes: the marker elapses, BLOCK begins, 'tracked' is still in flight
    k.run(50_000);
    expect(record.phases.map((p) => p.phase)).toEqual(['plan', 'forward']);
    const late = k.spawnUser('late', (sys: Sys) => sys.readFile('/mnt/c'));
    k.run(50_000);
    expect(late.waitChannel).toMatch(/hot-swap of Inode/);
    expect(record.outcome).toBe('running');
    disk.release();
    const text = (t: typeof late) => new TextDecoder().decode(k.runThread(t) as Uint8Array);
    expect(text(early)).toBe('in the kernel before the swap');
    expect(text(tracked)).toBe('tracked by the mediator');
    expect(text(late)).toBe('late');
    k.runUntil(() => record.outcome !== 'running', 1_000_000);
    expect(record.outcome).toBe('committed');
    expect(record.heldCalls).toBe(2); // 'late', and 'early''s next syscall: a new call, not one in flight
    expect(record.heldCycles).toBeGreaterThan(0);
  });

  it('aborts on timeout with every object as it was, and the stalled reader then completes', () => {
    const { k, u } = machine();
    runProgram(k, 'writer', (sys: Sys) => sys.writeFile('/mnt/a', enc('still here')));
    k.machine.disks[0]!.injectHang(1);
    const reader = k.spawnUser('reader', (sys: Sys) => sys.readFile('/mnt/a'));
    k.run(50_000);
    const before = objects(k);
    expect(() => u.run(['blkdev@1.1.0'], { timeout: 200_000 })).toThrow(/ETIMEDOUT|did not quiesce/);
    expect(u.history[0]!.outcome).toBe('aborted');
    expect(u.history[0]!.error!.message).toMatch(/waits for thread \d+ \(reader\) waiting on disk I\/O/);
    expect(objects(k)).toEqual(before);
    k.machine.disks[0]!.release();
    expect(new TextDecoder().decode(k.runThread(reader) as Uint8Array)).toBe('still here');
  });

  it('aborts when a transfer throws, with every object as it was', () => {
    const { k, u } = machine();
    runProgram(k, 'writer', (sys: Sys) => sys.writeFile('/mnt/a', enc('kept')));
    const before = objects(k);
    vi.spyOn(INODE[1]!.importFrom, 'inode-v1').mockImplementation(() => {
      throw new Error('broken import');
    });
    expect(() => u.run(['simplefs@1.1.0'])).toThrow(/ECANCELED|broken import/);
    expect(u.history[0]!.error!.errno).toBe('ECANCELED');
    expect(objects(k)).toEqual(before);
    vi.restoreAllMocks();
    expect(new TextDecoder().decode(runProgram<Uint8Array>(k, 'r', (sys: Sys) => sys.readFile('/mnt/a')))).toBe('kept');
  });

  it('swaps lazily: only the instances called after the update move, and revert brings back equal contents', () => {
    const { k, u } = machine(7, { releases: { simplefs: '2.0.0', blkdev: '2.0.0' } });
    runProgram(k, 'files', function* (sys: Sys): KGen<void> {
      for (let i = 0; i < 20; i++) yield* sys.writeFile(`/mnt/f${i}`, enc(`file ${i}`));
    });
    const r = u.run(['simplefs@2.1.0']);
    expect(r.lazy).toBe(true);
    const inodes = k.factory('Inode');
    expect(r.pending).toBe(inodes.instances.size);
    const read = (path: string) => new TextDecoder().decode(runProgram<Uint8Array>(k, 'r', (sys: Sys) => sys.readFile(path)));
    expect(read('/mnt/f3')).toBe('file 3');
    // The root directory and f3 were called; the other 19 files were not.
    expect(inodes.pending.size).toBe(r.pending - 2);
    const versions = [...inodes.instances.values()].map((i) => i.cls.version);
    expect(versions.filter((v) => v === '2.1.0')).toHaveLength(2);
    u.revert('simplefs');
    expect(inodes.pending.size).toBe(0);
    for (let i = 0; i < 20; i++) expect(read(`/mnt/f${i}`)).toBe(`file ${i}`);
    expect([...inodes.instances.values()].every((i) => i.cls.version === '2.0.0')).toBe(true);
  });
});
