// The verifying workload on the default machine: a million cycles on four
// CPUs with no failed operation, and every byte verified afterwards.

import { describe, expect, it } from 'vitest';
import { bootWithModules, DEFAULT_MODULES } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import type { Sys } from '../exec/abi.js';
import { Workload } from './workload.js';

async function mountedKernel(seed: number) {
  const k = await bootWithModules(DEFAULT_MODULES, { seed, cpus: 4 });
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  return k;
}

describe('verifying workload', () => {
  it('runs a million cycles on 4 CPUs with 0 failed operations and verifies every byte', async () => {
    const k = await mountedKernel(42);
    const w = new Workload(k, { threads: 4, files: 8, seed: 42 });
    w.start();
    k.run(1_000_000);
    w.stop();
    const report = w.verify();
    expect(w.failures).toEqual([]);
    expect(w.failed).toBe(0);
    expect(w.ops).toBeGreaterThan(100);
    expect(report.mismatches).toEqual([]);
    expect(report.files).toBeGreaterThan(0);
    expect(report.bytes).toBeGreaterThan(0);
    expect(k.stats.syscalls).toBeGreaterThan(1000);
  });

  it('notices data that changed behind its back', async () => {
    const k = await mountedKernel(5);
    const w = new Workload(k, { threads: 1, files: 1, seed: 5 });
    w.start();
    k.run(200_000);
    w.stop();
    // Corrupt the file on disk through the filesystem, as a buggy update would.
    runProgram(k, 'vandal', function* (sys: Sys) {
      yield* sys.writeFile('/mnt/w0/f0', new Uint8Array([1, 2, 3]));
    });
    const report = w.verify();
    expect(report.mismatches).toHaveLength(1);
    expect(report.mismatches[0]).toMatch(/\/mnt\/w0\/f0: 3 bytes, expected \d+/);
  });
});
