// Ops tables whose operations change signature: blkdev 2.0's block device
// table is version 2 (submit takes a sector count); the kernel's callers,
// written for version 1 (raw I/O on /dev/disk0), see the version-1 view the
// module provides, before, during and after live updates, and after a revert.

import { describe, expect, it } from 'vitest';
import { SECTOR_SIZE } from '../hw/disk.js';
import { bootWithModules } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import { loadModuleDef } from '../catalog/catalog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Sys } from '../exec/abi.js';
import { O_RDWR } from '../exec/abi.js';
import { Updater } from './updater.js';

/** Write `fill` into sectors 100..101 of /dev/disk0 and read them back, through syscalls. */
function rawRoundTrip(k: Kernel, fill: number): { size: number; back: Uint8Array } {
  return runProgram(k, 'raw', function* (sys: Sys) {
    const fd = yield* sys.open('/dev/disk0', O_RDWR);
    yield* sys.lseek(fd, 100 * SECTOR_SIZE);
    yield* sys.write(fd, new Uint8Array(2 * SECTOR_SIZE).fill(fill));
    yield* sys.lseek(fd, 100 * SECTOR_SIZE + 10);
    const back = yield* sys.read(fd, 1000);
    yield* sys.close(fd);
    return { size: (yield* sys.stat('/dev/disk0')).size, back };
  });
}

describe('a table whose operation changes signature', () => {
  it('keeps the kernel, written for version 1, working through the version-1 view across updates and a revert', async () => {
    const k = await bootWithModules(['blkdev@1.1.0'], { seed: 1 });
    const u = new Updater(k);
    expect(rawRoundTrip(k, 1)).toEqual({ size: 8192 * 512, back: new Uint8Array(1000).fill(1) });

    u.run([await loadModuleDef('blkdev@2.0.0')]);
    const table = k.ops.get('blkdev', 'disk0')!;
    expect(table.version).toBe(2);
    const view = table.views.get(1)!;
    expect(Object.keys(view.adaptors)).toEqual(['submit']);
    const before = view.adaptors.submit!.calls;
    expect(rawRoundTrip(k, 2).back).toEqual(new Uint8Array(1000).fill(2));
    expect(view.adaptors.submit!.calls - before).toBe(2 + 2); // 2 sectors written, 2 read (bytes 10..1009 of sectors 100-101), all through the view
    expect(k.machine.disks[0]!.peek(100, 2).every((b) => b === 2)).toBe(true);

    // Version 2's own submit takes a count: call it the way a version-2 caller would.
    const t = k.spawnKernel('v2', table.entries.submit!('read', 100, 2, new Uint8Array(2 * SECTOR_SIZE)));
    k.runThread(t);

    u.revert('blkdev');
    expect(k.ops.get('blkdev', 'disk0')).toBe(table); // the same table, back to version 1
    expect(table.version).toBe(1);
    expect(table.views.size).toBe(0);
    expect(k.symbols.get('blkdev:disk0@1.submit')).toBeUndefined();
    expect(rawRoundTrip(k, 3).back).toEqual(new Uint8Array(1000).fill(3));
  });

  it('gives the view when blkdev 2.0 is loaded fresh, and refuses writes that are not whole sectors', async () => {
    const k = await bootWithModules(['blkdev@2.0.0'], { seed: 1 });
    expect(k.ops.get('blkdev', 'disk0')!.views.get(1)).toBeDefined();
    expect(rawRoundTrip(k, 9).back).toEqual(new Uint8Array(1000).fill(9));
    const e = runProgram<string>(k, 'bad', function* (sys: Sys) {
      const fd = yield* sys.open('/dev/disk0', O_RDWR);
      try {
        yield* sys.write(fd, new Uint8Array(100));
        return 'ok';
      } catch (x) {
        return (x as { errno: string }).errno;
      }
    });
    expect(e).toBe('EINVAL');
  });
});
