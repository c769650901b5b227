// Transitions left pending in the background, on the object twin's
// hot-swap: with no timeout the swap waits for as long as a thread is in
// the kernel since before it (here, asleep in disk I/O, which a signal does
// not wake); reverse takes the mediators out with every object as it was;
// force swaps at once and taints the kernel; purge refuses naming the
// thread, or kills it and completes; --reverse-after reverses on its own.

import { describe, expect, it } from 'vitest';
import { forceTransition, purgeTransition, reverseTransition, signalTransition } from '../api/control.js';
import { transitionData } from '../api/data.js';
import type { Sys } from '../exec/abi.js';
import { runProgram } from '../exec/executive.js';
import type { KGen, Thread } from '../exec/thread.js';
import { bootObjectKernel, type ObjectKernel } from './kernel.js';
import { ObjectUpdater } from './updater.js';

/** A twin with simplefs mounted and a writer asleep in disk I/O that never completes (a hung request). */
function stalled(): { k: ObjectKernel; u: ObjectUpdater; writer: Thread } {
  const k = bootObjectKernel({ seed: 3, cpus: 2 });
  runProgram(k, 'setup', function* (sys: Sys): KGen<void> {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  k.machine.disks[0]!.injectHang(1);
  const writer = k.spawnUser('writer', function* (sys: Sys): KGen<void> {
    yield* sys.writeFile('/mnt/f', new TextEncoder().encode('hello'));
  });
  k.run(50_000);
  expect(writer.waitChannel).toMatch(/^disk I\/O/);
  return { k, u: new ObjectUpdater(k), writer };
}

/** Every object and what the table leads to: the same after a reversal. */
const objects = (k: ObjectKernel) => [...k.factories.values()].flatMap((f) => [...f.instances].map(([id, i]) => [id, i.cls.version, i.obj, k.ott.root(id)]));

describe('a pending hot-swap', () => {
  it('waits with no limit; a signal does not wake disk I/O; force swaps at once, taints, and names the thread', () => {
    const { k, u, writer } = stalled();
    const { record } = u.start(['blkdev@1.1.0'], { timeout: null });
    k.run(500_000);
    expect(record.outcome).toBe('running');
    expect(k.updates.patchState(writer)).toBe('old');
    expect(transitionData(k)).toMatchObject({ id: record.id, direction: 'patching', strategy: 'hot-swap', threads: [{ tid: writer.tid, state: 'old' }] });
    expect(signalTransition(k)).toEqual({ woken: [], uninterruptible: [writer.tid] });
    expect(forceTransition(k).outcome).toBe('forced');
    expect(record.forcedThreads).toEqual([writer.tid]);
    expect(k.releases.get('blkdev')).toBe('1.1.0');
    expect(k.taint.letters()).toBe('KF'); // livepatched, forced
  });

  it('reverse: the mediators go, every object is the one it was', () => {
    const { k, u } = stalled();
    const before = objects(k);
    const { record } = u.start(['simplefs@1.1.0'], { timeout: null });
    k.run(100_000);
    expect(reverseTransition(k, 'simplefs').outcome).toBe('reversed');
    expect(objects(k)).toEqual(before);
    expect(k.releases.get('simplefs')).toBe('1.0.0');
    expect(record.error).toBeNull();
  });

  it('purge refuses naming the thread; purge --kill kills it and the swap completes', () => {
    const { k, u, writer } = stalled();
    const { record } = u.start(['blkdev@1.1.0'], { timeout: null });
    k.run(100_000);
    expect(() => purgeTransition(k, 'blkdev', false)).toThrow(`tid ${writer.tid} (writer)`);
    const { killed } = purgeTransition(k, 'blkdev', true);
    expect(killed).toEqual([writer.tid]);
    expect(writer.state).toBe('exited');
    expect(record.outcome).toBe('committed');
    expect(k.stats.oopses).toBe(0);
  });

  it('--reverse-after reverses what it cannot move; --timeout still aborts', () => {
    const a = stalled();
    const r1 = a.u.start(['blkdev@1.1.0'], { signalAfter: 5_000, reverseAfter: 20_000 }).record;
    a.k.run(100_000);
    expect(r1.outcome).toBe('reversed');
    const b = stalled();
    const r2 = b.u.start(['blkdev@1.1.0'], { timeout: 20_000 }).record;
    b.k.run(100_000);
    expect(r2.outcome).toBe('aborted');
    expect(r2.error?.errno).toBe('ETIMEDOUT');
  });
});
