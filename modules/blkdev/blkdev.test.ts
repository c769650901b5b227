// blkdev: I/O errors reach the caller as EIO, the queue depth bounds the
// requests in flight, and a request that never completes leaves its caller
// blocked inside blk_submit (which the updater's timeouts rely on).

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../../catalog/boot.js';
import { loadModuleDef } from '../../catalog/catalog.js';
import { bootKernel } from '../../kernel/kernel.js';
import type { KGen } from '../../exec/thread.js';
import { bootMounted } from '../../compare/compare.js';
import { Workload } from '../../user/workload.js';
import { kill } from '../../exec/signal.js';
import type { KernelError } from '../../exec/errno.js';
import { Updater } from '../../updater/updater.js';

type Submit = (dev: string, op: 'read' | 'write', sector: number, buf: Uint8Array) => KGen<void>;

describe('blkdev', () => {
  it('turns a disk error into EIO for the caller', async () => {
    const k = await bootWithModules(['blkdev@1.0.0'], { seed: 1 });
    const submit = k.symbols.bind(k.symbols.get('blk_submit@1')!) as Submit;
    k.machine.disks[0]!.injectError(9);
    const t = k.spawnKernel('io', submit('disk0', 'read', 9, new Uint8Array(512)));
    expect(() => k.runThread(t)).toThrow(/EIO|I\/O error on disk0 sector 9/);
    expect((k.store.state('blkdev') as { stats: { errors: number } }).stats.errors).toBe(1);
  });

  it('keeps at most queue_depth requests in flight', async () => {
    const k = bootKernel({ seed: 1 });
    const { def } = await loadModuleDef('blkdev@1.0.0');
    k.loader.insmod(def, { queue_depth: '2' });
    const submit = k.symbols.bind(k.symbols.get('blk_submit@1')!) as Submit;
    let peak = 0;
    const threads = [0, 1, 2, 3, 4].map((i) => k.spawnKernel(`io${i}`, submit('disk0', 'write', i, new Uint8Array(512))));
    k.runUntil(() => {
      peak = Math.max(peak, k.machine.disks[0]!.queued);
      return threads.every((t) => t.state === 'exited');
    }, 1_000_000);
    expect(threads.every((t) => t.state === 'exited' && t.error === undefined)).toBe(true);
    expect(peak).toBe(2);
  });

  it('leaves a caller blocked in blk_submit when the disk never answers', async () => {
    const k = await bootWithModules(['blkdev@1.0.0'], { seed: 1 });
    const submit = k.symbols.bind(k.symbols.get('blk_submit@1')!) as Submit;
    k.machine.disks[0]!.injectHang(1);
    const t = k.spawnKernel('io', submit('disk0', 'read', 0, new Uint8Array(512)));
    k.run(5_000_000);
    expect(t.state).toBe('blocked');
    expect(t.frames.map((f) => `${f.module}:${f.fn}`)).toEqual(['blkdev:blk_submit']);
    expect(() => k.loader.rmmod('blkdev')).toThrow(/EBUSY|executing blkdev:blk_submit/);
  });

  it.each(['blkdev@1.1.0', 'blkdev@2.0.0'])('%s leaves no submitter asleep on a free slot: 64 threads of the workload stop', async (blk) => {
    // Two completions before the woken slot waiter runs free two slots; a
    // wake only on full -> not full woke one waiter for them.
    const { k } = await bootMounted('modules', [blk, 'simplefs@1.0.0'], { seed: 1, cpus: 4 });
    const w = new Workload(k, { threads: 64, files: 8, maxSize: 4096, think: 4000, seed: 1 });
    w.start();
    k.run(3_000_000);
    expect(() => w.stop(20_000_000)).not.toThrow();
    expect(w.failed).toBe(0);
  }, 60_000);

  describe('the snapshots a request commits', () => {
    async function oneRequest(state?: Record<string, unknown>, hang = false) {
      const k = await bootWithModules(['blkdev@1.0.0'], { seed: 1 });
      if (state) k.store.restore('blkdev', { ...k.store.image('blkdev'), state });
      const submit = k.symbols.bind(k.symbols.get('blk_submit@1')!) as Submit;
      if (hang) k.machine.disks[0]!.injectHang(1);
      const t = k.spawnKernel('io', submit('disk0', 'write', 3, new Uint8Array(512)));
      if (hang) {
        k.runUntil(() => t.state === 'blocked', 100_000);
        kill(k.sched, t); // abandoned: the late completion is remembered, or the request aborted
        k.run(1_000);
      } else k.runThread(t);
      return k.store.state('blkdev') as Record<string, unknown>;
    }
    const stats = { reads: 0, writes: 0, errors: 0 };

    it('keep the four fields of the state, in their order', async () => {
      const s = await oneRequest();
      expect(Object.keys(s)).toEqual(['inflight', 'done', 'abandoned', 'stats']);
      expect(s).toEqual({ inflight: 0, done: [], abandoned: [], stats: { reads: 0, writes: 1, errors: 0 } });
    });

    it('keep a field of another version and add none to a state from before `abandoned`', async () => {
      const s = await oneRequest({ inflight: 0, done: [], stats, mine: 'kept' });
      expect(Object.keys(s)).toEqual(['inflight', 'done', 'stats', 'mine']);
      expect(s).toMatchObject({ inflight: 0, done: [], mine: 'kept', stats: { writes: 1 } });
      const old = await oneRequest({ inflight: 0, done: [], stats }, true);
      expect(Object.keys(old)).toEqual(['inflight', 'done', 'stats']);
      expect(old).toMatchObject({ inflight: 0, done: [] });
    });
  });

  describe('the request timeout (timeout=CYCLES)', () => {
    async function hungRead(timeout: number, latency = 500) {
      const k = bootKernel({ seed: 1, diskLatency: { base: latency, jitter: 0, perSector: 0 } });
      const { def } = await loadModuleDef('blkdev@1.0.0');
      k.loader.insmod(def, { timeout: String(timeout) });
      const submit = k.symbols.bind(k.symbols.get('blk_submit@1')!) as Submit;
      const disk = k.machine.disks[0]!;
      disk.injectHang(1);
      const t = k.spawnKernel('io', submit('disk0', 'write', 5, new Uint8Array(512).fill(7)));
      k.runUntil(() => t.state === 'blocked', 100_000); // stops right after the step that submitted: now is the submission time
      return { k, t, disk, submittedAt: k.now, state: () => k.store.state('blkdev') as { inflight: number; done: unknown[]; abandoned: number[]; stats: { errors: number } } };
    }

    it('fails a request the disk does not answer with EIO once the timeout has passed, not before, and aborts it on the disk', async () => {
      const { k, t, disk, submittedAt, state } = await hungRead(40_000);
      k.run(submittedAt + 40_000 - 1 - k.now);
      expect(t.state).toBe('blocked');
      k.run(1_000);
      expect(t.state).toBe('exited');
      expect((t.error as KernelError).errno).toBe('EIO');
      expect(String(t.error)).toMatch(/write of disk0 sector 5 timed out after 40000 cycles/);
      expect(state()).toMatchObject({ inflight: 0, done: [], abandoned: [], stats: { errors: 1 } });
      expect(disk.stalled).toBe(0); // aborted: a later release cannot write it late
      expect(disk.release()).toBe(0);
      expect(disk.peek(5)[0]).toBe(0);
      expect(k.log.pending().some((l) => /request \d+ \(write sector 5\) timed out after 40000 cycles/.test(l))).toBe(true);
    });

    it('drops a completion that comes after the timeout (the disk was already answering): no double completion', async () => {
      const { k, t, disk, submittedAt, state } = await hungRead(40_000);
      k.run(submittedAt + 40_000 - 200 - k.now);
      expect(disk.release()).toBe(1); // completes after the base latency (500 cycles): after the deadline
      k.run(300);
      expect(t.state).toBe('exited');
      expect(String(t.error)).toMatch(/timed out/);
      expect(state().abandoned).toHaveLength(1);
      expect(state().inflight).toBe(0);
      k.run(1_000);
      expect(state()).toMatchObject({ inflight: 0, done: [], abandoned: [] });
      expect(k.log.pending().some((l) => /late completion of abandoned request \d+ \(ok\) ignored/.test(l))).toBe(true);
      // The driver still works: a new request completes normally.
      const submit = k.symbols.bind(k.symbols.get('blk_submit@1')!) as Submit;
      expect(() => k.runThread(k.spawnKernel('io2', submit('disk0', 'read', 5, new Uint8Array(512))))).not.toThrow();
      expect(state().inflight).toBe(0);
    });

    it('an abandoned request survives updates 1.0.0 -> 1.1.0 -> 2.0.0 in the state, and the running version drops its late completion', async () => {
      const { k, t, disk, submittedAt, state } = await hungRead(40_000, 1_000_000); // a slow disk: the completion comes long after the deadline
      k.run(submittedAt + 40_000 - 200 - k.now);
      disk.release();
      k.run(300); // timed out; the completion is under way
      expect(t.state).toBe('exited');
      expect(state().abandoned).toHaveLength(1);
      const u = new Updater(k);
      for (const v of ['1.1.0', '2.0.0']) {
        expect(u.run([await loadModuleDef(`blkdev@${v}`)], { strategy: 'unsafe' }).outcome).toBe('committed');
        expect(k.loader.get('blkdev')!.params.timeout).toBe(40_000);
      }
      expect(state().abandoned).toHaveLength(1);
      k.run(1_000_000);
      expect(state()).toMatchObject({ inflight: 0, done: [], abandoned: [] });
      expect(k.log.pending().some((l) => /late completion of abandoned request/.test(l))).toBe(true);
    });

    it('a killed submitter abandons its request: aborted on the disk, out of flight, blkdev unloadable', async () => {
      const { k, t, disk, state } = await hungRead(1_000_000_000);
      expect(() => k.loader.rmmod('blkdev')).toThrow(/executing blkdev:blk_submit/);
      kill(k.sched, t);
      k.run(1_000);
      expect(t.state).toBe('exited');
      expect(t.frames).toEqual([]);
      expect(state()).toMatchObject({ inflight: 0, done: [], abandoned: [] });
      expect(disk.stalled).toBe(0);
      expect(() => k.loader.rmmod('blkdev')).not.toThrow();
    });
  });
});
