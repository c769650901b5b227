// kmsg: the ring keeps the newest `capacity` records, reads return one record
// each, and the kernel's boot buffer is replayed when kmsg loads.

import { describe, expect, it } from 'vitest';
import { runProgram } from '../../exec/executive.js';
import { loadModuleDef } from '../../catalog/catalog.js';
import { bootKernel } from '../../kernel/kernel.js';
import type { Sys } from '../../exec/abi.js';

describe('kmsg', () => {
  it('replays the boot buffer, keeps the newest records, and reads one record per read', async () => {
    const k = bootKernel({ seed: 1 });
    k.printk('early line');
    const { def } = await loadModuleDef('kmsg');
    k.loader.insmod(def, { capacity: '16' });
    for (let i = 0; i < 40; i++) k.printk(`line ${i}`);
    const got = runProgram<string[]>(k, 'reader', function* (sys: Sys) {
      const fd = yield* sys.open('/dev/kmsg');
      const out: string[] = [];
      for (;;) {
        const d = yield* sys.read(fd, 4096);
        if (d.length === 0) break;
        out.push(new TextDecoder().decode(d));
      }
      return out;
    });
    expect(got).toHaveLength(16);
    expect(got.every((r) => r.endsWith('\n') && r.split('\n').length === 2)).toBe(true);
    expect(got[15]).toMatch(/line 39\n$/);
    expect(got[0]).toMatch(/line 24\n$/);
    expect(k.log.pending()).toEqual([]);
  });

  it('has the early line when the ring is large enough', async () => {
    const k = bootKernel({ seed: 1 });
    k.printk('early line');
    const { def } = await loadModuleDef('kmsg');
    k.loader.insmod(def);
    const text = new TextDecoder().decode(runProgram<Uint8Array>(k, 'r', (sys: Sys) => sys.readFile('/dev/kmsg')));
    expect(text).toMatch(/livemod kernel 1\.0\.0.*\n.*early line\n.*kmsg: loaded version \d+\.\d+\.\d+\n$/);
  });
});
