// Unload and reload of simplefs loses no byte: files written by one version,
// `umount; rmmod simplefs; insmod simplefs@OTHER; mount`, and every
// directory, name, size and byte is there again, for every pair of 1.x/2.x
// versions; inode times survive between the versions that keep them; the
// verifying workload checks every byte before and after. Also what can go
// wrong: no room for the metadata (ENOSPC, still mounted), a damaged
// metadata block (EIO), and 3.0's journal over a volume written without one
// (converted when free, refused when files hold it).

import { describe, expect, it } from 'vitest';
import { bootWithModules } from '../../catalog/boot.js';
import { loadModuleDef } from '../../catalog/catalog.js';
import { O_CREAT, O_WRONLY, type Sys } from '../../exec/abi.js';
import { isKernelError } from '../../exec/errno.js';
import { runProgram } from '../../exec/executive.js';
import { attempt } from '../../props/harness.js';
import type { KGen } from '../../exec/thread.js';
import { derivedBytes } from '../../hw/rng.js';
import type { Kernel } from '../../kernel/kernel.js';
import { fsck } from '../../props/fsck.js';
import { Workload } from '../../user/workload.js';

const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.1.0', '2.2.0', '2.3.0'];

async function machine(version: string, config: { diskSectors?: number } = {}): Promise<Kernel> {
  const k = await bootWithModules(['blkdev@2.0.0', `simplefs@${version}`], { seed: 11, ...config });
  runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
  return k;
}


/** umount, rmmod, insmod `version`, mount: what `livemod shell` would type. */
async function reload(k: Kernel, version: string): Promise<void> {
  runProgram(k, 'umount', (sys: Sys) => sys.umount('/mnt'));
  k.loader.rmmod('simplefs');
  const { def, source } = await loadModuleDef(`simplefs@${version}`);
  k.loader.insmod(def, {}, source);
  runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
}

/** Directories, names, sizes and holes, fragmented free space, an empty file, a name no ASCII table has. */
function populate(k: Kernel): void {
  runProgram(k, 'populate', function* (sys: Sys) {
    yield* sys.mkdir('/mnt/a');
    yield* sys.mkdir('/mnt/a/b');
    yield* sys.mkdir('/mnt/empty');
    for (const [i, size] of [0, 1, 511, 512, 513, 5000, 20_000].entries()) yield* sys.writeFile(`/mnt/a/f${i}`, derivedBytes(size, 1, i));
    yield* sys.writeFile('/mnt/a/b/gone', derivedBytes(3000, 2));
    yield* sys.writeFile('/mnt/a/b/kept', derivedBytes(700, 3));
    yield* sys.unlink('/mnt/a/b/gone');
    yield* sys.writeFile('/mnt/été ✓', derivedBytes(100, 4));
    const fd = yield* sys.open('/mnt/holes', O_WRONLY | O_CREAT);
    yield* sys.write(fd, derivedBytes(10, 5));
    yield* sys.lseek(fd, 3000);
    yield* sys.write(fd, derivedBytes(10, 6));
    yield* sys.close(fd);
  });
}

/** Everything a user can see under /mnt: each path's type, size and bytes, in order. */
function tree(k: Kernel): Record<string, { type: string; size: number; bytes?: Uint8Array }> {
  const out: Record<string, { type: string; size: number; bytes?: Uint8Array }> = {};
  runProgram(k, 'walk', function* walk(sys: Sys, dir = '/mnt'): KGen<void> {
    for (const name of yield* sys.readdir(dir)) {
      const path = `${dir}/${name}`;
      const st = yield* sys.stat(path);
      out[path] = st.type === 'dir' ? { type: 'dir', size: st.size } : { type: st.type, size: st.size, bytes: yield* sys.readFile(path) };
      if (st.type === 'dir') yield* walk(sys, path);
    }
  } as (sys: Sys) => KGen<void>);
  return out;
}

const statfs = (k: Kernel) => runProgram<{ free: number; files: number }>(k, 'statfs', (sys: Sys) => sys.statfs('/mnt'));

describe('umount, rmmod, insmod, mount keeps every byte', () => {
  describe.each(VERSIONS)('written by simplefs %s', (from) => {
    it.each(VERSIONS)('and mounted by %s', async (to) => {
      const k = await machine(from);
      populate(k);
      const before = tree(k);
      expect(Object.keys(before)).toHaveLength(13);
      const free = to >= '2.1.0' && from >= '2.1.0' ? statfs(k) : undefined;
      await reload(k, to);
      expect(k.loader.require('simplefs').def.version).toBe(to);
      expect(tree(k)).toEqual(before);
      if (free) expect(statfs(k)).toEqual(free);
      expect(fsck(k)).toEqual([]);
      // and it goes on working: a new file, then once more round
      runProgram(k, 'more', (sys: Sys) => sys.writeFile('/mnt/a/b/new', derivedBytes(1500, 7)));
      const after = tree(k);
      await reload(k, from);
      expect(tree(k)).toEqual(after);
      expect(fsck(k)).toEqual([]);
      expect(k.stats.oopses).toBe(0);
    });
  });

  it('keeps inode numbers and times across a remount (2.1 -> 2.3 -> 2.1), and the module state holds mounted volumes only', async () => {
    const k = await machine('2.1.0');
    populate(k);
    k.run(50_000);
    runProgram(k, 'touch', (sys: Sys) => sys.writeFile('/mnt/a/f1', derivedBytes(9, 9)));
    const stats = () => runProgram<unknown[]>(k, 'stats', function* (sys: Sys) {
      const out: unknown[] = [];
      for (const p of ['/mnt', '/mnt/a', '/mnt/a/f1', '/mnt/a/f6', '/mnt/holes']) out.push(yield* sys.stat(p));
      return out;
    });
    const before = stats();
    expect((before[2] as { mtime: number }).mtime).toBeGreaterThan((before[3] as { mtime: number }).mtime);
    runProgram(k, 'umount', (sys: Sys) => sys.umount('/mnt'));
    expect((k.store.state('simplefs') as { volumes: object }).volumes).toEqual({});
    expect(k.store.table('simplefs', 'inodes').size).toBe(0);
    runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
    expect(stats()).toEqual(before);
    await reload(k, '2.3.0');
    expect(stats()).toEqual(before);
    await reload(k, '2.1.0');
    expect(stats()).toEqual(before);
  });

  it('the verifying workload finds every byte it wrote after the reload into another version', async () => {
    const k = await machine('2.2.0');
    const w = new Workload(k, { threads: 4, files: 6, seed: 3 });
    w.start();
    k.run(2_000_000);
    w.stop();
    expect(w.failures).toEqual([]);
    const first = w.verify();
    expect(first.mismatches).toEqual([]);
    expect(first.bytes).toBeGreaterThan(10_000);
    await reload(k, '2.3.0');
    expect(w.verify()).toEqual(first);
    await reload(k, '1.0.0');
    expect(w.verify()).toEqual(first);
    expect(fsck(k)).toEqual([]);
  });

  it('costs simulated time: the metadata is written at umount and read at mount', async () => {
    const k = await machine('2.3.0');
    populate(k);
    const disk = k.machine.disks[0]!;
    const writes = disk.completed;
    const t0 = k.now;
    runProgram(k, 'umount', (sys: Sys) => sys.umount('/mnt'));
    expect(disk.completed - writes).toBeGreaterThanOrEqual(2); // the metadata, then the superblock
    expect(k.now - t0).toBeGreaterThan(disk.latency.base);
  });
});

describe('what can go wrong', () => {
  it('a volume with no free block for its metadata stays mounted with ENOSPC, and unmounts once a file is removed', async () => {
    const k = await machine('2.3.0', { diskSectors: 16 });
    runProgram(k, 'fill', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/big', derivedBytes(14 * 512, 1));
      yield* sys.writeFile('/mnt/small', derivedBytes(10, 2));
    });
    expect(statfs(k).free).toBe(0);
    expect(attempt(k, (sys) => sys.umount('/mnt'))).toBe('ENOSPC');
    expect(attempt(k, (sys) => sys.readdir('/mnt'))).toEqual(['big', 'small']);
    runProgram(k, 'rm', (sys: Sys) => sys.unlink('/mnt/small'));
    await reload(k, '2.1.0');
    expect(attempt(k, (sys) => sys.readFile('/mnt/big'))).toEqual(derivedBytes(14 * 512, 1));
    expect(fsck(k)).toEqual([]);
  });

  it('a damaged metadata block is EIO at mount, not an empty filesystem', async () => {
    const k = await machine('2.3.0');
    populate(k);
    runProgram(k, 'umount', (sys: Sys) => sys.umount('/mnt'));
    const disk = k.machine.disks[0]!;
    const sb = new DataView(disk.peek(0).buffer);
    const metaBlock = sb.getUint32(24, true); // the first metadata extent's start
    const bad = disk.peek(metaBlock);
    bad[40]! ^= 0xff;
    disk.submit('write', metaBlock, 1, bad);
    k.run(100_000);
    expect(attempt(k, (sys) => sys.mount('simplefs', 'disk0', '/mnt'))).toBe('EIO');
    expect(k.stats.oopses).toBe(0);
    expect((k.store.state('simplefs') as { volumes: object }).volumes).toEqual({});
  });

  it('3.0 keeps its journal: a 2.x volume with files there is refused saying how, an empty one converted; 2.x mounts a 3.0 volume', async () => {
    const k = await machine('2.3.0');
    populate(k);
    const before = tree(k);
    runProgram(k, 'umount', (sys: Sys) => sys.umount('/mnt'));
    k.loader.rmmod('simplefs');
    const v3 = await loadModuleDef('simplefs@3.0.0');
    k.loader.insmod(v3.def, {}, v3.source);
    let message = '';
    try {
      runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
    } catch (e) {
      message = `${(e as Error).message} ${isKernelError(e) ? e.hint : ''}`;
      expect(isKernelError(e) && e.errno).toBe('EINVAL');
    }
    expect(message).toMatch(/holds file data in \d+ of blocks 1\.\.64, where simplefs 3\.0 keeps its journal.*insmod simplefs@2\.3\.0/);
    expect((k.store.state('simplefs') as { volumes: object }).volumes).toEqual({});
    await reloadUnmounted(k, '2.3.0');
    expect(tree(k)).toEqual(before);

    // an empty volume is converted; its journal survives 2.x and back
    const e = await machine('2.3.0');
    const empty = statfs(e).free;
    runProgram(e, 'umount', (sys: Sys) => sys.umount('/mnt'));
    await reloadUnmounted(e, '3.0.0');
    expect(e.log.pending().some((l) => /blocks 1\.\.64 kept for the journal/.test(l))).toBe(true);
    runProgram(e, 'w', (sys: Sys) => sys.writeFile('/mnt/x', derivedBytes(2000, 1)));
    const inJournal = () => runProgram<{ ino: number }>(e, 'stat', (sys: Sys) => sys.stat('/mnt/x')).ino;
    const blocks = () => (e.store.table('simplefs', 'inodes').get(inJournal()) as unknown as { blocks: number[] }).blocks;
    expect(Math.min(...blocks())).toBeGreaterThan(64);
    await reload(e, '2.3.0');
    expect(statfs(e).free).toBe(empty - 64 - 4);
    await reload(e, '3.0.0');
    expect(attempt(e, (sys) => sys.readFile('/mnt/x'))).toEqual(derivedBytes(2000, 1));
  });
});

/** rmmod and insmod `version` with nothing mounted, then mount. */
async function reloadUnmounted(k: Kernel, version: string): Promise<void> {
  k.loader.rmmod('simplefs');
  const { def, source } = await loadModuleDef(`simplefs@${version}`);
  k.loader.insmod(def, {}, source);
  runProgram(k, 'mount', (sys: Sys) => sys.mount('simplefs', 'disk0', '/mnt'));
}
