// The object kernel runs the verifying workload through the shared VFS and
// its objects: nothing fails, every byte reads back, every call goes through
// the translation table.

import { describe, expect, it } from 'vitest';
import { runProgram } from '../exec/executive.js';
import type { Sys } from '../exec/abi.js';
import type { KGen } from '../exec/thread.js';
import { Workload } from '../user/workload.js';
import { bootObjectKernel } from './kernel.js';

function mounted(seed = 1, cpus = 4) {
  const k = bootObjectKernel({ seed, cpus });
  runProgram(k, 'setup', function* (sys: Sys): KGen<void> {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return k;
}

describe('object kernel', () => {
  it('runs the verifying workload with nothing failed or lost', () => {
    const k = mounted();
    const w = new Workload(k, { seed: 1 });
    w.start();
    k.run(2_000_000);
    w.stop();
    const r = w.verify();
    expect(w.failures).toEqual([]);
    expect(w.ops).toBeGreaterThan(100);
    expect(r.mismatches).toEqual([]);
    expect(r.files).toBeGreaterThan(0);
    expect(k.stats.oopses).toBe(0);
    expect(k.ott.stats.calls).toBeGreaterThan(w.ops);
    expect(k.census().Inode).toBe(r.files + 1 + 4); // files, the root, one directory per worker
  });

  it('misses once per CPU and object, then hits the local entry', () => {
    const k = mounted(1, 2);
    const before = k.ott.stats.misses;
    runProgram(k, 'stat', function* (sys: Sys): KGen<void> {
      for (let i = 0; i < 10; i++) yield* sys.stat('/mnt');
    });
    // Each stat resolves the root inode through the FileSystem object: at most one miss per object on this CPU.
    expect(k.ott.stats.misses - before).toBeLessThanOrEqual(2);
    expect(k.ott.stats.calls).toBeGreaterThanOrEqual(20);
  });

  it('gives the same errnos as the procedural kernel for the same mistakes', () => {
    const k = mounted();
    const got = runProgram<string[]>(k, 'errs', function* (sys: Sys): KGen<string[]> {
      const out: string[] = [];
      const attempt = function* (f: () => KGen<unknown>): KGen<void> {
        try {
          yield* f();
          out.push('ok');
        } catch (e) {
          out.push((e as { errno: string }).errno);
        }
      };
      yield* attempt(() => sys.mkdir('/mnt/d'));
      yield* attempt(() => sys.mkdir('/mnt/d'));
      yield* attempt(() => sys.writeFile('/mnt/d/f', new Uint8Array([1, 2, 3])));
      yield* attempt(() => sys.rmdir('/mnt/d'));
      yield* attempt(() => sys.unlink('/mnt/d'));
      yield* attempt(() => sys.rmdir('/mnt/d/f'));
      yield* attempt(() => sys.readdir('/mnt/d/f'));
      yield* attempt(() => sys.open('/mnt/nope'));
      yield* attempt(() => sys.statfs('/mnt'));
      yield* attempt(() => sys.mkdir('/x'));
      yield* attempt(() => sys.mount('ext4', 'disk0', '/x'));
      return out;
    });
    expect(got).toEqual(['ok', 'EEXIST', 'ok', 'ENOTEMPTY', 'EISDIR', 'ENOTDIR', 'ENOTDIR', 'ENOENT', 'ENOSYS', 'ok', 'ENODEV']);
  });
});
