// simplefs 2.2 (allocate as you write) and 2.3 (free space as extents), the
// change in the histories whose safety depends on quiescence: both keep the
// filesystem's semantics; 2.2 -> 2.3 and its revert keep every byte and the
// free count under a running workload with the module and stop-machine
// strategies; and at a moment when a 2.2 write sleeps on disk I/O between
// two allocations, the unsafe control (switch at once) makes that write
// fail and leaves a block behind, while the module strategy waits for it
// and all is well.

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../../catalog/boot.js';
import { loadModuleDef } from '../../catalog/catalog.js';
import type { Sys } from '../../exec/abi.js';
import { isKernelError } from '../../exec/errno.js';
import { runProgram } from '../../exec/executive.js';
import { attempt } from '../../props/harness.js';
import type { KGen } from '../../exec/thread.js';
import type { Kernel } from '../../kernel/kernel.js';
import { fsck } from '../../props/fsck.js';
import type { Strategy } from '../../updater/plan.js';
import { Updater } from '../../updater/updater.js';
import { Workload } from '../../user/workload.js';

const bytes = (n: number, key: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + key * 7 + 1) & 255);

async function machine(spec: string, config: { seed?: number; diskSectors?: number } = {}): Promise<Kernel> {
  const k = await bootWithModules(['blkdev@2.0.0', spec], { seed: config.seed ?? 7, ...(config.diskSectors ? { diskSectors: config.diskSectors } : {}) });
  runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
  return k;
}


const free = (k: Kernel) => runProgram<{ free: number }>(k, 'statfs', (sys: Sys) => sys.statfs('/mnt')).free;
const readAll = (k: Kernel, path: string) => attempt(k, (sys) => sys.readFile(path));

/** Write `data` at `off` into an existing file. */
function* pwrite(sys: Sys, path: string, off: number, data: Uint8Array): KGen<number> {
  const fd = yield* sys.open(path, 0o1);
  try {
    yield* sys.lseek(fd, off);
    return yield* sys.write(fd, data);
  } finally {
    yield* sys.close(fd);
  }
}

const inodeBlocks = (k: Kernel, path: string): readonly number[] => {
  const ino = runProgram<{ ino: number }>(k, 'stat', (sys: Sys) => sys.stat(path)).ino;
  return (k.store.table('simplefs', 'inodes').get(ino) as unknown as { blocks: number[] }).blocks;
};

describe.each(['simplefs@2.2.0', 'simplefs@2.3.0'])('%s keeps the file semantics', (spec) => {
  it('writes, reads, overwrites, extends past a hole, truncates and deletes', async () => {
    const k = await machine(spec);
    const empty = free(k);
    const want = new Uint8Array(3000);
    want.set(bytes(2000, 1));
    runProgram(k, 'files', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/f', bytes(2000, 1));
      yield* pwrite(sys, '/mnt/f', 700, bytes(100, 2)); // inside, across no block edge
      yield* pwrite(sys, '/mnt/f', 2500, bytes(500, 3)); // past the end: a hole of zeros
    });
    want.set(bytes(100, 2), 700);
    want.set(bytes(500, 3), 2500);
    expect(readAll(k, '/mnt/f')).toEqual(want);
    expect(free(k)).toBe(empty - 6);
    // Truncate down and up again: the cut bytes come back as zeros.
    runProgram(k, 'trunc', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/g', bytes(1100, 4));
      const fd = yield* sys.open('/mnt/g', 0o1 | 0o1000); // O_TRUNC
      yield* sys.write(fd, bytes(600, 5));
      yield* sys.close(fd);
      yield* pwrite(sys, '/mnt/g', 1500, bytes(10, 6));
    });
    const g = new Uint8Array(1510);
    g.set(bytes(600, 5));
    g.set(bytes(10, 6), 1500);
    expect(readAll(k, '/mnt/g')).toEqual(g);
    expect(runProgram<{ mtime?: number }>(k, 'stat', (sys: Sys) => sys.stat('/mnt/g')).mtime).toBeGreaterThan(0); // 2.1's times
    runProgram(k, 'rm', function* (sys: Sys) {
      yield* sys.unlink('/mnt/f');
      yield* sys.unlink('/mnt/g');
    });
    expect(free(k)).toBe(empty);
    expect(fsck(k)).toEqual([]);
  });

  it('refuses a write the volume has no room for with ENOSPC, before changing a byte', async () => {
    const k = await machine(spec, { diskSectors: 16 }); // the superblock and 15 blocks
    expect(free(k)).toBe(15);
    runProgram(k, 'fill', (sys: Sys) => sys.writeFile('/mnt/a', bytes(10 * 512, 1)));
    expect(attempt(k, (sys) => pwrite(sys, '/mnt/a', 4000, bytes(4000, 2)))).toBe('ENOSPC'); // 8 more blocks, 5 free
    expect(readAll(k, '/mnt/a')).toEqual(bytes(10 * 512, 1));
    expect(attempt(k, (sys) => pwrite(sys, '/mnt/a', 10 * 512, bytes(5 * 512, 3)))).toBe(5 * 512); // exactly full
    expect(free(k)).toBe(0);
    expect(attempt(k, (sys) => sys.writeFile('/mnt/b', bytes(1, 4)))).toBe('ENOSPC');
    expect(fsck(k)).toEqual([]);
  });

  it('fills the holes of fragmented free space first, one run at a time', async () => {
    const k = await machine(spec);
    runProgram(k, 'frag', function* (sys: Sys) {
      for (const f of ['a', 'b', 'c']) yield* sys.writeFile(`/mnt/${f}`, bytes(512, 1));
      yield* sys.unlink('/mnt/b');
      yield* sys.writeFile('/mnt/d', bytes(2048, 2));
    });
    expect(inodeBlocks(k, '/mnt/d')).toEqual([2, 4, 5, 6]); // b's block, then after c's
    expect(readAll(k, '/mnt/d')).toEqual(bytes(2048, 2));
    expect(fsck(k)).toEqual([]);
  });
});

describe('simplefs 2.3 keeps free space as extents', () => {
  it('turns the bitmap into extents and back, checked against the free count; 3.0 is refused from it for init, as from 2.1', async () => {
    const k = await machine('simplefs@2.2.0');
    runProgram(k, 'frag', function* (sys: Sys) {
      for (const f of ['a', 'b', 'c', 'd']) yield* sys.writeFile(`/mnt/${f}`, bytes(700, 1));
      yield* sys.unlink('/mnt/b');
    });
    const before = k.store.state('simplefs');
    const u = new Updater(k);
    u.run([await loadModuleDef('simplefs@2.3.0')]);
    const vol = (k.store.state('simplefs') as { volumes: Record<string, { free: unknown; freeMap?: unknown }> }).volumes.disk0!;
    expect(vol.freeMap).toBeUndefined();
    expect(vol.free).toEqual([{ start: 3, length: 2 }, { start: 9, length: 8192 - 9 }]);
    expect(fsck(k)).toEqual([]);
    await expect(loadModuleDef('simplefs@3.0.0').then((v) => u.plan([v]))).rejects.toThrow(/changes what init does/);
    u.revert('simplefs');
    expect(k.store.state('simplefs')).toEqual(before);
  });

  it('aborts an update whose extents do not match the free count', async () => {
    const k = await machine('simplefs@2.2.0');
    const { def, source } = await loadModuleDef('simplefs@2.3.0');
    const lying = { ...def, upgrade: { ...def.upgrade!, state: (old: unknown) => ({ ...(def.upgrade!.state!(old) as object), volumes: { disk0: { blocks: 8192, used: 1, root: 1, mounted: true, free: [{ start: 1, length: 10 }] } } }) } };
    expect(() => new Updater(k).run([{ def: lying, source }])).toThrow(/check failed: disk0: 10 blocks in free extents, but 8191 free by the count/);
    expect(k.loader.require('simplefs').def.version).toBe('2.2.0');
  });
});

describe('simplefs 2.2 -> 2.3 under a running workload', () => {
  for (const strategy of ['module', 'stop-machine'] as const satisfies readonly Strategy[]) {
    it(`keeps every byte and the free count, and so does the revert (${strategy})`, async () => {
      const k = await machine('simplefs@2.2.0', { seed: 31 });
      const u = new Updater(k);
      // Think time leaves quiet moments, which stop-machine needs (the module gate waits for one).
      const w = new Workload(k, { threads: 4, files: 6, seed: 31, think: strategy === 'stop-machine' ? 60_000 : 4_000 });
      w.start();
      k.run(300_000);
      expect(u.run([await loadModuleDef('simplefs@2.3.0')], { strategy }).outcome).toBe('committed');
      expect(fsck(k, { writesInFlight: true })).toEqual([]);
      k.run(300_000);
      expect(u.revert('simplefs', { strategy }).outcome).toBe('committed');
      expect(fsck(k, { writesInFlight: true })).toEqual([]);
      k.run(300_000);
      w.stop();
      expect(w.failures).toEqual([]);
      expect(w.verify().mismatches).toEqual([]);
      expect(w.ops).toBeGreaterThan(30);
      expect(fsck(k)).toEqual([]);
      expect(k.stats.oopses).toBe(0);
    });
  }
});

describe('the moment that needs quiescence: a 2.2 write asleep between two allocations', () => {
  /**
   * Free space with a one-block hole (b's), and a writer of a 4-block file
   * stalled on the disk write of its first run (the hole): it has three
   * blocks left to allocate, after the disk answers.
   */
  async function stalledWriter() {
    const k = await machine('simplefs@2.2.0', { seed: 3 });
    runProgram(k, 'frag', function* (sys: Sys) {
      for (const f of ['a', 'b', 'c']) yield* sys.writeFile(`/mnt/${f}`, bytes(512, 1));
      yield* sys.unlink('/mnt/b');
    });
    k.machine.disks[0]!.injectHang(1);
    const writer = k.spawnUser('writer', function* (sys: Sys) {
      try {
        yield* sys.writeFile('/mnt/d', bytes(2048, 2));
        return 'ok';
      } catch (e) {
        if (isKernelError(e)) return e.errno;
        throw e;
      }
    });
    k.run(100_000);
    expect(writer.frames.map((f) => `${f.module}@${f.version}:${f.fn}`)).toContain('simplefs@2.2.0:fs:simplefs.write');
    expect(writer.waitChannel).toBe('disk I/O (write sectors 2+1)');
    return { k, writer, u: new Updater(k), v23: await loadModuleDef('simplefs@2.3.0') };
  }

  it('unsafe: the switch lands under the write, which then allocates from the bitmap that is gone: EIO, an oops and a block left past the end of the file', async () => {
    const { k, writer, u, v23 } = await stalledWriter();
    const { record, thread } = u.start([v23], { strategy: 'unsafe' });
    k.runThread(thread);
    expect(record.outcome).toBe('committed');
    k.machine.disks[0]!.release();
    expect(k.runThread(writer)).toBe('EIO');
    expect(k.stats.oopses).toBe(1);
    expect(k.log.pending().some((l) => /oops in syscall write .*Cannot read properties of undefined/.test(l))).toBe(true);
    expect(fsck(k)).toEqual([expect.stringMatching(/^disk0: inode \d+ has 1 blocks for 0 bytes$/)]);
  });

  it('module: the same update waits at the same moment until the write has left 2.2, then switches; the file is whole', async () => {
    const { k, writer, u, v23 } = await stalledWriter();
    const { record, thread } = u.start([v23], { strategy: 'module' });
    k.run(200_000);
    expect(record.outcome).toBe('running'); // waiting for the writer
    k.machine.disks[0]!.release();
    expect(k.runThread(writer)).toBe('ok');
    k.runThread(thread);
    expect(record.outcome).toBe('committed');
    expect(readAll(k, '/mnt/d')).toEqual(bytes(2048, 2));
    expect(inodeBlocks(k, '/mnt/d')).toEqual([2, 4, 5, 6]);
    expect(k.stats.oopses).toBe(0);
    expect(fsck(k)).toEqual([]);
  });

  it('unsafe at another moment is harmless: a write asleep on its last run has nothing left to allocate', async () => {
    const k = await machine('simplefs@2.2.0', { seed: 3 });
    k.machine.disks[0]!.injectHang(1);
    const writer = k.spawnUser('writer', (sys: Sys) => sys.writeFile('/mnt/d', bytes(2048, 2))); // one run on unfragmented space
    k.run(100_000);
    expect(writer.waitChannel).toBe('disk I/O (write sectors 1+4)');
    new Updater(k).run([await loadModuleDef('simplefs@2.3.0')], { strategy: 'unsafe' });
    k.machine.disks[0]!.release();
    k.runThread(writer);
    expect(readAll(k, '/mnt/d')).toEqual(bytes(2048, 2));
    expect(k.stats.oopses).toBe(0);
    expect(fsck(k)).toEqual([]);
  });
});
