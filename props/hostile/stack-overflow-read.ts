// Case: unbounded recursion (a stack overflow) in a chrdev read called in a syscall.
// Setup: insmod FILE
// Run: cat /dev/hostile
// Expect: EIO: read failed inside the kernel: Maximum call stack size exceeded

import { defineModule } from 'livemod/module';

function deeper(n: number): number {
  return deeper(n + 1) + 1;
}

export default defineModule({
  name: 'hostile', version: '1.0.0', description: 'a read that recurses forever',
  ops: {
    'chrdev:hostile': {
      read(_m: unknown, pos: number, _len: number) {
        return { data: new Uint8Array(deeper(pos)), pos };
      },
    },
  },
});
