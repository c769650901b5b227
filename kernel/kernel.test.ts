// End-to-end checks of the foundation: boot, load the first modules, and run
// file syscalls from user threads through the stubs down to the disk.

import { describe, expect, it } from 'vitest';
import { bootWithModules, DEFAULT_MODULES } from '../catalog/boot.js';
import { runProgram } from '../exec/executive.js';
import type { Sys } from '../exec/abi.js';
import { O_CREAT, O_RDWR } from '../exec/abi.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe('kernel with blkdev, simplefs and kmsg', () => {
  it('mounts simplefs, writes a file and reads back the same bytes', async () => {
    const k = await bootWithModules(DEFAULT_MODULES, { seed: 7 });
    const text = 'hello, live update! '.repeat(60); // 1200 bytes: three blocks
    const got = runProgram<string>(k, 'test', function* (sys: Sys) {
      yield* sys.mount('simplefs', 'disk0', '/mnt');
      yield* sys.mkdir('/mnt/d');
      yield* sys.writeFile('/mnt/d/a.txt', enc(text));
      const st = yield* sys.stat('/mnt/d/a.txt');
      expect(st.size).toBe(1200);
      return dec(yield* sys.readFile('/mnt/d/a.txt'));
    });
    expect(got).toBe(text);
  });

  it('overwrites in the middle of a block and past the end, leaving zeros in the hole', async () => {
    const k = await bootWithModules(DEFAULT_MODULES, { seed: 3 });
    const got = runProgram<Uint8Array>(k, 'test', function* (sys: Sys) {
      yield* sys.mount('simplefs', 'disk0', '/mnt');
      const fd = yield* sys.open('/mnt/f', O_CREAT | O_RDWR);
      yield* sys.write(fd, enc('abcdefghij'));
      yield* sys.lseek(fd, 3);
      yield* sys.write(fd, enc('XY'));
      yield* sys.lseek(fd, 600);
      yield* sys.write(fd, enc('Z'));
      yield* sys.close(fd);
      return yield* sys.readFile('/mnt/f');
    });
    expect(got.length).toBe(601);
    expect(dec(got.subarray(0, 10))).toBe('abcXYfghij');
    expect(got.subarray(10, 600).every((b) => b === 0)).toBe(true);
    expect(got[600]).toBe('Z'.charCodeAt(0));
  });
});
