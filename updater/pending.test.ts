// Transitions left pending in the background, on the procedural kernel:
// with no timeout an update waits for as long as a thread stays in the old
// code; a signal wakes an interruptible sleeper there, which restarts its
// syscall in the new code unseen (but not one that has committed, nor one in
// disk I/O); reverse takes back the threads already moved; force completes
// at once, taints the kernel and keeps the old version resident; purge
// refuses naming the stragglers, or kills them; and the policy options
// signal and reverse on their own.

import { describe, expect, it } from 'vitest';
import { forceTransition, purgeTransition, reverseTransition, signalTransition } from '../api/control.js';
import { transitionData } from '../api/data.js';
import type { Sys } from '../exec/abi.js';
import { isKernelError } from '../exec/errno.js';
import type { KGen, Thread } from '../exec/thread.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { type Ctx, defineModule } from '../kernel/module.js';
import { Updater } from './updater.js';

/** How long a napper read sleeps. */
const NAP = 2_000_000;
const enc = (s: string) => new TextEncoder().encode(s);

type M = Ctx<{ readonly writes: number }>;

/** A device whose read sleeps interruptibly (nothing committed yet) and whose write commits, then sleeps interruptibly too. */
function napper(version: string) {
  return defineModule<{ readonly writes: number }>({
    name: 'napper',
    version,
    description: 'sleeps in its read and write',
    state: { schema: 1, initial: () => ({ writes: 0 }) },
    ops: {
      'chrdev:napper': {
        *read(m: M, pos: number): KGen<{ data: Uint8Array; pos: number }> {
          yield* m.k.sleepInterruptible(NAP);
          return { data: enc(`read by ${version}`), pos: pos + 1 };
        },
        *write(m: M, data: Uint8Array): KGen<number> {
          m.commit((d) => {
            d.writes++;
          });
          yield* m.k.sleepInterruptible(NAP); // after a commit: a signal must not restart this
          return data.length;
        },
      },
    },
    ...(version === '1.0.0' ? {} : { upgrade: { from: ['1.0.0'] }, downgrade: { to: ['1.0.0'] } }),
  });
}

function machine(): { k: Kernel; u: Updater } {
  const k = bootKernel({ seed: 5, cpus: 2 });
  k.loader.insmod(napper('1.0.0'), {}, 'test');
  return { k, u: new Updater(k) };
}

/** A user thread that reads (or writes) /dev/napper once; what it got, or its errno. */
function user(k: Kernel, op: 'read' | 'write', out: string[]): Thread {
  return k.spawnUser(`${op}er`, function* (sys: Sys): KGen<void> {
    try {
      const fd = yield* sys.open('/dev/napper', 2);
      out.push(op === 'read' ? new TextDecoder().decode(yield* sys.read(fd, 64)) : `wrote ${yield* sys.write(fd, enc('abc'))}`);
      yield* sys.close(fd);
    } catch (e) {
      out.push(isKernelError(e) ? e.errno : String(e));
    }
  });
}

const v11 = { def: napper('1.1.0'), source: 'test' };

describe.each(['per-task', 'module'] as const)('a pending %s transition', (strategy) => {
  it('with no timeout waits for as long as a thread sleeps in the old code; signal restarts the read in the new code, unseen', () => {
    const { k, u } = machine();
    const got: string[] = [];
    const reader = user(k, 'read', got);
    k.run(20_000);
    const { record } = u.start([v11], { strategy, timeout: null });
    k.run(3 * NAP / 4); // longer than a timeout would allow here, shorter than the nap
    expect(record.outcome).toBe('running');
    expect(k.updates.patchState(reader)).toBe('old');
    expect(transitionData(k)!.threads).toContainEqual({ tid: reader.tid, name: 'reader', state: 'old', where: 'napper.read' });
    const errors = k.stats.syscallErrors;
    expect(signalTransition(k)).toEqual({ woken: [reader.tid], uninterruptible: [] });
    k.runUntil(() => reader.state === 'exited', 4 * NAP);
    expect(record.outcome).toBe('committed');
    expect(got).toEqual(['read by 1.1.0']); // restarted in the new code, and no error seen
    expect(k.stats.syscallErrors).toBe(errors);
    expect(k.stats.restarts).toBe(1);
    expect(record.signalled).toBe(1);
    expect(record.phases.map((e) => e.phase)).toContain('signal');
    expect(k.taint.has('livepatched')).toBe(true);
    expect(k.taint.has('forced')).toBe(false);
  });

  it('signal leaves a sleeper that has committed alone; force completes, taints and keeps the old version resident', () => {
    const { k, u } = machine();
    const got: string[] = [];
    const writer = user(k, 'write', got);
    k.run(20_000);
    const { record } = u.start([v11], { strategy, timeout: null });
    k.run(50_000);
    expect(signalTransition(k)).toEqual({ woken: [], uninterruptible: [writer.tid] });
    expect(record.outcome).toBe('running');
    forceTransition(k);
    expect(record.outcome).toBe('forced');
    expect(record.forcedThreads).toEqual([writer.tid]);
    expect(k.loader.require('napper').def.version).toBe('1.1.0');
    expect(k.taint.letters()).toContain('F');
    expect(k.updates.patchState(writer)).toBe('forced');
    expect(() => k.loader.rmmod('napper')).toThrow(/EBUSY|cannot be unloaded: update 1 was forced/);
    k.runUntil(() => writer.state === 'exited', 4 * NAP);
    expect(got).toEqual(['wrote 3']); // it finished in the old code, once
    expect(k.store.state<{ writes: number }>('napper').writes).toBe(1);
  });

  it('reverse: nothing was transferred, every slot and the state are the same references, the version stays', () => {
    const { k, u } = machine();
    const got: string[] = [];
    user(k, 'read', got);
    k.run(20_000);
    const slots = k.symbols.all().map((s) => [s, s.target] as const);
    const state = k.store.image('napper');
    const { record } = u.start([v11], { strategy, timeout: null });
    k.run(50_000);
    expect(transitionData(k)!.direction).toBe('patching');
    reverseTransition(k, 'napper');
    expect(record.outcome).toBe('reversed');
    expect(record.phases.at(-1)!.phase).toBe('reverse');
    expect(k.loader.require('napper').def.version).toBe('1.0.0');
    expect(k.loader.require('napper').updateStack).toHaveLength(0);
    for (const [s, target] of slots) {
      expect(s.target).toBe(target);
      expect(s.gate).toBeNull();
    }
    expect(k.store.image('napper')).toBe(state);
    expect(k.updates.pending).toBeNull();
    expect(() => signalTransition(k)).toThrow(/^no transition pending$/);
    k.run(4 * NAP);
    expect(got).toEqual(['read by 1.0.0']);
  });

  it('purge refuses naming the thread in the old code; purge --kill kills it and completes', () => {
    const { k, u } = machine();
    const got: string[] = [];
    const reader = user(k, 'read', got);
    k.run(20_000);
    const { record } = u.start([v11], { strategy, timeout: null });
    k.run(50_000);
    expect(() => purgeTransition(k, 'napper', false)).toThrow(new RegExp(`EBUSY|tid ${reader.tid} \\(reader\\) in napper`));
    try {
      purgeTransition(k, 'napper', false);
    } catch (e) {
      expect(isKernelError(e) && e.errno).toBe('EBUSY');
      expect(String(e)).toContain(`tid ${reader.tid} (reader) in napper.read`);
    }
    expect(record.outcome).toBe('running');
    expect(() => purgeTransition(k, 'blkdev', true)).toThrow(/does not change blkdev/);
    const { killed } = purgeTransition(k, 'napper', true);
    expect(killed).toEqual([reader.tid]);
    expect(reader.state).toBe('exited');
    expect(record.outcome).toBe('committed');
    expect(got).toEqual([]); // killed: it never returned
    expect(k.stats.oopses).toBe(0);
  });

  it('--signal-after signals on its own; --reverse-after reverses what a signal cannot move', () => {
    const a = machine();
    const got: string[] = [];
    user(a.k, 'read', got);
    a.k.run(20_000);
    const first = a.u.start([v11], { strategy, timeout: null, signalAfter: 30_000 });
    a.k.run(200_000);
    expect(first.record.outcome).toBe('committed');
    expect(first.record.signalled).toBe(1);
    expect(first.record.signalAfter).toBe(30_000);
    a.k.run(4 * NAP);
    expect(got).toEqual(['read by 1.1.0']);

    const b = machine();
    user(b.k, 'write', []);
    b.k.run(20_000);
    const second = b.u.start([v11], { strategy, signalAfter: 10_000, reverseAfter: 40_000 });
    b.k.run(100_000);
    expect(second.record.outcome).toBe('reversed');
    expect(second.record.signalled).toBe(0);
    expect(second.record.endedAt! - second.record.startedAt).toBeLessThan(45_000);
  });
});

describe('a pending per-task transition reversed half way', () => {
  it('takes back a thread already in the new code when it leaves it; new threads meanwhile get the old code', () => {
    const { k, u } = machine();
    const got: string[] = [];
    user(k, 'read', got); // in 1.0.0 until the nap ends
    k.run(20_000);
    const { record } = u.start([v11], { strategy: 'per-task', timeout: null });
    k.run(10_000);
    const late = user(k, 'read', got); // born during the transition: the new code
    k.run(20_000);
    expect(k.updates.patchState(late)).toBe('new');
    expect(reverseTransition(k, undefined, 10_000).outcome).toBe('running'); // late sleeps in 1.1.0
    expect(transitionData(k)!.direction).toBe('unpatching');
    expect(transitionData(k)!.threads.find((t) => t.tid === late.tid)).toMatchObject({ state: 'new', where: 'napper.read' });
    expect(() => reverseTransition(k)).toThrow(/already being reversed/);
    const later = user(k, 'read', got); // born during the reversal: the old code
    k.runUntil(() => record.outcome !== 'running', 4 * NAP);
    expect(record.outcome).toBe('reversed');
    k.run(4 * NAP);
    expect(later.state).toBe('exited');
    expect(got.sort()).toEqual(['read by 1.0.0', 'read by 1.0.0', 'read by 1.1.0']);
  });
});

describe('bad input', () => {
  it('every verb with nothing pending is EINVAL; stop-machine does not wait in the background; a second update is EBUSY', () => {
    const { k, u } = machine();
    for (const verb of [() => signalTransition(k), () => forceTransition(k), () => reverseTransition(k), () => purgeTransition(k, 'napper', true)]) {
      expect(verb).toThrow(/^no transition pending$/);
    }
    expect(() => u.start([v11], { strategy: 'stop-machine', timeout: null })).toThrow(/stop-machine does not wait in the background/);
    expect(() => u.start([v11], { signalAfter: 0 })).toThrow(/--signal-after must be a positive number of cycles/);
    user(k, 'read', []);
    k.run(20_000);
    u.start([v11], { timeout: null });
    expect(() => u.start([v11], { timeout: null })).toThrow(/EBUSY|still in progress/);
  });
});
